//! Tables of the chat service: channels, explicit memberships, the guild-membership
//! projection (fed by guild events), messages, mutes and reports.

pub mod channel;
pub mod channel_member;
pub mod guild_member;
pub mod message;
pub mod mute;
pub mod report;
