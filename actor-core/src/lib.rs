//! Pure game rules of Chaos: classes, stats, experience and levels, resources with
//! regeneration, skills and damage. No I/O, no clocks: callers pass the time in, so
//! every rule is deterministic and property-tested.
//!
//! Layout:
//! - [`class`]: playable classes and their stat growth.
//! - [`stats`]: base stats, equipment modifiers and derived stats.
//! - [`progression`]: the experience curve and level-ups.
//! - [`resources`]: HP/MP/stamina pools that regenerate from timestamps.
//! - [`skills`]: skill definitions (cost, cooldown, range, damage inputs, element) and cooldowns.
//! - [`combat`]: damage with environment modifiers.

pub mod class;
pub mod combat;
pub mod progression;
pub mod resources;
pub mod skills;
pub mod stats;

pub use class::Class;
pub use combat::{compute_damage, DamageInput, Environment, Weather};
pub use progression::{
    apply_experience, level_for_experience, total_experience_for_level, LevelUp, MAX_LEVEL,
};
pub use resources::{ResourceError, ResourcePool};
pub use skills::{Element, Scaling, SkillDefinition, SkillError};
pub use stats::{BaseStats, DerivedStats, StatModifiers};
