//! A guild.

use sea_orm::entity::prelude::*;

/// A guild.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guilds")]
pub struct Model {
    /// Guild id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Lower-cased name; unique, so names are unique case-insensitively.
    #[sea_orm(unique)]
    pub name_key: String,
    /// Player-facing description.
    pub description: String,
    /// `OPEN` (anyone may join) or `CLOSED` (join requests need approval).
    pub join_policy: String,
    /// Most members allowed.
    pub member_limit: i32,
    /// The founding actor.
    pub founded_by: Uuid,
    /// When it was founded.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
