//! Configuration of the guild service (`CHAOS_GUILD__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, PeerSettings, ServerSettings,
};

/// Everything the guild service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuildSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The guild database.
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// The subgraphs asked directly (actor lookups in chaos).
    pub peers: PeerSettings,
    /// Guild rules.
    #[serde(default)]
    pub rules: GuildRules,
    /// Live updates (subscriptions).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events.
    #[serde(default)]
    pub events: EventSettings,
}

/// Tunable guild rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuildRules {
    /// Most members per guild (new guilds get this limit).
    pub member_limit: i32,
    /// How long an invitation stays open, in hours.
    pub invitation_ttl_hours: i64,
    /// Most custom roles per guild (besides leader, officer and member).
    pub max_custom_roles: u64,
}

impl Default for GuildRules {
    fn default() -> Self {
        Self {
            member_limit: 50,
            invitation_ttl_hours: 72,
            max_custom_roles: 10,
        }
    }
}
