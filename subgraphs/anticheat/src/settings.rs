//! Configuration of the anticheat service (`CHAOS_ANTICHEAT__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, PeerSettings, ServerSettings,
};

/// Everything the anticheat service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnticheatSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The anticheat database (flags, reports, sanctions, detection state).
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// The subgraphs asked directly: chaos (`chaos_url`, actor owners), users
    /// (`users_url`, where sanctions are applied to accounts) and the internal token
    /// those calls present (and `recordVerdict` callers must present).
    pub peers: PeerSettings,
    /// Domain events (consumed: world, combat, inventory; published: anticheat).
    #[serde(default)]
    pub events: EventSettings,
    /// Detection and report thresholds.
    #[serde(default)]
    pub rules: RuleSettings,
}

/// Detection and report thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleSettings {
    /// A single rejected move at least this many times the actor's `maxSpeed` flags
    /// `SPEED_HACK` at once.
    pub speed_factor_to_flag: f64,
    /// Rejected moves (of any speed) within `speed_window_secs` that flag `SPEED_HACK`
    /// (lag spikes cause the odd rejection; a speed hack causes many).
    pub speed_rejections_to_flag: i32,
    /// Length of a `SPEED_HACK` window, in seconds; one flag per window.
    pub speed_window_secs: i64,
    /// An accepted move (`world.actor_moved`) faster than `maxSpeed` times this flags
    /// `SPEED_HACK` (defense in depth behind world's own check).
    pub moved_speed_tolerance: f64,
    /// `ON_COOLDOWN` rejections within `cast_window_secs` that flag `CAST_RATE`.
    pub cast_rejections_to_flag: i32,
    /// Length of a `CAST_RATE` window, in seconds; one flag per window.
    pub cast_window_secs: i64,
    /// Two accepted casts of a skill closer than its cooldown minus this (network and
    /// clock jitter) flag `CAST_RATE`.
    pub cooldown_tolerance_ms: i64,
    /// Prefixes of the `source` of `inventory.items_granted` that name a known origin
    /// (admin grants, purchases, live-event rewards); any other source, or none, flags
    /// `ITEM_WITHOUT_SOURCE`.
    pub item_sources: Vec<String>,
    /// Distinct reporters within `report_window_hours` that flag `REPORTED`.
    pub reports_to_flag: i64,
    /// Length of the report-counting window, in hours; one `REPORTED` flag per window.
    pub report_window_hours: i64,
    /// Reports one player may file per hour (`RATE_LIMITED` beyond).
    pub reports_per_hour: u64,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            speed_factor_to_flag: 1.5,
            speed_rejections_to_flag: 3,
            speed_window_secs: 60,
            moved_speed_tolerance: 1.2,
            cast_rejections_to_flag: 3,
            cast_window_secs: 10,
            cooldown_tolerance_ms: 100,
            item_sources: ["grant:", "payment:", "live_event:", "reward:"]
                .map(str::to_string)
                .to_vec(),
            reports_to_flag: 3,
            report_window_hours: 24 * 7,
            reports_per_hour: 10,
        }
    }
}
