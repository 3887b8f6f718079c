//! One item a side of a trade puts on offer.

use sea_orm::entity::prelude::*;

/// An offered item.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_trade_offers")]
pub struct Model {
    /// Offer id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The trade.
    #[sea_orm(indexed)]
    pub trade_id: Uuid,
    /// The offering actor.
    pub actor_id: Uuid,
    /// The offered stack.
    pub item_id: Uuid,
    /// Its definition (for display once the stack has moved).
    pub definition_id: String,
    /// How many of the stack.
    pub quantity: i32,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
