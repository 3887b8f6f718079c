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
        }
    }
}

impl From<sea_orm::DbErr> for ChaosError {
    fn from(err: sea_orm::DbErr) -> Self {
        ChaosError::Kit(KitError::Database(err))
    }
}
