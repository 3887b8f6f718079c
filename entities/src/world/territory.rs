//! A territory in a zone, held by a guild (or by nobody) until its structures fall.

use sea_orm::entity::prelude::*;

/// A territory.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "territories")]
pub struct Model {
    /// Territory id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The zone it lies in.
    pub zone_id: String,
    /// Display name.
    pub name: String,
    /// The holding guild, if any.
    pub owner_guild_id: Option<Uuid>,
    /// How many times it changed hands (a version for subscribers).
    pub changes: i32,
    /// When it last changed hands (or was founded).
    pub changed_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
