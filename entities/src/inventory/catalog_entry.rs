//! A published content definition (item or recipe) as inventory last heard of it from
//! `content.published`.

use sea_orm::entity::prelude::*;

/// A projected definition.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_catalog")]
pub struct Model {
    /// Content kind (`ITEM`, `RECIPE`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// Definition id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Published version; an older event never replaces a newer one.
    pub version: i32,
    /// The definition as content published it (camelCase JSON, as in the graph).
    pub definition: Json,
    /// When it was projected.
    pub updated_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
