//! A skill an actor has learned, with its last cast (for cooldowns).

use sea_orm::entity::prelude::*;

/// A learned skill.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actor_skills")]
pub struct Model {
    /// The actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The skill definition id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub skill_id: String,
    /// When it was learned.
    pub learned_at: DateTimeUtc,
    /// Last cast (ms since the epoch), for cooldowns.
    pub last_cast_at_ms: Option<i64>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
