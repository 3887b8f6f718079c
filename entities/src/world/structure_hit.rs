//! One cast's hit on a structure, recorded once per cast id. A voided row records that
//! the caster gave the cast up before the hit arrived, so a late hit changes nothing.

use sea_orm::entity::prelude::*;

/// A structure hit (or a voided cast).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "structure_hits")]
pub struct Model {
    /// The cast (chaos's id).
    #[sea_orm(primary_key, auto_increment = false)]
    pub cast_id: Uuid,
    /// The structure hit.
    pub structure_id: Uuid,
    /// The casting actor.
    pub attacker_actor_id: Uuid,
    /// The caster's guild at the time, if any.
    pub attacker_guild_id: Option<Uuid>,
    /// Damage dealt (0 when voided).
    pub amount: i32,
    /// The cast was given up: no damage was or will be dealt under this id.
    pub voided: bool,
    /// The structure's hit points after the hit.
    pub hp_after: i32,
    /// Whether the hit destroyed the structure.
    pub destroyed: bool,
    /// Whether the territory changed hands because of it.
    pub transferred: bool,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
