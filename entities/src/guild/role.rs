//! A guild role: a rank and a set of permissions.

use sea_orm::entity::prelude::*;

/// A role of one guild.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "guild_roles")]
pub struct Model {
    /// Role id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The guild.
    pub guild_id: Uuid,
    /// Display name, unique within the guild.
    pub name: String,
    /// `LEADER`, `OFFICER`, `MEMBER` (one of each per guild) or `CUSTOM`.
    pub kind: String,
    /// Seniority: lower is more senior (leader 0, officer 10, member 100).
    pub rank: i32,
    /// Comma-separated permission codes.
    pub permissions: String,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
