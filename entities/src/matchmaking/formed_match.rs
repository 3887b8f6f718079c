//! A match the matcher formed.

use sea_orm::entity::prelude::*;

/// A match. `teams` is a JSON array of
/// `{"index": 0, "actorIds": ["…"], "ticketIds": ["…"], "averageRating": 1012.5}`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "matchmaking_matches")]
pub struct Model {
    /// Match id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The mode's name.
    pub mode: String,
    /// The region's name.
    pub region: String,
    /// The teams.
    pub teams: Json,
    /// When it was formed.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
