//! The world service (being built).
