//! Errors of the anticheat service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the anticheat service.
#[derive(Debug, thiserror::Error)]
pub enum AnticheatError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// A report that cannot stand (reporting yourself, or your own actor).
    #[error("invalid report: {0}")]
    InvalidReport(&'static str),
    /// Too many reports from this player.
    #[error("at most {0} reports per hour")]
    RateLimited(u64),
    /// A sanction whose kind and duration do not fit together.
    #[error("invalid sanction: {0}")]
    InvalidSanction(&'static str),
    /// The users service did not apply the sanction; it stays pending and is retried.
    #[error(
        "the sanction could not be applied to the account yet; it is pending and will be retried"
    )]
    SanctionNotApplied,
    /// The idempotency key was used before for a different request.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
}

impl ErrorCode for AnticheatError {
    fn code(&self) -> &'static str {
        match self {
            AnticheatError::Kit(err) => err.code(),
            AnticheatError::InvalidReport(_) => "INVALID_REPORT",
            AnticheatError::RateLimited(_) => "RATE_LIMITED",
            AnticheatError::InvalidSanction(_) => "INVALID_SANCTION",
            AnticheatError::SanctionNotApplied => "SANCTION_NOT_APPLIED",
            AnticheatError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
        }
    }
}

impl From<sea_orm::DbErr> for AnticheatError {
    fn from(err: sea_orm::DbErr) -> Self {
        AnticheatError::Kit(KitError::Database(err))
    }
}

/// `BAD_USER_INPUT` with `message`.
pub(crate) fn bad_input(message: impl Into<String>) -> AnticheatError {
    KitError::BadUserInput(message.into()).into()
}

/// Whether `err` is a unique-constraint violation (a concurrent command won a race).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// A trimmed idempotency key of 1-100 characters.
pub(crate) fn idempotency_key(key: &str) -> Result<String, AnticheatError> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > 100 {
        return Err(bad_input("idempotencyKey must be 1-100 characters"));
    }
    Ok(key.to_string())
}
