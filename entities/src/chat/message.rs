//! A chat message.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A message; deleted messages keep their row (history stays stable) without text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "chat_messages")]
pub struct Model {
    /// Message id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The channel.
    pub channel_id: String,
    /// The sending actor.
    pub sender_actor_id: Uuid,
    /// Its owning account.
    pub sender_user_id: Uuid,
    /// The text (empty once deleted).
    pub body: String,
    /// When it was sent (history order, with `id`).
    pub created_at: DateTimeUtc,
    /// When it was last edited.
    pub edited_at: Option<DateTimeUtc>,
    /// When it was deleted.
    pub deleted_at: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
