//! A ledger account: one per owner and currency.

use sea_orm::entity::prelude::*;

/// A ledger account with its running balance. Player accounts never go below zero;
/// system accounts (`issuance`, `store`) may.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_accounts")]
pub struct Model {
    /// Account id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `PLAYER` or `SYSTEM`.
    pub owner_kind: String,
    /// The user id (players) or the system account's name (`issuance`, `store`).
    pub owner_key: String,
    /// `SOFT` or `HARD`; unique with the owner.
    pub currency: String,
    /// The balance: the sum of the account's entries.
    pub balance: i64,
    /// When it was opened.
    pub created_at: DateTimeUtc,
    /// When its balance last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
