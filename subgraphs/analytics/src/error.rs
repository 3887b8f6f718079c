//! Errors of the analytics service, each with a stable code.

use subgraph_kit::documents::DocumentError;
use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the analytics service.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// Shared failures (auth, input, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// The document store failed (masked as internal).
    #[error(transparent)]
    Store(#[from] DocumentError),
}

impl ErrorCode for AnalyticsError {
    fn code(&self) -> &'static str {
        match self {
            AnalyticsError::Kit(err) => err.code(),
            AnalyticsError::Store(_) => subgraph_kit::error::INTERNAL_SERVER_ERROR,
        }
    }
}

/// `BAD_USER_INPUT` with `message`.
pub(crate) fn bad_input(message: impl Into<String>) -> AnalyticsError {
    KitError::BadUserInput(message.into()).into()
}
