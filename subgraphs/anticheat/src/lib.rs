//! The anticheat service (being built).
