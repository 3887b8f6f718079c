//! Configuration of the inventory service (`CHAOS_INVENTORY__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, PeerSettings, ServerSettings,
};

/// Everything the inventory service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventorySettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The inventory database.
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// chaos (actor lookups, item effects, equipment: needs `internal_token`) and
    /// guild (storage permissions: `guild_url`).
    pub peers: PeerSettings,
    /// Inventory rules.
    #[serde(default)]
    pub rules: InventoryRules,
    /// Live updates (unused so far; kept for symmetry with the other services).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events.
    #[serde(default)]
    pub events: EventSettings,
}

/// Tunable inventory rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InventoryRules {
    /// Stacks an actor's bag holds (equipped items do not count).
    pub bag_capacity: i32,
    /// Stacks a guild's storage holds.
    pub guild_storage_capacity: i32,
    /// How long a trade stays open, in minutes.
    pub trade_ttl_minutes: i64,
    /// Most items (stacks) one side of a trade may offer.
    pub max_trade_items: usize,
}

impl Default for InventoryRules {
    fn default() -> Self {
        Self {
            bag_capacity: 40,
            guild_storage_capacity: 100,
            trade_ttl_minutes: 15,
            max_trade_items: 12,
        }
    }
}
