//! An anomaly recorded against a player: detected in the event stream, reported by a
//! service's inline verdict, or raised by player reports.

use sea_orm::entity::prelude::*;

/// A flag.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "anticheat_flags")]
pub struct Model {
    /// Flag id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The flagged player.
    #[sea_orm(indexed)]
    pub user_id: Uuid,
    /// The actor involved, if any.
    pub actor_id: Option<Uuid>,
    /// `SPEED_HACK`, `CAST_RATE`, `ITEM_WITHOUT_SOURCE` or `REPORTED`.
    pub kind: String,
    /// What was observed (JSON).
    pub detail: Json,
    /// Unique when set: a flag that must be raised once (per detection window) names
    /// itself here, so a repeated detection inserts nothing.
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
    /// When it was recorded (milliseconds precision, the cursor order).
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
