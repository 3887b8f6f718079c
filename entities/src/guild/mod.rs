//! Tables of the guild service: guilds, their roles and members, invitations and join
//! requests.

// `entities::guild::guild`: the guild service's `guilds` table.
#[allow(clippy::module_inception)]
pub mod guild;
pub mod invitation;
pub mod join_request;
pub mod member;
pub mod role;
pub mod territory;
