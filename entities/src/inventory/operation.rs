//! A value-moving command done once: its idempotency key and its result, so a replay
//! answers with the first result and changes nothing.

use sea_orm::entity::prelude::*;

/// A recorded operation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inventory_operations")]
pub struct Model {
    /// Scoped key (`use:<actor>:<key>`, `grant:<key>`, `payment:<grant id>`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// What was done (`USE`, `GRANT`, `CRAFT`, …).
    pub kind: String,
    /// The request's fingerprint: the same key with another request is refused.
    pub fingerprint: String,
    /// The result, as JSON.
    pub result: Json,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
