//! An admin's currency grant, keyed by its idempotency key so a replay grants nothing.

use sea_orm::entity::prelude::*;

/// A currency grant.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "currency_grants")]
pub struct Model {
    /// The admin's idempotency key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    /// The player credited.
    pub user_id: Uuid,
    /// `SOFT` or `HARD`.
    pub currency: String,
    /// Units granted.
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// The admin.
    pub granted_by: Uuid,
    /// The ledger transaction.
    pub transaction_id: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
