//! What an actor wears in one slot, with the stat modifiers it grants.

use sea_orm::entity::prelude::*;

/// An occupied equipment slot (empty slots have no row).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "equipment_slots")]
pub struct Model {
    /// The actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// Slot code (`HEAD`, `MAIN_HAND`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot: String,
    /// The item instance (owned by the inventory service).
    pub item_instance_id: Uuid,
    /// The item definition id (content).
    pub item_definition_id: String,
    /// `actor_core::StatModifiers` as JSON.
    pub modifiers: Json,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
