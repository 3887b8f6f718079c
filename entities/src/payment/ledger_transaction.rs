//! A ledger transaction: one movement of value, whose entries sum to zero per currency.

use sea_orm::entity::prelude::*;

/// A ledger transaction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_transactions")]
pub struct Model {
    /// Transaction id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `PURCHASE`, `REFUND` or `GRANT`.
    pub kind: String,
    /// Why value moved (shown on every entry).
    pub reason: String,
    /// What it belongs to, e.g. `purchase:<uuid>` or `grant:<idempotency key>`.
    pub reference: Option<String>,
    /// The player concerned.
    pub user_id: Option<Uuid>,
    /// Who caused it (the player, or the admin for refunds and grants).
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
