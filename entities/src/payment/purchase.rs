//! A purchase: a store product bought with a store receipt or with wallet currency.

use sea_orm::entity::prelude::*;

/// A purchase. What it cost and granted is copied from the product at purchase time
/// (products may change later), as JSON arrays: `[{"currency": "HARD", "amount": 100}]`
/// for amounts, `[{"definitionId": "health_potion", "quantity": 5}]` for items.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    /// Purchase id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The buying account.
    pub user_id: Uuid,
    /// The buyer's idempotency key; unique per user.
    pub idempotency_key: String,
    /// The product.
    pub product_id: String,
    /// The actor that receives the product's items, if any.
    pub actor_id: Option<Uuid>,
    /// `GOOGLE_PLAY` or `WALLET`.
    pub provider: String,
    /// The store's order id (store purchases).
    pub order_id: Option<String>,
    /// `COMPLETED` or `REFUNDED`.
    pub status: String,
    /// What the player paid from the wallet.
    pub paid: Json,
    /// The currency credited to the player.
    pub granted: Json,
    /// The items delivered to the actor.
    pub items: Json,
    /// What a refund took back from the player.
    pub clawback: Json,
    /// What a refund could not take back (already spent).
    pub shortfall: Json,
    /// Why it was refunded.
    pub refund_reason: Option<String>,
    /// The admin who refunded it.
    pub refunded_by: Option<Uuid>,
    /// When it completed (millisecond precision, for cursors).
    pub created_at: DateTimeUtc,
    /// When it was refunded.
    pub refunded_at: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
