//! One skill cast, the record of its saga: MP spent and cooldown started first, then the
//! reagent (inventory) and the hit (chaos or world); completed, or compensated (MP and
//! cooldown given back, reagent refunded) when a step fails. Unique per actor and
//! idempotency key, so a replay returns the first outcome.

use sea_orm::entity::prelude::*;

/// A cast.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "skill_casts")]
pub struct Model {
    /// Cast id (the saga's key at inventory and world).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The caster.
    pub actor_id: Uuid,
    /// The caster's player.
    pub user_id: Uuid,
    /// The client's idempotency key.
    pub idempotency_key: String,
    /// The skill.
    pub skill_id: String,
    /// `ACTOR` or `STRUCTURE`.
    pub target_kind: String,
    /// The target's id.
    pub target_id: Uuid,
    /// `PENDING` (MP spent, hit not yet landed), `COMPLETED` or `COMPENSATED`.
    pub status: String,
    /// MP paid.
    pub mp_cost: i32,
    /// The skill's last cast before this one (ms), restored on compensation.
    pub previous_cast_at_ms: Option<i64>,
    /// When it was cast (ms since the epoch).
    pub cast_at_ms: i64,
    /// The reagent item consumed, if the skill needs one.
    pub reagent_item: Option<String>,
    /// Damage decided before anything was spent (a resumed cast deals the same).
    pub damage: i32,
    /// Whether the hit was critical.
    pub critical: bool,
    /// The weather code the cast happened in.
    pub weather: String,
    /// The zone it happened in.
    pub zone_id: String,
    /// The target's HP (actors) or hit points (structures) after the hit.
    pub target_hp_after: Option<i32>,
    /// Structure hits: whether it was destroyed, and whether its territory changed hands.
    pub outcome: Json,
    /// Why a compensated cast failed (an error code).
    pub failure_code: Option<String>,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// Relations of [`Model`].
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
