//! A player or operator account.

use sea_orm::entity::prelude::*;

/// An account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// User id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display username, as registered.
    pub username: String,
    /// Lower-cased username; unique, so `Ann` and `ann` cannot both exist.
    #[sea_orm(unique)]
    pub username_key: String,
    /// Lower-cased email; unique.
    #[sea_orm(unique)]
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Space-delimited roles, issued as token scopes.
    pub roles: String,
    /// Consecutive failed logins since the last success.
    pub failed_logins: i32,
    /// Logins are refused until then.
    pub locked_until: Option<DateTimeUtc>,
    /// Registration time.
    pub created_at: DateTimeUtc,
    /// A temporary ban ends then (ignored while `banned_permanently`).
    pub banned_until: Option<DateTimeUtc>,
    /// Banned until an operator lifts it.
    pub banned_permanently: bool,
    /// Why the current (or last) ban was applied.
    pub ban_reason: Option<String>,
    /// A temporary global mute ends then (ignored while `muted_permanently`).
    pub muted_until: Option<DateTimeUtc>,
    /// Muted until an operator lifts it.
    pub muted_permanently: bool,
    /// Access tokens issued before this time are refused (set by every ban).
    pub tokens_revoked_before: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
