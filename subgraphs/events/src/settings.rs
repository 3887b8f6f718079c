//! Configuration of the events service (`CHAOS_EVENTS__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, PeerSettings, ServerSettings,
};

/// Everything the events service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The events database (live event projection, participations, claims).
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// The subgraphs asked directly: chaos (`chaos_url`) answers who owns an actor.
    pub peers: PeerSettings,
    /// Live fan-out of `liveEventUpdated` (Redis across replicas, else in-process).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events: consumes `content.events`, publishes `live_events.events`.
    #[serde(default)]
    pub events: EventSettings,
}
