//! One side of a ledger transaction: an amount added to (or taken from) one account.

use sea_orm::entity::prelude::*;

/// A ledger entry. Immutable; `reason` and `reference` are copied from the transaction
/// so an account's history reads without a join.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    /// Entry id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The transaction.
    pub transaction_id: Uuid,
    /// The account.
    pub account_id: Uuid,
    /// The account's currency.
    pub currency: String,
    /// Signed amount: positive credits the account, negative debits it.
    pub amount: i64,
    /// The account's balance right after this entry.
    pub balance_after: i64,
    /// The transaction's reason.
    pub reason: String,
    /// The transaction's reference.
    pub reference: Option<String>,
    /// When (millisecond precision, as cursors name entries by it).
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
