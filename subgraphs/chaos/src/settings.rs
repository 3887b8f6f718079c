//! Configuration of the chaos backend (`CHAOS_CHAOS__…`).

use serde::Deserialize;
use subgraph_kit::settings::{AuthSettings, DatabaseSettings, PeerSettings, ServerSettings};
pub use subgraph_kit::settings::{EventSettings, LiveSettings};

/// Everything the chaos backend reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The chaos database.
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// Internal calls: `peers.internal_token` admits inventory's effect and equipment
    /// calls, and is presented to world (`peers.world_url`: cast environment, structure
    /// hits) and inventory (`peers.inventory_url`: reagents).
    #[serde(default)]
    pub peers: PeerSettings,
    /// Game rules that are configuration rather than code.
    #[serde(default)]
    pub rules: RuleSettings,
    /// Live updates (subscriptions).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events to other services.
    #[serde(default)]
    pub events: EventSettings,
    /// Failure drills (tests and game days; never set in production).
    #[serde(default)]
    pub faults: FaultSettings,
}

/// Failures chaos injects on purpose, to prove its compensations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultSettings {
    /// Fail every skill cast right after its MP is spent (the cast is compensated).
    pub fail_cast_after_spend: bool,
}

/// Tunable rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSettings {
    /// How many actors one account may have.
    pub max_actors_per_user: i32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            max_actors_per_user: 5,
        }
    }
}
