//! An item stack (or a single item: equipment stacks to one) in a container. A stack
//! used up stays at quantity 0, so using it again says so rather than "not found".

use sea_orm::entity::prelude::*;

/// An item stack.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_items")]
pub struct Model {
    /// Instance id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The container (actor or guild id).
    #[sea_orm(indexed)]
    pub owner_id: Uuid,
    /// Content's item definition id.
    pub definition_id: String,
    /// How many; 0 once used up.
    pub quantity: i32,
    /// The equipment slot it is worn in, if any.
    pub equipped_slot: Option<String>,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
