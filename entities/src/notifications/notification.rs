//! One inbox entry.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A notification for one account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// Notification id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The recipient account.
    pub user_id: Uuid,
    /// What kind, e.g. `GUILD_INVITATION`.
    pub code: String,
    /// One line for lists.
    pub subject: String,
    /// Structured details for the client (ids to act on).
    pub content: Json,
    /// The actor who caused it; null for the system.
    pub sender_actor_id: Option<Uuid>,
    /// The domain event it came from.
    pub source_event_id: Uuid,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When the player read it.
    pub read_at: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
