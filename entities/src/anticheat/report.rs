//! A player's report of another player.

use sea_orm::entity::prelude::*;

/// A report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "anticheat_reports")]
pub struct Model {
    /// Report id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The reporting account.
    pub reporter_user_id: Uuid,
    /// The reporter's actor.
    pub reporter_actor_id: Uuid,
    /// The reported account.
    #[sea_orm(indexed)]
    pub reported_user_id: Uuid,
    /// The reported actor.
    pub reported_actor_id: Uuid,
    /// `CHEATING`, `ABUSE`, `SPAM` or `OTHER`.
    pub reason: String,
    /// The reporter's words.
    pub comment: Option<String>,
    /// The reporter's idempotency key (unique per reporter).
    pub idempotency_key: String,
    /// When it was filed (milliseconds precision, the cursor order).
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
