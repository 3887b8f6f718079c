//! One thing a store product grants: an amount of a currency or a quantity of an item.

use sea_orm::entity::prelude::*;

/// A grant of a store product; exactly one of `currency` and `item_definition_id` is set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_product_grants")]
pub struct Model {
    /// The product.
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: String,
    /// Order among the product's grants.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    /// The currency granted (`SOFT`, `HARD`), for currency grants.
    pub currency: Option<String>,
    /// The item definition granted (content's id, e.g. `health_potion`), for item grants.
    pub item_definition_id: Option<String>,
    /// Units of currency, or number of items.
    pub quantity: i64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
