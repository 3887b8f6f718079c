//! Where an actor stands, and when it last moved (for the speed check).

use sea_orm::entity::prelude::*;

/// An actor's position.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "actor_positions")]
pub struct Model {
    /// The actor (owned by chaos).
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The actor's player, for authorizing moves without asking chaos.
    pub user_id: Uuid,
    /// The zone.
    pub zone_id: String,
    /// x in world units.
    pub x: f64,
    /// y in world units.
    pub y: f64,
    /// When the actor arrived here (ms since the epoch).
    pub moved_at_ms: i64,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
