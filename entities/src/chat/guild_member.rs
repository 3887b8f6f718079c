//! Who is in which guild, as chat learns it from guild events (`guild.member_joined`,
//! `guild.member_left`); it decides who may read and write guild channels.

use sea_orm::entity::prelude::*;

/// A guild member.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_guild_members")]
pub struct Model {
    /// The member actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The guild.
    pub guild_id: Uuid,
    /// The actor's owning account.
    pub user_id: Uuid,
    /// When the guild event behind this row happened; older events never overwrite it
    /// (events of different guilds may arrive out of order).
    pub since: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
