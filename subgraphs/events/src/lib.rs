//! The events service (being built).
