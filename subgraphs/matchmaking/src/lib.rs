//! The matchmaking service (being built).
