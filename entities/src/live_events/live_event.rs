//! A live event as content last published it (newer versions win), and the phase the
//! service last announced for it.

use sea_orm::entity::prelude::*;

/// A live event definition.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "live_events")]
pub struct Model {
    /// Content's stable id, e.g. `ember_festival`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// What happens, for players.
    pub description: String,
    /// The zone it takes place in, or none for everywhere.
    pub zone_id: Option<String>,
    /// When it starts.
    pub starts_at: DateTimeUtc,
    /// When it ends.
    pub ends_at: DateTimeUtc,
    /// Most score one submission may add.
    pub max_score_per_submission: i32,
    /// Items granted to rewarded participants: `[{definitionId, quantity}]`.
    pub rewards: Json,
    /// Content's published version.
    pub version: i32,
    /// The last phase announced to subscribers (`UPCOMING`, `RUNNING`, `ENDED`).
    pub announced_phase: String,
    /// When the projection last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
