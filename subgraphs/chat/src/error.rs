//! Errors of the chat service, each with a stable code.

use chrono::{DateTime, Utc};
use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the chat service.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// The text is longer than allowed.
    #[error("messages are at most {0} characters")]
    MessageTooLong(usize),
    /// The player sends faster than allowed.
    #[error("slow down: at most {0} messages per {1} seconds")]
    RateLimited(u64, i64),
    /// The player is muted in this channel.
    #[error("you are muted in this channel until {0}")]
    Muted(DateTime<Utc>),
    /// The player is muted everywhere (an account sanction) until then (`None`: until
    /// lifted).
    #[error("{}", muted_everywhere(.0))]
    MutedEverywhere(Option<DateTime<Utc>>),
    /// The actor has not joined the channel (or may not see it).
    #[error("the actor is not in this channel")]
    NotInChannel,
    /// Guild and direct channels follow membership; they are not joined by hand.
    #[error("{0} channels cannot be joined or left directly")]
    NotJoinable(&'static str),
    /// The message was deleted.
    #[error("the message was deleted")]
    MessageDeleted,
    /// The player already reported this message.
    #[error("you already reported this message")]
    AlreadyReported,
}

impl ErrorCode for ChatError {
    fn code(&self) -> &'static str {
        match self {
            ChatError::Kit(err) => err.code(),
            ChatError::MessageTooLong(_) => "MESSAGE_TOO_LONG",
            ChatError::RateLimited(..) => "RATE_LIMITED",
            ChatError::Muted(_) | ChatError::MutedEverywhere(_) => "MUTED",
            ChatError::NotInChannel => "NOT_IN_CHANNEL",
            ChatError::NotJoinable(_) => "CHANNEL_NOT_JOINABLE",
            ChatError::MessageDeleted => "MESSAGE_DELETED",
            ChatError::AlreadyReported => "ALREADY_REPORTED",
        }
    }
}

fn muted_everywhere(until: &Option<DateTime<Utc>>) -> String {
    match until {
        Some(until) => format!("you are muted until {until}"),
        None => "you are muted".to_string(),
    }
}

impl From<sea_orm::DbErr> for ChatError {
    fn from(err: sea_orm::DbErr) -> Self {
        ChatError::Kit(KitError::Database(err))
    }
}
