//! An actor's rating in one mode, set by game-masters (absent means the default).

use sea_orm::entity::prelude::*;

/// A rating.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "matchmaking_ratings")]
pub struct Model {
    /// The rated actor.
    #[sea_orm(primary_key, auto_increment = false)]
    pub actor_id: Uuid,
    /// The mode it applies to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub mode: String,
    /// The rating.
    pub rating: i32,
    /// The admin who set it last.
    pub updated_by: Uuid,
    /// When it was set last.
    pub updated_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
