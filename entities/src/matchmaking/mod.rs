//! Tables of the matchmaking service: server-side ratings per actor and mode
//! (`matchmaking_ratings`), queue tickets with their party members
//! (`matchmaking_tickets`, `matchmaking_ticket_members`), the one-active-ticket guard
//! (`matchmaking_queue_slots`) and formed matches (`matchmaking_matches`).
//!
//! Mode and region columns hold the configured names (`duel`, `eu`); status columns
//! hold the SCREAMING_SNAKE codes of the GraphQL enum (`SEARCHING`, `MATCHED`, …).

pub mod formed_match;
pub mod queue_slot;
pub mod rating;
pub mod ticket;
pub mod ticket_member;
