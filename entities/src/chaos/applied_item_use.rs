//! An item use whose effects were applied, keyed by inventory's use id, so the
//! synchronous call and the `inventory.item_used` event apply it once between them.

use sea_orm::entity::prelude::*;

/// An applied item use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applied_item_uses")]
pub struct Model {
    /// Inventory's use id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub use_id: Uuid,
    /// The actor.
    pub actor_id: Uuid,
    /// When the effects were applied.
    pub applied_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
