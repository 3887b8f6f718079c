//! The skill catalogue the chaos backend enforces (seeded demo content; the content
//! service becomes its source of truth).

use sea_orm::entity::prelude::*;

/// A skill definition.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "skill_definitions")]
pub struct Model {
    /// Stable id, e.g. `fireball`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Class code that may learn it.
    pub class: String,
    /// Level needed to learn it.
    pub unlock_level: i32,
    /// Element code.
    pub element: String,
    /// `ATTACK` or `SPELL`.
    pub scaling: String,
    /// MP per cast.
    pub mp_cost: i32,
    /// Cooldown in milliseconds.
    pub cooldown_ms: i64,
    /// Range in world units.
    pub range: f64,
    /// Flat damage.
    pub base_damage: i32,
    /// Damage per point of power.
    pub power_ratio: f64,
    /// Item consumed per cast.
    pub reagent_item: Option<String>,
    /// Player-facing description.
    pub description: String,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
