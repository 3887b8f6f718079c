//! A product of the in-game store.

use sea_orm::entity::prelude::*;

/// A store product; what it grants lives in [`super::store_product_grant`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_products")]
pub struct Model {
    /// The SKU, e.g. `gems_100` (for store-receipt products, the store's product id).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Player-facing description.
    pub description: String,
    /// `STORE_RECEIPT` (real money, through a store receipt) or `WALLET` (wallet currency).
    pub kind: String,
    /// Currency of the price (`WALLET` products only).
    pub price_currency: Option<String>,
    /// Price in units of `price_currency` (`WALLET` products only).
    pub price_amount: Option<i64>,
    /// Whether it is on sale.
    pub active: bool,
    /// When it was added.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
