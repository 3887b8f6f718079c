//! A territory a guild holds, as world announced it (`world.territory_changed`).

use sea_orm::entity::prelude::*;

/// A held territory.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guild_territories")]
pub struct Model {
    /// World's territory id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub territory_id: Uuid,
    /// The holding guild.
    #[sea_orm(indexed)]
    pub guild_id: Uuid,
    /// The zone it lies in.
    pub zone_id: String,
    /// Display name.
    pub name: String,
    /// When the guild took it.
    pub acquired_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
