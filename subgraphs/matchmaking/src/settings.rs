//! Configuration of the matchmaking service (`CHAOS_MATCHMAKING__…`).

use std::collections::BTreeMap;

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, LiveSettings, PeerSettings, ServerSettings,
};

/// Everything the matchmaking service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchmakingSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The matchmaking database (ratings, tickets, matches).
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// chaos (`chaos_url`): who owns an actor, whether party members exist.
    pub peers: PeerSettings,
    /// Live delivery of `matchFound` (Redis across replicas, else in-process).
    #[serde(default)]
    pub live: LiveSettings,
    /// Domain events (`matchmaking.match_formed`).
    #[serde(default)]
    pub events: EventSettings,
    /// Queues, windows and timings.
    #[serde(default)]
    pub rules: MatchmakingRules,
}

/// Tunable matchmaking rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchmakingRules {
    /// The modes players may queue for, by name.
    pub modes: BTreeMap<String, ModeRules>,
    /// The regions players may queue in.
    pub regions: Vec<String>,
    /// Rating of an actor nobody rated yet.
    pub default_rating: i32,
    /// Milliseconds between two matcher rounds.
    pub tick_ms: u64,
    /// Allowed rating difference of a ticket that just queued.
    pub initial_window: i32,
    /// How much the allowed difference grows per second of waiting.
    pub widen_per_second: f64,
    /// The largest allowed difference, however long a ticket waits.
    pub max_window: i32,
    /// Seconds after which an unmatched ticket times out.
    pub ticket_timeout_secs: u64,
}

/// The shape of one mode's matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeRules {
    /// Teams per match.
    pub teams: u32,
    /// Fewest players on a team.
    pub min_team_size: u32,
    /// Most players on a team (also the largest party).
    pub max_team_size: u32,
}

impl ModeRules {
    /// Fewest players in a match.
    pub fn min_players(&self) -> u32 {
        self.teams * self.min_team_size
    }

    /// Most players in a match.
    pub fn max_players(&self) -> u32 {
        self.teams * self.max_team_size
    }
}

impl Default for MatchmakingRules {
    fn default() -> Self {
        Self {
            modes: BTreeMap::from([
                (
                    "duel".to_string(),
                    ModeRules {
                        teams: 2,
                        min_team_size: 1,
                        max_team_size: 1,
                    },
                ),
                (
                    "skirmish".to_string(),
                    ModeRules {
                        teams: 2,
                        min_team_size: 2,
                        max_team_size: 3,
                    },
                ),
            ]),
            regions: vec!["eu".into(), "na".into(), "asia".into()],
            default_rating: 1000,
            tick_ms: 500,
            initial_window: 100,
            widen_per_second: 50.0,
            max_window: 1000,
            ticket_timeout_secs: 120,
        }
    }
}

impl MatchmakingRules {
    /// Refuses rules no match could be formed under.
    pub fn validate(&self) -> Result<(), String> {
        if self.modes.is_empty() {
            return Err("rules.modes: at least one mode is needed".into());
        }
        for (name, mode) in &self.modes {
            if name.is_empty() || name.len() > 32 {
                return Err(format!("rules.modes: `{name}` must be 1-32 characters"));
            }
            if mode.teams < 2 || mode.min_team_size < 1 || mode.min_team_size > mode.max_team_size {
                return Err(format!(
                    "rules.modes.{name}: needs teams >= 2 and 1 <= min_team_size <= max_team_size"
                ));
            }
        }
        if self.regions.is_empty() || self.regions.iter().any(|r| r.is_empty() || r.len() > 32) {
            return Err("rules.regions: one or more names of 1-32 characters".into());
        }
        if self.initial_window < 0 || self.max_window < self.initial_window {
            return Err("rules: needs 0 <= initial_window <= max_window".into());
        }
        if !self.widen_per_second.is_finite() || self.widen_per_second < 0.0 {
            return Err("rules.widen_per_second must be >= 0".into());
        }
        if self.tick_ms == 0 {
            return Err("rules.tick_ms must be > 0".into());
        }
        Ok(())
    }

    /// The rules of `mode`, if configured.
    pub fn mode(&self, mode: &str) -> Option<&ModeRules> {
        self.modes.get(mode)
    }

    /// The allowed rating difference of a ticket that has waited `waited_ms`.
    pub fn window_after(&self, waited_ms: i64) -> i32 {
        let waited_secs = waited_ms.max(0) as f64 / 1000.0;
        let widened = f64::from(self.initial_window) + self.widen_per_second * waited_secs;
        // Capped at max_window, so the cast cannot overflow.
        widened.min(f64::from(self.max_window)).floor() as i32
    }
}
