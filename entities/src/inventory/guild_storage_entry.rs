//! The guild storage's audit trail: who put in or took out what, when.

use sea_orm::entity::prelude::*;

/// One storage movement.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_guild_storage_log")]
pub struct Model {
    /// Entry id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The guild.
    #[sea_orm(indexed)]
    pub guild_id: Uuid,
    /// The member's actor.
    pub actor_id: Uuid,
    /// The member's account.
    pub user_id: Uuid,
    /// `DEPOSIT` or `WITHDRAW`.
    pub direction: String,
    /// The item's definition.
    pub definition_id: String,
    /// How many.
    pub quantity: i32,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
