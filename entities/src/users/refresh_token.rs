//! One opaque refresh token. Only its SHA-256 is stored; each use rotates it.

use sea_orm::entity::prelude::*;

/// A refresh token.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// Token id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The session (family) it belongs to.
    #[sea_orm(indexed)]
    pub session_id: Uuid,
    /// Hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Issue time.
    pub issued_at: DateTimeUtc,
    /// Expiry.
    pub expires_at: DateTimeUtc,
    /// Set when exchanged for a successor; a second use is reuse.
    pub rotated_at: Option<DateTimeUtc>,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
