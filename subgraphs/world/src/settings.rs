//! Configuration of the world service (`CHAOS_WORLD__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, PeerSettings, ServerSettings,
};

/// Everything the world service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The world database.
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// chaos (actor ownership: `chaos_url`), guild (an attacker's guild: `guild_url`)
    /// and the token chaos presents for casts (`internal_token`).
    pub peers: PeerSettings,
    /// World rules.
    #[serde(default)]
    pub rules: WorldRules,
    /// Live updates (`territoryChanged`).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events.
    #[serde(default)]
    pub events: EventSettings,
}

/// Tunable world rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldRules {
    /// Where an actor that never moved stands: this zone's centre.
    pub spawn_zone: String,
    /// Slack on a zone's max speed before a move is refused (1.2 = 20 % for latency).
    pub speed_tolerance: f64,
    /// Moves closer together than this are judged as if this much time had passed,
    /// so two packets arriving together do not look infinitely fast.
    pub min_move_interval_ms: i64,
}

impl Default for WorldRules {
    fn default() -> Self {
        Self {
            spawn_zone: "starter_meadow".into(),
            speed_tolerance: 1.2,
            min_move_interval_ms: 100,
        }
    }
}
