//! An applied experience grant, keyed by its idempotency key so a replay returns the
//! first result instead of granting twice.

use sea_orm::entity::prelude::*;

/// An experience grant.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "experience_grants")]
pub struct Model {
    /// The caller's idempotency key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    /// The actor.
    pub actor_id: Uuid,
    /// Experience granted.
    pub amount: i64,
    /// Level before.
    pub level_before: i32,
    /// Level after.
    pub level_after: i32,
    /// Total experience after.
    pub experience_after: i64,
    /// Who granted it.
    pub granted_by: Uuid,
    /// When.
    pub granted_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
