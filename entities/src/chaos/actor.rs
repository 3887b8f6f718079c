//! A player character.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An actor. Serializable so live updates can carry the row itself.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "actors")]
pub struct Model {
    /// Actor id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning user.
    #[sea_orm(indexed)]
    pub user_id: Uuid,
    /// Character slot of the owner (1..=limit); unique per user, which bounds the count.
    pub slot: i32,
    /// Display name.
    pub name: String,
    /// Lower-cased name; unique across the world.
    #[sea_orm(unique)]
    pub name_key: String,
    /// Class code (`actor_core::Class::code`).
    pub class: String,
    /// Current level.
    pub level: i32,
    /// Total experience.
    pub experience: i64,
    /// HP at `resources_updated_at_ms`.
    pub hp: f64,
    /// MP at `resources_updated_at_ms`.
    pub mp: f64,
    /// Stamina at `resources_updated_at_ms`.
    pub stamina: f64,
    /// When the stored resource values were taken (ms since the epoch); regeneration
    /// since then is computed on read.
    pub resources_updated_at_ms: i64,
    /// Creation time.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
