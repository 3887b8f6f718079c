//! A sanction an operator placed on a player (applied to the account by the users
//! service).

use sea_orm::entity::prelude::*;

/// A sanction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "anticheat_sanctions")]
pub struct Model {
    /// Sanction id (also the users service's idempotency key for it).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The sanctioned player.
    #[sea_orm(indexed)]
    pub user_id: Uuid,
    /// `MUTE`, `TEMPORARY_BAN` or `PERMANENT_BAN`.
    pub kind: String,
    /// Why.
    pub reason: String,
    /// How long, for mutes and temporary bans.
    pub duration_seconds: Option<i64>,
    /// When it ends; `None` for a permanent ban.
    pub until: Option<DateTimeUtc>,
    /// `PENDING` (not yet applied by users), `ACTIVE` or `LIFTED`.
    pub status: String,
    /// The operator's idempotency key.
    #[sea_orm(unique)]
    pub idempotency_key: String,
    /// The operator who placed it.
    pub issued_by: Uuid,
    /// When it was placed (milliseconds precision).
    pub created_at: DateTimeUtc,
    /// When it was lifted.
    pub lifted_at: Option<DateTimeUtc>,
    /// Who lifted it.
    pub lifted_by: Option<Uuid>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
