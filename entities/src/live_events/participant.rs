//! An actor that joined a live event, with its running score.

use sea_orm::entity::prelude::*;

/// A participation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "live_event_participants")]
pub struct Model {
    /// The event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    /// The actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// Its owning account.
    pub user_id: Uuid,
    /// Sum of its accepted submissions.
    pub score: i64,
    /// When it joined.
    pub joined_at: DateTimeUtc,
    /// When it reached its current score (breaks leaderboard ties: earlier first).
    pub scored_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
