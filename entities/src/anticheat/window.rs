//! A detection window of one actor for one kind of anomaly: how many suspicious
//! events fell in it and whether it has raised its flag (one flag per window).

use sea_orm::entity::prelude::*;

/// A window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "anticheat_windows")]
pub struct Model {
    /// The actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The flag kind the window counts towards.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// Game time the window opened (milliseconds).
    pub window_start_ms: i64,
    /// Suspicion counted in it.
    pub count: i32,
    /// Whether it raised its flag.
    pub flagged: bool,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
