//! Tables of the live_events service.
