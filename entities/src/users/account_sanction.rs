//! A sanction applied to an account, by the id anticheat gave it: applying the same id
//! again changes nothing.

use sea_orm::entity::prelude::*;

/// An applied sanction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_sanctions")]
pub struct Model {
    /// The sanction id (anticheat's).
    #[sea_orm(primary_key, auto_increment = false)]
    pub sanction_id: Uuid,
    /// The sanctioned account.
    #[sea_orm(indexed)]
    pub user_id: Uuid,
    /// `BAN` or `MUTE`.
    pub kind: String,
    /// When it ends; `None` is permanent.
    pub until: Option<DateTimeUtc>,
    /// Why.
    pub reason: String,
    /// When it was applied.
    pub applied_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
