//! Errors of the matchmaking service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the matchmaking service.
#[derive(Debug, thiserror::Error)]
pub enum MatchmakingError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// No mode has this name.
    #[error("no matchmaking mode `{0}`")]
    UnknownMode(String),
    /// No region has this name.
    #[error("no matchmaking region `{0}`")]
    UnknownRegion(String),
    /// One of the actors already holds a searching ticket in the mode.
    #[error("an actor of the party is already queued for this mode")]
    AlreadyQueued,
    /// The party does not fit on one team of the mode.
    #[error("a party of this mode has at most {0} actors")]
    PartyTooLarge(u32),
    /// The ticket is no longer searching (matched, cancelled or timed out).
    #[error("the ticket is no longer searching")]
    TicketNotActive,
    /// The idempotency key was used before for a different request.
    #[error("idempotency key was already used for a different request")]
    IdempotencyKeyReused,
}

impl ErrorCode for MatchmakingError {
    fn code(&self) -> &'static str {
        match self {
            MatchmakingError::Kit(err) => err.code(),
            MatchmakingError::UnknownMode(_) => "UNKNOWN_MODE",
            MatchmakingError::UnknownRegion(_) => "UNKNOWN_REGION",
            MatchmakingError::AlreadyQueued => "ALREADY_QUEUED",
            MatchmakingError::PartyTooLarge(_) => "PARTY_TOO_LARGE",
            MatchmakingError::TicketNotActive => "TICKET_NOT_ACTIVE",
            MatchmakingError::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
        }
    }
}

impl From<sea_orm::DbErr> for MatchmakingError {
    fn from(err: sea_orm::DbErr) -> Self {
        MatchmakingError::Kit(KitError::Database(err))
    }
}

/// `BAD_USER_INPUT` with `message`.
pub(crate) fn bad_input(message: impl Into<String>) -> MatchmakingError {
    KitError::BadUserInput(message.into()).into()
}

/// Whether `err` is a unique-constraint violation (a concurrent command won a race).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
