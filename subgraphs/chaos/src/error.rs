//! Errors of the chaos backend, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the chaos backend.
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// Another actor has this name.
    #[error("actor name is already taken")]
    NameTaken,
    /// The account has as many actors as allowed.
    #[error("actor limit of {0} reached")]
    ActorLimitReached(i32),
    /// No such skill.
    #[error("unknown skill `{0}`")]
    UnknownSkill(String),
    /// The actor's class or level does not allow the skill.
    #[error("skill `{0}` cannot be learned by this actor yet")]
    SkillLocked(String),
    /// An idempotency key was reused with different arguments.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// The actor has not learned the skill.
    #[error("the actor has not learned `{0}`")]
    SkillNotLearned(String),
    /// The skill's cooldown has not ended.
    #[error("the skill is on cooldown for {0} ms")]
    OnCooldown(u64),
    /// Not enough MP for the skill.
    #[error("the skill costs {0} MP")]
    InsufficientMp(u32),
    /// The target is farther than the skill reaches (or in another zone).
    #[error("the target is out of range ({0} units)")]
    OutOfRange(f64),
    /// The caster's zone forbids combat.
    #[error("no combat in `{0}`")]
    NoCombatZone(String),
    /// The target cannot be aimed at.
    #[error("invalid target: {0}")]
    InvalidTarget(&'static str),
    /// The structure is already destroyed.
    #[error("the target is already destroyed")]
    TargetDestroyed,
    /// The structure belongs to the caster's guild.
    #[error("the target belongs to your own guild")]
    FriendlyTarget,
    /// The skill's reagent is not in the caster's bag.
    #[error("the skill's reagent is missing")]
    MissingReagent,
    /// A step of the cast failed; what was spent was given back.
    #[error("the cast failed; nothing was spent")]
    CastFailed,
    /// Another call with the same key is casting right now.
    #[error("a cast with this idempotency key is in progress")]
    CastInProgress,
}

impl ChaosError {
    /// The error a compensated cast recorded, for its replays.
    pub fn from_failure_code(code: Option<&str>) -> ChaosError {
        match code {
            Some("MISSING_REAGENT") => ChaosError::MissingReagent,
            Some("TARGET_DESTROYED") => ChaosError::TargetDestroyed,
            Some("FRIENDLY_TARGET") => ChaosError::FriendlyTarget,
            Some("SERVICE_UNAVAILABLE") => {
                ChaosError::Kit(KitError::Unavailable("a service the cast needed"))
            }
            _ => ChaosError::CastFailed,
        }
    }
}

impl ErrorCode for ChaosError {
    fn code(&self) -> &'static str {
        match self {
            ChaosError::Kit(err) => err.code(),
            ChaosError::NameTaken => "NAME_TAKEN",
            ChaosError::ActorLimitReached(_) => "ACTOR_LIMIT_REACHED",
            ChaosError::UnknownSkill(_) => "UNKNOWN_SKILL",
            ChaosError::SkillLocked(_) => "SKILL_LOCKED",
            ChaosError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            ChaosError::SkillNotLearned(_) => "SKILL_NOT_LEARNED",
            ChaosError::OnCooldown(_) => "ON_COOLDOWN",
            ChaosError::InsufficientMp(_) => "INSUFFICIENT_MP",
            ChaosError::OutOfRange(_) => "OUT_OF_RANGE",
            ChaosError::NoCombatZone(_) => "NO_COMBAT_ZONE",
            ChaosError::InvalidTarget(_) => "INVALID_TARGET",
            ChaosError::TargetDestroyed => "TARGET_DESTROYED",
            ChaosError::FriendlyTarget => "FRIENDLY_TARGET",
            ChaosError::MissingReagent => "MISSING_REAGENT",
            ChaosError::CastFailed => "CAST_FAILED",
            ChaosError::CastInProgress => "CAST_IN_PROGRESS",
        }
    }
}

impl From<sea_orm::DbErr> for ChaosError {
    fn from(err: sea_orm::DbErr) -> Self {
        ChaosError::Kit(KitError::Database(err))
    }
}
