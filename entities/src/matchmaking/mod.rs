//! Tables of the matchmaking service.
