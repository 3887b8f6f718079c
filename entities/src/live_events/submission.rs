//! An accepted score submission, keyed by the player's idempotency key so a replay
//! adds nothing.

use sea_orm::entity::prelude::*;

/// A score submission.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "live_event_score_submissions")]
pub struct Model {
    /// The submitting account.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The player's idempotency key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    /// The event.
    pub event_id: String,
    /// The actor that scored.
    pub actor_id: Uuid,
    /// Score added.
    pub score: i64,
    /// The actor's total right after it.
    pub total_after: i64,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
