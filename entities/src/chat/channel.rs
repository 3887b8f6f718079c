//! A chat channel. Ids carry the kind: `global`, `zone:<zone>`, `party:<uuid>`,
//! `guild:<guild uuid>`, `dm:<actor uuid>:<actor uuid>` (sorted).

use sea_orm::entity::prelude::*;

/// A channel, created when first used.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_channels")]
pub struct Model {
    /// Channel id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `GLOBAL`, `ZONE`, `PARTY`, `GUILD` or `DIRECT`.
    pub kind: String,
    /// When it was first used.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
