//! Configuration of the analytics service (`CHAOS_ANALYTICS__…`).

use serde::Deserialize;
use subgraph_kit::secret::Secret;
use subgraph_kit::settings::{AuthSettings, EventSettings, ServerSettings};

pub use subgraph_kit::documents::DocumentSettings;

/// Everything the analytics service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Where raw events are kept: `sqlite://…` (embedded, the default
    /// `sqlite://data/analytics.db`) or `mongodb://…` (production).
    #[serde(default = "default_documents")]
    pub documents: DocumentSettings,
    /// The event stream it ingests (every topic, consumer group `analytics`).
    #[serde(default)]
    pub events: EventSettings,
}

/// The embedded store: a SQLite file beside the other services' data.
pub fn default_documents() -> DocumentSettings {
    DocumentSettings {
        url: Secret::new("sqlite://data/analytics.db".to_string()),
        database: None,
        max_connections: 10,
    }
}
