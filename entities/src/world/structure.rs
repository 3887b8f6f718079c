//! A destructible structure defending a territory.

use sea_orm::entity::prelude::*;

/// A structure.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "structures")]
pub struct Model {
    /// Structure id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The territory it defends.
    pub territory_id: Uuid,
    /// Display name, e.g. `North Tower`.
    pub name: String,
    /// Hit points when whole.
    pub max_hp: i32,
    /// Hit points now; 0 is destroyed.
    pub hp: i32,
    /// Damage mitigation, as an actor's defense.
    pub defense: i32,
    /// x in world units.
    pub x: f64,
    /// y in world units.
    pub y: f64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
