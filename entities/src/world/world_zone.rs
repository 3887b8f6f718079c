//! A zone as content published it: size, speed limit, combat rule, weather cycle.

use sea_orm::entity::prelude::*;

/// A published zone definition (newest version wins).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "world_zones")]
pub struct Model {
    /// Content's zone id, e.g. `ember_wastes`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Whether combat is forbidden (sanctuaries, towns).
    pub no_combat: bool,
    /// The weather codes (`CLEAR`, `RAIN`, …) the zone cycles through, in order.
    pub weather_cycle: Json,
    /// How long each weather lasts, in seconds.
    pub weather_period_seconds: i32,
    /// Fastest allowed movement, in world units per second.
    pub max_speed: f64,
    /// Extent along x.
    pub width: f64,
    /// Extent along y.
    pub height: f64,
    /// Content's published version.
    pub version: i32,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
