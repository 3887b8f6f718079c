//! Errors of the content service, each with a stable code.

use subgraph_kit::documents::DocumentError;
use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

use crate::model::ContentKind;

/// What can go wrong in the content service.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// A definition breaks a rule (id format, ranges, slots, effects, dates).
    #[error("invalid definition: {0}")]
    InvalidDefinition(String),
    /// A definition refers to an item that is not published.
    #[error("item `{0}` is not a published item definition")]
    UnknownItem(String),
    /// A definition refers to a zone that is not published.
    #[error("zone `{0}` is not a published zone definition")]
    UnknownZone(String),
    /// Publishing or discarding needs a draft, and there is none.
    #[error("{kind} `{id}` has no draft", kind = .0.code(), id = .1)]
    NoDraft(ContentKind, String),
    /// Someone else changed the definition at the same time; reload and retry.
    #[error("the definition was changed concurrently; reload and retry")]
    Conflict,
}

impl ErrorCode for ContentError {
    fn code(&self) -> &'static str {
        match self {
            ContentError::Kit(err) => err.code(),
            ContentError::InvalidDefinition(_) => "INVALID_DEFINITION",
            ContentError::UnknownItem(_) => "UNKNOWN_ITEM",
            ContentError::UnknownZone(_) => "UNKNOWN_ZONE",
            ContentError::NoDraft(..) => "NO_DRAFT",
            ContentError::Conflict => "CONFLICT",
        }
    }
}

impl From<DocumentError> for ContentError {
    fn from(err: DocumentError) -> Self {
        match err {
            DocumentError::Conflict { .. } => ContentError::Conflict,
            other => ContentError::Kit(KitError::Internal(other.to_string())),
        }
    }
}
