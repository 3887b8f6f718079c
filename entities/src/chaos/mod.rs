//! Tables of the chaos backend: actors, their learned skills and equipment, the skill
//! catalogue, and idempotent experience grants.

pub mod actor;
pub mod actor_skill;
pub mod equipment_slot;
pub mod experience_grant;
pub mod skill_definition;
