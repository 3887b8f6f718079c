//! Topic names: the contract between the services that publish and consume them.
//! Each topic is keyed by its aggregate's id, so one aggregate's events stay in order.

/// Actor lifecycle and progression (`actor.created`, `actor.deleted`,
/// `actor.experience_granted`), published by chaos, keyed by actor id.
pub const ACTOR: &str = "chaos.actor";

/// Guild membership and invitations (`guild.created`, `guild.member_joined`,
/// `guild.member_left`, `guild.member_role_changed`, `guild.invitation_created`,
/// `guild.invitation_declined`, `guild.join_requested`, `guild.join_request_decided`,
/// `guild.disbanded`), published by guild, keyed by guild id.
pub const GUILD: &str = "guild.events";

/// Chat messages that concern someone outside the live conversation
/// (`chat.direct_message_sent`, `chat.mentioned`), published by chat, keyed by channel id.
pub const CHAT: &str = "chat.events";
