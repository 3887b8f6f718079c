//! A request of an actor to join a closed guild.

use sea_orm::entity::prelude::*;

/// A join request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guild_join_requests")]
pub struct Model {
    /// Request id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The guild.
    pub guild_id: Uuid,
    /// The actor asking to join.
    pub actor_id: Uuid,
    /// Its owning account.
    pub user_id: Uuid,
    /// A note to the officers.
    pub message: String,
    /// `PENDING`, `APPROVED`, `REJECTED` or `CANCELLED`.
    pub status: String,
    /// `"<guild>:<actor>"` while pending, else null (unique).
    #[sea_orm(unique)]
    pub pending_key: Option<String>,
    /// When it was made.
    pub created_at: DateTimeUtc,
    /// When it was decided.
    pub decided_at: Option<DateTimeUtc>,
    /// The member who decided.
    pub decided_by: Option<Uuid>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
