//! Tables of the notifications service: each player's inbox.

pub mod notification;
