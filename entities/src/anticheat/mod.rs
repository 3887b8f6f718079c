//! Tables of the anticheat service.
