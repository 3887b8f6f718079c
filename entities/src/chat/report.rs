//! A player's report of a message, for moderators.

use sea_orm::entity::prelude::*;

/// A report; one per message and reporter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_reports")]
pub struct Model {
    /// Report id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The message.
    pub message_id: Uuid,
    /// The channel of the message.
    pub channel_id: String,
    /// The message's text when reported (kept even if the sender deletes it).
    pub body: String,
    /// The message's sender.
    pub sender_user_id: Uuid,
    /// The reporting account.
    pub reporter_user_id: Uuid,
    /// Why.
    pub reason: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
