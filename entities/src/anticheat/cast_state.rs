//! The last accepted cast of one skill by one actor, to check the next cast against
//! its cooldown.

use sea_orm::entity::prelude::*;

/// The last cast.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "anticheat_cast_states")]
pub struct Model {
    /// The caster.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The skill.
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: String,
    /// Game time of the last accepted cast (milliseconds).
    pub last_cast_at_ms: i64,
    /// Its cooldown (milliseconds).
    pub cooldown_ms: i64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
