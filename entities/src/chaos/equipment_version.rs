//! The version of an actor's equipment as inventory last sent it: an older set (a
//! late event after a newer synchronous call) is ignored.

use sea_orm::entity::prelude::*;

/// An actor's equipment version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "equipment_versions")]
pub struct Model {
    /// The actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// Inventory's equipment version.
    pub version: i64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
