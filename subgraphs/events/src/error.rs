//! Errors of the events service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the events service.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// The event is not running (not started yet, or over).
    #[error("live event `{0}` is not running")]
    EventNotRunning(String),
    /// Rewards are claimed once the event is over.
    #[error("live event `{0}` has not ended yet")]
    EventNotEnded(String),
    /// The actor never joined the event.
    #[error("the actor has not joined live event `{0}`")]
    NotJoined(String),
    /// The score is not within `1..=maxScorePerSubmission`.
    #[error("score must be between 1 and {0}")]
    InvalidScore(i32),
    /// The actor scored nothing, so it earned no reward.
    #[error("the actor scored nothing in live event `{0}`")]
    NotEligible(String),
    /// The idempotency key was used before for a different request.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
}

impl ErrorCode for EventsError {
    fn code(&self) -> &'static str {
        match self {
            EventsError::Kit(err) => err.code(),
            EventsError::EventNotRunning(_) => "EVENT_NOT_RUNNING",
            EventsError::EventNotEnded(_) => "EVENT_NOT_ENDED",
            EventsError::NotJoined(_) => "NOT_JOINED",
            EventsError::InvalidScore(_) => "INVALID_SCORE",
            EventsError::NotEligible(_) => "NOT_ELIGIBLE",
            EventsError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
        }
    }
}

impl From<sea_orm::DbErr> for EventsError {
    fn from(err: sea_orm::DbErr) -> Self {
        EventsError::Kit(KitError::Database(err))
    }
}

/// Whether `err` is a unique-constraint violation (a concurrent command won a race).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The trimmed idempotency key, or `BAD_USER_INPUT` unless it has 1-128 characters.
pub(crate) fn idempotency_key(key: &str) -> Result<String, EventsError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 128 {
        return Err(
            KitError::BadUserInput("idempotency key must be 1-128 characters".into()).into(),
        );
    }
    Ok(key.to_string())
}
