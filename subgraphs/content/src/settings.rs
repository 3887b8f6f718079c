//! Configuration of the content service (`CHAOS_CONTENT__…`).

use serde::Deserialize;
use subgraph_kit::settings::{AuthSettings, EventSettings, ServerSettings};

pub use subgraph_kit::documents::DocumentSettings;

/// Everything the content service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The document store: `sqlite://…` (embedded) or `mongodb://…` (production).
    pub documents: DocumentSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Domain events (`content.published`).
    #[serde(default)]
    pub events: EventSettings,
}
