//! Zones as content publishes them, and the environment they give a moment: weather
//! follows the zone's cycle deterministically (every replica agrees without talking),
//! sanctuaries forbid combat.

use async_graphql::Enum;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde::Deserialize;

use entities::world::world_zone;

/// Weather in a zone; each element reacts to it (see `actor_core::combat::Weather`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum Weather {
    /// No modifiers.
    Clear,
    /// Fire −25 %, lightning +25 %.
    Rain,
    /// Lightning +50 %, fire −10 %.
    Storm,
    /// Ice +20 %, fire −10 %.
    Snow,
    /// Fire +20 %, ice −20 %.
    Heat,
}

impl Weather {
    /// Parses a stored code (`RAIN`); unknown codes read as clear skies.
    pub fn from_code(code: &str) -> Weather {
        match code {
            "RAIN" => Weather::Rain,
            "STORM" => Weather::Storm,
            "SNOW" => Weather::Snow,
            "HEAT" => Weather::Heat,
            _ => Weather::Clear,
        }
    }

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Weather::Clear => "CLEAR",
            Weather::Rain => "RAIN",
            Weather::Storm => "STORM",
            Weather::Snow => "SNOW",
            Weather::Heat => "HEAT",
        }
    }
}

/// The weather in `zone` at `now_ms`, and when it next changes (ms since the epoch;
/// `None` for a zone with a single weather).
pub fn weather_at(zone: &world_zone::Model, now_ms: i64) -> (Weather, Option<i64>) {
    let cycle: Vec<String> = serde_json::from_value(zone.weather_cycle.clone()).unwrap_or_default();
    if cycle.len() <= 1 {
        let weather = cycle
            .first()
            .map_or(Weather::Clear, |code| Weather::from_code(code));
        return (weather, None);
    }
    let period_ms = i64::from(zone.weather_period_seconds.max(1)) * 1000;
    let slot = now_ms.div_euclid(period_ms);
    let len = i64::try_from(cycle.len()).unwrap_or(1);
    let index = usize::try_from(slot.rem_euclid(len)).unwrap_or(0);
    (
        Weather::from_code(&cycle[index]),
        Some((slot + 1) * period_ms),
    )
}

/// Whether (`x`, `y`) lies inside `zone`.
pub fn contains(zone: &world_zone::Model, x: f64, y: f64) -> bool {
    x.is_finite()
        && y.is_finite()
        && (0.0..=zone.width).contains(&x)
        && (0.0..=zone.height).contains(&y)
}

/// The middle of `zone`, where arrivals stand.
pub fn centre(zone: &world_zone::Model) -> (f64, f64) {
    (zone.width / 2.0, zone.height / 2.0)
}

/// A published zone as content's `content.published` carries it (camelCase JSON).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishedZone {
    name: String,
    #[serde(default)]
    no_combat: bool,
    #[serde(default)]
    weather_cycle: Vec<String>,
    weather_period_seconds: i32,
    max_speed: f64,
    width: f64,
    height: f64,
}

/// Stores a published zone unless a newer version is already stored. An unreadable
/// definition is logged and skipped (content validated it; a contract bug must not
/// block the topic).
pub async fn project(
    db: &impl ConnectionTrait,
    id: &str,
    version: i32,
    definition: serde_json::Value,
) -> Result<(), DbErr> {
    let zone: PublishedZone = match serde_json::from_value(definition) {
        Ok(zone) => zone,
        Err(err) => {
            tracing::warn!(zone_id = id, cause = %err, "unreadable zone definition skipped");
            return Ok(());
        }
    };
    let existing = world_zone::Entity::find_by_id(id.to_string())
        .one(db)
        .await?;
    if existing
        .as_ref()
        .is_some_and(|stored| stored.version >= version)
    {
        return Ok(());
    }
    let model = world_zone::ActiveModel {
        id: Set(id.to_string()),
        name: Set(zone.name),
        no_combat: Set(zone.no_combat),
        weather_cycle: Set(serde_json::json!(zone.weather_cycle)),
        weather_period_seconds: Set(zone.weather_period_seconds),
        max_speed: Set(zone.max_speed),
        width: Set(zone.width),
        height: Set(zone.height),
        version: Set(version),
    };
    match existing {
        Some(_) => model.update(db).await.map(drop),
        None => model.insert(db).await.map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(cycle: &[&str], period: i32) -> world_zone::Model {
        world_zone::Model {
            id: "z".into(),
            name: "Z".into(),
            no_combat: false,
            weather_cycle: serde_json::json!(cycle),
            weather_period_seconds: period,
            max_speed: 10.0,
            width: 100.0,
            height: 50.0,
            version: 1,
        }
    }

    #[test]
    fn weather_follows_the_cycle_by_period() {
        let zone = zone(&["CLEAR", "RAIN", "HEAT"], 300);
        assert_eq!(weather_at(&zone, 0), (Weather::Clear, Some(300_000)));
        assert_eq!(weather_at(&zone, 299_999).0, Weather::Clear);
        assert_eq!(weather_at(&zone, 300_000), (Weather::Rain, Some(600_000)));
        assert_eq!(weather_at(&zone, 600_000).0, Weather::Heat);
        assert_eq!(weather_at(&zone, 900_000).0, Weather::Clear);
    }

    #[test]
    fn a_single_weather_never_changes() {
        assert_eq!(
            weather_at(&zone(&["RAIN"], 60), 123_456),
            (Weather::Rain, None)
        );
        assert_eq!(weather_at(&zone(&[], 60), 5), (Weather::Clear, None));
    }

    #[test]
    fn bounds_include_the_edges_and_refuse_nan() {
        let zone = zone(&[], 60);
        assert!(contains(&zone, 0.0, 50.0));
        assert!(contains(&zone, 100.0, 0.0));
        assert!(!contains(&zone, 100.1, 0.0));
        assert!(!contains(&zone, f64::NAN, 1.0));
        assert_eq!(centre(&zone), (50.0, 25.0));
    }
}
