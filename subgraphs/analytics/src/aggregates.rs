//! The aggregates admins read, computed from the raw events of a range (see
//! [`crate::range`] for how they are read and the scaling limit):
//!
//! - active players per day or month: distinct user ids with any event;
//! - skill usage: `chaos.skill_cast` per `skillId` (casts, summed `damage`);
//! - matches per mode: `matchmaking.match_formed` per `mode` (matches, players in
//!   `teams`);
//! - top players: per `actorId`, summed `chaos.skill_cast` damage, cast count, or
//!   summed `live_event.score_submitted` score.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::ingest::{month_of, RawEvent};
use crate::range::TimeRange;

/// A skill cast.
pub const SKILL_CAST: &str = "chaos.skill_cast";
/// A formed match.
pub const MATCH_FORMED: &str = "matchmaking.match_formed";
/// An accepted live event score.
pub const SCORE_SUBMITTED: &str = "live_event.score_submitted";

/// How active players are bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "AnalyticsGranularity")]
pub enum Granularity {
    /// Per UTC day (`YYYY-MM-DD`).
    Day,
    /// Per UTC month (`YYYY-MM`).
    Month,
}

/// Distinct players of one period.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(name = "AnalyticsActivePlayers")]
pub struct ActivePlayers {
    /// `YYYY-MM-DD` or `YYYY-MM` (UTC).
    pub period: String,
    /// Distinct players with any event in it.
    pub active_players: i64,
}

/// Distinct users per period of `range`, every period listed (zero when quiet).
pub fn active_players(
    events: &[RawEvent],
    range: &TimeRange,
    granularity: Granularity,
) -> Vec<ActivePlayers> {
    let mut periods: BTreeMap<String, BTreeSet<uuid::Uuid>> = range
        .days()
        .into_iter()
        .map(|day| match granularity {
            Granularity::Day => day.format("%Y-%m-%d").to_string(),
            Granularity::Month => day.format("%Y-%m").to_string(),
        })
        .map(|period| (period, BTreeSet::new()))
        .collect();
    for event in events {
        let Some(user_id) = event.user_id else {
            continue;
        };
        let period = match granularity {
            Granularity::Day => event.day.clone(),
            Granularity::Month => month_of(event.occurred_at),
        };
        periods.entry(period).or_default().insert(user_id);
    }
    periods
        .into_iter()
        .map(|(period, users)| ActivePlayers {
            period,
            active_players: i64::try_from(users.len()).unwrap_or(i64::MAX),
        })
        .collect()
}

/// How one skill was used.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(name = "AnalyticsSkillUsage")]
pub struct SkillUsage {
    /// The skill.
    pub skill_id: String,
    /// Casts.
    pub casts: i64,
    /// Damage dealt by them.
    pub total_damage: i64,
}

/// Casts and damage per skill, most cast first (then by id).
pub fn skill_usage(casts: &[RawEvent]) -> Vec<SkillUsage> {
    let mut by_skill: HashMap<String, (i64, i64)> = HashMap::new();
    for cast in casts {
        let Some(skill_id) = cast.payload["skillId"].as_str() else {
            continue;
        };
        let entry = by_skill.entry(skill_id.to_string()).or_default();
        entry.0 += 1;
        entry.1 += whole(&cast.payload["damage"]);
    }
    let mut usage: Vec<SkillUsage> = by_skill
        .into_iter()
        .map(|(skill_id, (casts, total_damage))| SkillUsage {
            skill_id,
            casts,
            total_damage,
        })
        .collect();
    usage.sort_by(|a, b| {
        b.casts
            .cmp(&a.casts)
            .then_with(|| a.skill_id.cmp(&b.skill_id))
    });
    usage
}

/// Matches of one mode.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(name = "AnalyticsModeMatches")]
pub struct ModeMatches {
    /// The mode.
    pub mode: String,
    /// Matches formed.
    pub matches: i64,
    /// Actor seats in them (an actor in two matches counts twice).
    pub players: i64,
}

/// Matches and players per mode, by mode.
pub fn matches_per_mode(matches: &[RawEvent]) -> Vec<ModeMatches> {
    let mut by_mode: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for formed in matches {
        let Some(mode) = formed.payload["mode"].as_str() else {
            continue;
        };
        let players: usize = formed.payload["teams"]
            .as_array()
            .map(|teams| {
                teams
                    .iter()
                    .map(|team| team.as_array().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0);
        let entry = by_mode.entry(mode.to_string()).or_default();
        entry.0 += 1;
        entry.1 += i64::try_from(players).unwrap_or(0);
    }
    by_mode
        .into_iter()
        .map(|(mode, (matches, players))| ModeMatches {
            mode,
            matches,
            players,
        })
        .collect()
}

/// What top players are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "AnalyticsTopPlayerMetric")]
pub enum TopPlayerMetric {
    /// Summed `damage` of the actor's skill casts.
    DamageDealt,
    /// The actor's skill casts.
    Casts,
    /// Summed live event scores.
    EventScore,
}

impl TopPlayerMetric {
    /// The event type the metric is computed from.
    pub fn event_type(self) -> &'static str {
        match self {
            TopPlayerMetric::DamageDealt | TopPlayerMetric::Casts => SKILL_CAST,
            TopPlayerMetric::EventScore => SCORE_SUBMITTED,
        }
    }
}

/// One ranked actor.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
#[graphql(name = "AnalyticsTopPlayer")]
pub struct TopPlayer {
    /// The actor.
    pub actor_id: async_graphql::ID,
    /// Its value of the metric.
    pub value: i64,
}

/// The `first` actors with the highest `metric` (ties by actor id).
pub fn top_players(events: &[RawEvent], metric: TopPlayerMetric, first: usize) -> Vec<TopPlayer> {
    let mut by_actor: HashMap<String, i64> = HashMap::new();
    for event in events {
        let Some(actor_id) = event.payload["actorId"].as_str() else {
            continue;
        };
        let value = match metric {
            TopPlayerMetric::DamageDealt => whole(&event.payload["damage"]),
            TopPlayerMetric::Casts => 1,
            TopPlayerMetric::EventScore => whole(&event.payload["score"]),
        };
        *by_actor.entry(actor_id.to_string()).or_default() += value;
    }
    let mut ranked: Vec<(String, i64)> = by_actor.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(first)
        .map(|(actor_id, value)| TopPlayer {
            actor_id: async_graphql::ID(actor_id),
            value,
        })
        .collect()
}

/// A JSON number as a whole number (fractions truncated; anything else is 0).
pub fn whole(value: &Value) -> i64 {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}
