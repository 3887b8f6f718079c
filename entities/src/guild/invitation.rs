//! An invitation of an actor into a guild.

use sea_orm::entity::prelude::*;

/// An invitation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guild_invitations")]
pub struct Model {
    /// Invitation id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The guild.
    pub guild_id: Uuid,
    /// The invited actor.
    pub invitee_actor_id: Uuid,
    /// Its owning account (who may accept).
    pub invitee_user_id: Uuid,
    /// The member who invited.
    pub inviter_actor_id: Uuid,
    /// `PENDING`, `ACCEPTED`, `DECLINED` or `CANCELLED`.
    pub status: String,
    /// `"<guild>:<actor>"` while pending, else null; unique, so one pending invitation
    /// per actor and guild even under concurrent invites.
    #[sea_orm(unique)]
    pub pending_key: Option<String>,
    /// When it was sent.
    pub created_at: DateTimeUtc,
    /// When it lapses if not answered.
    pub expires_at: DateTimeUtc,
    /// When it was answered or cancelled.
    pub decided_at: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
