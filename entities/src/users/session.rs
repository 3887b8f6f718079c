//! A login session: one refresh-token family. Revoking it ends every token of the family.

use sea_orm::entity::prelude::*;

/// A session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Session (family) id, carried in access tokens as `sid`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    #[sea_orm(indexed)]
    pub user_id: Uuid,
    /// Login time.
    pub created_at: DateTimeUtc,
    /// Set on logout, logout-all or detected refresh-token reuse.
    pub revoked_at: Option<DateTimeUtc>,
    /// Why it was revoked (`LOGOUT`, `LOGOUT_ALL`, `REFRESH_TOKEN_REUSE`).
    pub revoked_reason: Option<String>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
