//! Errors of the users service, each with a stable code.

use chrono::{DateTime, Utc};
use subgraph_kit::error::ErrorCode;
use subgraph_kit::sanctions::ACCOUNT_BANNED;
use subgraph_kit::KitError;

/// What can go wrong in the users service.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// Shared failures (auth, input, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// Username or password wrong (never says which).
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Too many failed logins for this account.
    #[error("account locked after repeated failed logins; try again later")]
    AccountLocked,
    /// Too many failed logins from this address.
    #[error("too many failed logins from this address; try again later")]
    TooManyLoginAttempts,
    /// The username is taken.
    #[error("username is already taken")]
    UsernameTaken,
    /// The email is registered already.
    #[error("email is already registered")]
    EmailTaken,
    /// Unknown, expired or revoked refresh token.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A rotated refresh token was used again: the whole session was revoked.
    #[error("refresh token reuse detected; the session has been revoked")]
    RefreshTokenReused,
    /// The account is banned (until then; `None`: permanently).
    #[error("{}", banned_message(.0))]
    AccountBanned(Option<DateTime<Utc>>),
}

fn banned_message(until: &Option<DateTime<Utc>>) -> String {
    match until {
        Some(until) => format!("this account is banned until {}", until.to_rfc3339()),
        None => "this account is banned".to_string(),
    }
}

impl ErrorCode for UsersError {
    fn code(&self) -> &'static str {
        match self {
            UsersError::Kit(err) => err.code(),
            UsersError::InvalidCredentials => "INVALID_CREDENTIALS",
            UsersError::AccountLocked => "ACCOUNT_LOCKED",
            UsersError::TooManyLoginAttempts => "TOO_MANY_LOGIN_ATTEMPTS",
            UsersError::UsernameTaken => "USERNAME_TAKEN",
            UsersError::EmailTaken => "EMAIL_TAKEN",
            UsersError::InvalidRefreshToken => "INVALID_REFRESH_TOKEN",
            UsersError::RefreshTokenReused => "REFRESH_TOKEN_REUSED",
            UsersError::AccountBanned(_) => ACCOUNT_BANNED,
        }
    }
}

impl From<sea_orm::DbErr> for UsersError {
    fn from(err: sea_orm::DbErr) -> Self {
        UsersError::Kit(KitError::Database(err))
    }
}
