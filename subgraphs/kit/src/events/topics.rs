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

/// Published definitions (`content.published`, payload: `kind` (`ITEM`, `SKILL`,
/// `RECIPE`, `ZONE`, `EVENT`), `id`, `version`, `definition` (the published document's
/// JSON, camelCase fields as in the graph)), published by content, keyed by `<kind>:<id>`.
/// Services that cache definitions refresh them from this topic.
pub const CONTENT: &str = "content.events";

/// Item movements and their effects (`inventory.items_granted`, `inventory.item_used`,
/// `inventory.equipment_changed`, `inventory.items_destroyed`, `inventory.trade_completed`,
/// `inventory.item_crafted`, `inventory.guild_storage_moved`), published by inventory,
/// keyed by actor id.
pub const INVENTORY: &str = "inventory.events";

/// Wallet and store movements (`payment.purchase_completed`, `payment.purchase_refunded`,
/// `payment.currency_granted`, `payment.grant_items`), published by payment, keyed by
/// user id. `payment.grant_items` (payload: `grantId`, `actorId`, `items`: [{`definitionId`,
/// `quantity`}]) asks inventory to deliver items exactly once per `grantId`.
pub const PAYMENT: &str = "payment.events";

/// Skill casts (`chaos.skill_cast`, payload: `castId`, `actorId`, `skillId`, `targetKind`
/// (`ACTOR`, `STRUCTURE`), `targetId`, `damage`, `critical`, `mpCost`, `cooldownMs`, `castAtMs`,
/// `zoneId`, `weather`, `outcome`), refused casts (`chaos.cast_rejected`, payload:
/// `actorId`, `skillId`, `code`, `atMs`) and compensated ones (`chaos.cast_compensated`,
/// payload: `castId`, `actorId`, `skillId`, `code`, `mpRefunded`), published by chaos,
/// keyed by actor id. The envelope's
/// `user_id` is the caster's player.
pub const COMBAT: &str = "chaos.combat";

/// Refused movements and territories (`world.movement_rejected`, payload: `actorId`,
/// `zoneId`, `from` {`x`,`y`}, `to` {`x`,`y`}, `atMs`, `elapsedMs`, `speed`, `maxSpeed`;
/// `world.structure_damaged`, payload: `castId`, `structureId`, `territoryId`,
/// `actorId`, `amount`, `hpAfter`, `destroyed`; `world.territory_changed`, payload:
/// `territoryId`, `zoneId`, `name`, `previousGuildId`, `guildId`, `castId`), published
/// by world, keyed by actor id (movements) or territory id (territories). Accepted
/// moves are not published (too many; world refuses the fast ones itself).
pub const WORLD: &str = "world.events";

/// Matchmaking (`matchmaking.match_formed`, payload: `matchId`, `mode`, `region`,
/// `teams`: [[actorId]], `ratings`), published by matchmaking, keyed by match id.
pub const MATCHMAKING: &str = "matchmaking.events";

/// Live events (`live_event.joined`, `live_event.score_submitted`,
/// `live_event.reward_granted`, payload: `grantId`, `eventId`, `actorId`, `items`:
/// [{`definitionId`, `quantity`}]), published by the events service, keyed by actor id.
/// Inventory delivers `live_event.reward_granted` items exactly once per `grantId`.
pub const LIVE_EVENTS: &str = "live_events.events";

/// Sanctions and anomaly flags (`anticheat.flagged`, `anticheat.sanction_applied`,
/// `anticheat.sanction_lifted`), published by anticheat, keyed by user id.
pub const ANTICHEAT: &str = "anticheat.events";

/// The event type of a published definition on [`CONTENT`].
pub const CONTENT_PUBLISHED: &str = "content.published";

/// The payload of `content.published`: the definition's kind and id, its version, and
/// the published document (camelCase JSON, as in the graph).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ContentPublished {
    /// `ITEM`, `SKILL`, `RECIPE`, `ZONE` or `EVENT`.
    pub kind: String,
    /// The definition's id.
    pub id: String,
    /// Its published version (newer versions win).
    pub version: i32,
    /// The published document.
    pub definition: serde_json::Value,
}

impl ContentPublished {
    /// The published definition `event` carries if it is a `content.published` of
    /// `kind`. An unreadable payload is logged and skipped: content validated it, and a
    /// contract bug must not block the topic.
    pub fn of_kind(event: &super::EventEnvelope, kinds: &[&str]) -> Option<ContentPublished> {
        if event.event_type != CONTENT_PUBLISHED {
            return None;
        }
        match serde_json::from_value::<ContentPublished>(event.payload.clone()) {
            Ok(published) if kinds.contains(&published.kind.as_str()) => Some(published),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(event_id = %event.id, cause = %err, "unreadable content.published skipped");
                None
            }
        }
    }
}
