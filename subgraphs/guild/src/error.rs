//! Errors of the guild service, each with a stable code.

use subgraph_kit::error::ErrorCode;
use subgraph_kit::KitError;

/// What can go wrong in the guild service.
#[derive(Debug, thiserror::Error)]
pub enum GuildError {
    /// Shared failures (auth, input, not found, internal).
    #[error(transparent)]
    Kit(#[from] KitError),
    /// Another guild has this name.
    #[error("guild name is already taken")]
    NameTaken,
    /// The acting actor is in no guild.
    #[error("the actor is not in a guild")]
    NotInGuild,
    /// The actor is already in a guild.
    #[error("the actor is already in a guild")]
    AlreadyInGuild,
    /// The target actor is not a member of the acting actor's guild.
    #[error("the actor is not a member of this guild")]
    NotAMember,
    /// The guild has as many members as allowed.
    #[error("the guild is full ({0} members)")]
    GuildFull(i32),
    /// The acting member's role lacks a permission.
    #[error("your guild role lacks the {0} permission")]
    MissingPermission(&'static str),
    /// The target member's role is not junior to the acting member's.
    #[error("you can only act on members junior to you")]
    Outranked,
    /// The leader must hand over leadership before leaving a guild with members.
    #[error("transfer leadership before leaving")]
    LeaderMustTransfer,
    /// An invitation for this actor is already open.
    #[error("an invitation for this actor is already pending")]
    InvitationPending,
    /// The invitation was already answered or cancelled.
    #[error("the invitation is no longer pending")]
    InvitationNotPending,
    /// The invitation lapsed.
    #[error("the invitation has expired")]
    InvitationExpired,
    /// A join request for this actor is already open.
    #[error("a join request for this actor is already pending")]
    JoinRequestPending,
    /// The join request was already decided.
    #[error("the join request is no longer pending")]
    JoinRequestNotPending,
    /// Another role of the guild has this name.
    #[error("role name is already taken")]
    RoleNameTaken,
    /// The guild has as many custom roles as allowed.
    #[error("custom role limit of {0} reached")]
    RoleLimitReached(u64),
}

impl ErrorCode for GuildError {
    fn code(&self) -> &'static str {
        match self {
            GuildError::Kit(err) => err.code(),
            GuildError::NameTaken => "GUILD_NAME_TAKEN",
            GuildError::NotInGuild => "NOT_IN_GUILD",
            GuildError::AlreadyInGuild => "ALREADY_IN_GUILD",
            GuildError::NotAMember => "NOT_A_GUILD_MEMBER",
            GuildError::GuildFull(_) => "GUILD_FULL",
            GuildError::MissingPermission(_) => "MISSING_GUILD_PERMISSION",
            GuildError::Outranked => "OUTRANKED",
            GuildError::LeaderMustTransfer => "LEADER_MUST_TRANSFER",
            GuildError::InvitationPending => "INVITATION_PENDING",
            GuildError::InvitationNotPending => "INVITATION_NOT_PENDING",
            GuildError::InvitationExpired => "INVITATION_EXPIRED",
            GuildError::JoinRequestPending => "JOIN_REQUEST_PENDING",
            GuildError::JoinRequestNotPending => "JOIN_REQUEST_NOT_PENDING",
            GuildError::RoleNameTaken => "ROLE_NAME_TAKEN",
            GuildError::RoleLimitReached(_) => "ROLE_LIMIT_REACHED",
        }
    }
}

impl From<sea_orm::DbErr> for GuildError {
    fn from(err: sea_orm::DbErr) -> Self {
        GuildError::Kit(KitError::Database(err))
    }
}
