//! A player muted in a channel until a time.

use sea_orm::entity::prelude::*;

/// A mute.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_mutes")]
pub struct Model {
    /// The channel.
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: String,
    /// The muted account (all its actors).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// Until when.
    pub muted_until: DateTimeUtc,
    /// Why.
    pub reason: String,
    /// The moderator.
    pub muted_by: Uuid,
    /// When the mute was (last) set.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
