//! Errors of the world service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the world service.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// No published zone has this id.
    #[error("unknown zone `{0}`")]
    UnknownZone(String),
    /// A move faster than the zone allows; the actor stays where it was.
    #[error("moving at {speed:.1} units/s; the zone allows {max_speed:.1}")]
    SpeedLimitExceeded {
        /// The speed the move implies.
        speed: f64,
        /// The zone's limit.
        max_speed: f64,
    },
    /// A position outside the zone.
    #[error("({x}, {y}) lies outside the zone")]
    OutOfBounds {
        /// x asked for.
        x: f64,
        /// y asked for.
        y: f64,
    },
    /// The structure has no hit points left.
    #[error("the structure is already destroyed")]
    StructureDestroyed,
    /// The caster's guild holds the territory.
    #[error("the structure belongs to your own guild")]
    FriendlyTarget,
    /// The cast was given up before its hit arrived.
    #[error("the cast was cancelled")]
    CastVoided,
}

impl ErrorCode for WorldError {
    fn code(&self) -> &'static str {
        match self {
            WorldError::Kit(err) => err.code(),
            WorldError::UnknownZone(_) => "UNKNOWN_ZONE",
            WorldError::SpeedLimitExceeded { .. } => "SPEED_LIMIT_EXCEEDED",
            WorldError::OutOfBounds { .. } => "OUT_OF_BOUNDS",
            WorldError::StructureDestroyed => "STRUCTURE_DESTROYED",
            WorldError::FriendlyTarget => "FRIENDLY_TARGET",
            WorldError::CastVoided => "CAST_VOIDED",
        }
    }
}

impl From<sea_orm::DbErr> for WorldError {
    fn from(err: sea_orm::DbErr) -> Self {
        WorldError::Kit(KitError::Database(err))
    }
}

impl From<subgraph_kit::peer::PeerError> for WorldError {
    fn from(err: subgraph_kit::peer::PeerError) -> Self {
        WorldError::Kit(err.into())
    }
}
