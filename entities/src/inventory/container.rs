//! A container of items: an actor's bag or a guild's storage. Every command locks the
//! containers it touches (PostgreSQL `FOR UPDATE`) before reading their items.

use sea_orm::entity::prelude::*;

/// A container.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_containers")]
pub struct Model {
    /// The actor's or guild's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner_id: Uuid,
    /// `ACTOR` or `GUILD`.
    pub kind: String,
    /// The owning account (actors only), for read authorization without asking chaos.
    pub user_id: Option<Uuid>,
    /// Increases with every equipment change; chaos ignores older sets.
    pub equipment_version: i64,
    /// When the actor may craft again (ms since the epoch).
    pub crafting_busy_until_ms: i64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
