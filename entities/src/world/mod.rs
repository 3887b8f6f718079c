//! Tables of the world service: zones projected from content (`world_zones`), where
//! each actor stands (`actor_positions`), territories held by guilds (`territories`),
//! their destructible structures (`structures`) and the cast hits applied to them once
//! per cast id (`structure_hits`).
//!
//! Coordinates are world units (`f64`); times in `*_ms` columns are milliseconds since
//! the epoch.

pub mod actor_position;
pub mod structure;
pub mod structure_hit;
pub mod territory;
pub mod world_zone;
