//! Tables of the chaos backend: actors, their learned skills and equipment, the skill
//! catalogue, and idempotent experience grants.

pub mod actor;
pub mod actor_buff;
pub mod actor_skill;
pub mod applied_item_use;
pub mod equipment_slot;
pub mod equipment_version;
pub mod experience_grant;
pub mod skill_cast;
pub mod skill_definition;
