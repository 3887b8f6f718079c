//! A redeemed store receipt: the replay guard that lets each purchase token credit once.

use sea_orm::entity::prelude::*;

/// A redeemed receipt, keyed by store and purchase token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_receipts")]
pub struct Model {
    /// The store (`GOOGLE_PLAY`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    /// The store's purchase token.
    #[sea_orm(primary_key, auto_increment = false)]
    pub purchase_token: String,
    /// The store's order id.
    pub order_id: String,
    /// The purchase it paid for.
    pub purchase_id: Uuid,
    /// Who redeemed it.
    pub user_id: Uuid,
    /// When the store says it was bought.
    pub purchased_at: DateTimeUtc,
    /// When it was redeemed here.
    pub redeemed_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
