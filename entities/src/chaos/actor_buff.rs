//! A timed stat buff on an actor (from a used item).

use sea_orm::entity::prelude::*;

/// A buff; it stops counting at `expires_at_ms` (expired rows are pruned on write).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "actor_buffs")]
pub struct Model {
    /// Buff id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The actor.
    #[sea_orm(indexed)]
    pub actor_id: Uuid,
    /// The item that gave it (content id).
    pub item_definition_id: String,
    /// `actor_core::StatModifiers` as JSON.
    pub modifiers: Json,
    /// When it ends (ms since the epoch).
    pub expires_at_ms: i64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
