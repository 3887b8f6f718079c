//! Configuration of the chat service (`CHAOS_CHAT__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, PeerSettings, ServerSettings,
};

/// Everything the chat service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The chat database.
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// The subgraphs asked directly (actor lookups in chaos).
    pub peers: PeerSettings,
    /// Chat rules.
    #[serde(default)]
    pub rules: ChatRules,
    /// Live delivery (subscriptions).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events.
    #[serde(default)]
    pub events: EventSettings,
}

/// Tunable chat rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatRules {
    /// Longest message, in characters.
    pub max_message_chars: usize,
    /// Messages one player may send per window (all channels together).
    pub rate_limit_messages: u64,
    /// The rate-limit window, in seconds.
    pub rate_limit_window_secs: i64,
    /// Longest mute a moderator may set, in minutes.
    pub max_mute_minutes: i64,
}

impl Default for ChatRules {
    fn default() -> Self {
        Self {
            max_message_chars: 500,
            rate_limit_messages: 5,
            rate_limit_window_secs: 5,
            max_mute_minutes: 30 * 24 * 60,
        }
    }
}
