//! Guild membership: an actor belongs to at most one guild.

use sea_orm::entity::prelude::*;

/// An actor's membership.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guild_members")]
pub struct Model {
    /// The member actor (one guild per actor).
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The guild.
    pub guild_id: Uuid,
    /// The actor's owning account (authorizes the member's own actions).
    pub user_id: Uuid,
    /// The member's role.
    pub role_id: Uuid,
    /// When the actor joined.
    pub joined_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
