//! An actor that joined a global, zone or party channel.

use sea_orm::entity::prelude::*;

/// A joined channel.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_channel_members")]
pub struct Model {
    /// The channel.
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel_id: String,
    /// The actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// Its owning account.
    pub user_id: Uuid,
    /// When it joined.
    pub joined_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
