//! Errors with stable codes. Every service error implements [`ErrorCode`]; converting it
//! with [`graphql_error`] yields a GraphQL error whose `extensions.code` clients can match
//! on. Internal failures are logged with their cause and reach clients only as
//! `INTERNAL_SERVER_ERROR` with a generic message.

use async_graphql::ErrorExtensions;

/// A service error with a stable, SCREAMING_SNAKE `code`.
pub trait ErrorCode: std::error::Error {
    /// The code clients match on; never changes once published.
    fn code(&self) -> &'static str;

    /// Internal failures are masked: logged here, generic for the client.
    fn is_internal(&self) -> bool {
        self.code() == INTERNAL_SERVER_ERROR
    }
}

/// The code of every masked internal failure.
pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";

/// Converts a service error into a GraphQL error with its code.
pub fn graphql_error<E: ErrorCode>(err: E) -> async_graphql::Error {
    let code = err.code();
    if err.is_internal() {
        tracing::error!(code, cause = %err, "internal error while resolving");
        return async_graphql::Error::new("internal server error")
            .extend_with(|_, ext| ext.set("code", code));
    }
    async_graphql::Error::new(err.to_string()).extend_with(|_, ext| ext.set("code", code))
}

/// The `extensions.code` of an error in a response, if it has one (errors of our
/// resolvers always do; async-graphql's own parse and validation errors do not).
pub fn code_of_server_error(err: &async_graphql::ServerError) -> Option<String> {
    match err.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

/// Failures every service shares.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// No valid access token.
    #[error("authentication required")]
    Unauthenticated,
    /// The account is banned (its tokens are refused until the ban ends).
    #[error("the account is banned")]
    AccountBanned,
    /// Authenticated, but not allowed to do this.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// Input failed validation.
    #[error("invalid input: {0}")]
    BadUserInput(String),
    /// The thing asked for does not exist (or is not visible to the viewer).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A database failure.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// A service this one depends on did not answer; retrying later may succeed.
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    /// Any other internal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ErrorCode for KitError {
    fn code(&self) -> &'static str {
        match self {
            KitError::Unauthenticated => "UNAUTHENTICATED",
            KitError::AccountBanned => crate::sanctions::ACCOUNT_BANNED,
            KitError::Forbidden(_) => "FORBIDDEN",
            KitError::BadUserInput(_) => "BAD_USER_INPUT",
            KitError::NotFound(_) => "NOT_FOUND",
            KitError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            KitError::Database(_) | KitError::Internal(_) => INTERNAL_SERVER_ERROR,
        }
    }
}

/// The error type of every resolver. Converting any [`ErrorCode`] error into it (with
/// `?`) keeps the code.
///
/// It deliberately does not implement `Display`: async-graphql converts every `Display`
/// type into its `Error` without a code, so a service error returned directly from a
/// resolver would silently lose its code. Resolvers return [`ApiResult`] instead.
#[derive(Clone)]
pub struct ApiError(async_graphql::Error);

impl<E: ErrorCode> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(graphql_error(err))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.0
    }
}

/// What resolvers return.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(err: &async_graphql::Error) -> Option<String> {
        let value = err.extensions.as_ref()?.get("code")?;
        match value {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    #[test]
    fn client_errors_keep_their_message() {
        let err = graphql_error(KitError::BadUserInput("name too short".into()));
        assert_eq!(code_of(&err).as_deref(), Some("BAD_USER_INPUT"));
        assert!(err.message.contains("name too short"));
    }

    #[test]
    fn internal_errors_are_masked() {
        let err = graphql_error(KitError::Internal("connection refused to 10.0.0.7".into()));
        assert_eq!(code_of(&err).as_deref(), Some(INTERNAL_SERVER_ERROR));
        assert!(!err.message.contains("10.0.0.7"));
    }
}
