//! Configuration of the notifications service (`CHAOS_NOTIFICATIONS__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, ServerSettings,
};

/// Everything the notifications service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The notifications database.
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Live delivery (subscriptions).
    #[serde(default)]
    pub live: LiveSettings,
    /// Where the events it turns into notifications come from.
    #[serde(default)]
    pub events: EventSettings,
}
