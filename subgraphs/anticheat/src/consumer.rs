//! The detectors: one consumer group reading world, combat and inventory events.
//!
//! - `world.movement_rejected`: every rejection counts towards the actor's
//!   `SPEED_HACK` window (`rules.speed_rejections_to_flag` within
//!   `rules.speed_window_secs`); one at `rules.speed_factor_to_flag` × `maxSpeed` or
//!   more fills the window at once.
//! - `world.actor_moved`: an accepted move faster than `rules.moved_speed_tolerance` ×
//!   `maxSpeed` (by world's figure or by distance over time) fills the window too.
//! - `chaos.skill_cast`: a cast of a skill closer to the actor's previous accepted cast
//!   of it than its cooldown (less `rules.cooldown_tolerance_ms`) fills the actor's
//!   `CAST_RATE` window; `chaos.cast_rejected` with `ON_COOLDOWN` counts one
//!   (`rules.cast_rejections_to_flag` within `rules.cast_window_secs`).
//! - `inventory.items_granted`: a grant whose `source` is missing or not one of
//!   `rules.item_sources` flags `ITEM_WITHOUT_SOURCE` (one flag per event).
//!
//! A window raises one flag (its dedupe key names the window), so a burst is one flag,
//! not one per event. The player is the envelope's `user_id`, else the actor's owner
//! (asked of chaos only when a flag is raised). Events are applied once
//! ([`subgraph_kit::events::consumer::handle_once`]), so redelivery changes nothing.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, EntityTrait, Set};
use serde::Deserialize;
use serde_json::json;
use subgraph_kit::events::consumer::EventHandler;
use subgraph_kit::events::outbox::OutboxSignal;
use subgraph_kit::events::EventEnvelope;
use uuid::Uuid;

use entities::anticheat::{cast_state, window};

use crate::detection::{self, Movement, Window};
use crate::flags::{self, FlagKind, NewFlag};
use crate::peers::ActorLookup;
use crate::settings::RuleSettings;

/// The consumer group of the detectors.
pub const CONSUMER_GROUP: &str = "anticheat";

/// Handles `world.events`, `chaos.combat` and `inventory.events`.
pub struct GameEvents {
    /// Thresholds.
    pub rules: Arc<RuleSettings>,
    /// Actor owners, for events without a user.
    pub actors: Arc<dyn ActorLookup>,
    /// Wakes the outbox relay after a flag.
    pub outbox: OutboxSignal,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SkillCast {
    actor_id: Uuid,
    skill_id: serde_json::Value,
    cooldown_ms: i64,
    cast_at_ms: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CastRejected {
    actor_id: Uuid,
    skill_id: serde_json::Value,
    code: String,
    #[serde(default)]
    at_ms: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemsGranted {
    actor_id: Uuid,
    #[serde(default)]
    items: serde_json::Value,
    #[serde(default)]
    source: Option<String>,
}

/// A flag a detector wants raised.
struct Detection {
    actor_id: Uuid,
    kind: FlagKind,
    detail: serde_json::Value,
    dedupe_key: String,
}

impl EventHandler for GameEvents {
    type Committed = bool;

    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, bool), DbErr>> {
        Box::pin(async move {
            let detection = match self.detect(event, &txn).await {
                Ok(detection) => detection,
                Err(DetectError::Unreadable(cause)) => {
                    tracing::warn!(event_id = %event.id, event_type = %event.event_type, %cause, "unreadable event skipped");
                    None
                }
                Err(DetectError::Database(err)) => return Err(err),
            };
            let Some(detection) = detection else {
                return Ok((txn, false));
            };
            let Some(user_id) = self.player_of(event, detection.actor_id).await else {
                tracing::warn!(event_id = %event.id, actor_id = %detection.actor_id, "anomaly of an unknown player dropped");
                return Ok((txn, false));
            };
            let flagged = flags::record(
                &txn,
                NewFlag {
                    user_id,
                    actor_id: Some(detection.actor_id),
                    kind: detection.kind,
                    detail: detection.detail,
                    dedupe_key: Some(detection.dedupe_key),
                },
            )
            .await?;
            Ok((txn, flagged.is_some()))
        })
    }

    fn committed(&self, flagged: bool) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if flagged {
                self.outbox.committed();
            }
        })
    }
}

/// Why an event could not be checked.
enum DetectError {
    /// The payload does not parse: skipped, never retried.
    Unreadable(String),
    /// The database failed: the event is retried.
    Database(DbErr),
}

impl From<serde_json::Error> for DetectError {
    fn from(err: serde_json::Error) -> Self {
        DetectError::Unreadable(err.to_string())
    }
}

impl From<DbErr> for DetectError {
    fn from(err: DbErr) -> Self {
        DetectError::Database(err)
    }
}

impl GameEvents {
    async fn detect(
        &self,
        event: &EventEnvelope,
        txn: &DatabaseTransaction,
    ) -> Result<Option<Detection>, DetectError> {
        let rules = &self.rules;
        let payload = || event.payload.clone();
        match event.event_type.as_str() {
            "world.movement_rejected" | "world.actor_moved" => {
                let movement: Movement = serde_json::from_value(payload())?;
                let weight = if event.event_type == "world.movement_rejected" {
                    detection::rejected_move_weight(&movement, rules)
                } else {
                    detection::accepted_move_weight(&movement, rules)
                };
                if weight == 0 {
                    return Ok(None);
                }
                let raised = observe(
                    txn,
                    movement.actor_id,
                    FlagKind::SpeedHack,
                    movement.at_ms,
                    weight,
                    rules.speed_rejections_to_flag,
                    rules.speed_window_secs * 1000,
                )
                .await?;
                Ok(raised.map(|window| Detection {
                    actor_id: movement.actor_id,
                    kind: FlagKind::SpeedHack,
                    detail: json!({
                        "eventType": event.event_type,
                        "eventId": event.id,
                        "zoneId": movement.zone_id,
                        "speed": movement.observed_speed(),
                        "maxSpeed": movement.max_speed,
                        "factor": movement.factor(),
                        "atMs": movement.at_ms,
                        "suspicionInWindow": window.count,
                    }),
                    dedupe_key: window_key(FlagKind::SpeedHack, movement.actor_id, &window),
                }))
            }
            "chaos.skill_cast" => {
                let cast: SkillCast = serde_json::from_value(payload())?;
                let skill = skill_key(&cast.skill_id);
                let previous = remember_cast(txn, &cast, &skill).await?;
                let Some(previous) = previous.filter(|previous| {
                    detection::cast_too_soon(
                        previous.last_cast_at_ms,
                        previous.cooldown_ms,
                        cast.cast_at_ms,
                        rules,
                    )
                }) else {
                    return Ok(None);
                };
                let raised = observe(
                    txn,
                    cast.actor_id,
                    FlagKind::CastRate,
                    cast.cast_at_ms,
                    rules.cast_rejections_to_flag.max(1),
                    rules.cast_rejections_to_flag,
                    rules.cast_window_secs * 1000,
                )
                .await?;
                Ok(raised.map(|window| Detection {
                    actor_id: cast.actor_id,
                    kind: FlagKind::CastRate,
                    detail: json!({
                        "eventType": event.event_type,
                        "eventId": event.id,
                        "skillId": cast.skill_id,
                        "castAtMs": cast.cast_at_ms,
                        "previousCastAtMs": previous.last_cast_at_ms,
                        "cooldownMs": previous.cooldown_ms,
                    }),
                    dedupe_key: window_key(FlagKind::CastRate, cast.actor_id, &window),
                }))
            }
            "chaos.cast_rejected" => {
                let rejected: CastRejected = serde_json::from_value(payload())?;
                if rejected.code != "ON_COOLDOWN" {
                    return Ok(None);
                }
                let at_ms = rejected
                    .at_ms
                    .unwrap_or_else(|| event.occurred_at.timestamp_millis());
                let raised = observe(
                    txn,
                    rejected.actor_id,
                    FlagKind::CastRate,
                    at_ms,
                    1,
                    rules.cast_rejections_to_flag,
                    rules.cast_window_secs * 1000,
                )
                .await?;
                Ok(raised.map(|window| Detection {
                    actor_id: rejected.actor_id,
                    kind: FlagKind::CastRate,
                    detail: json!({
                        "eventType": event.event_type,
                        "eventId": event.id,
                        "skillId": rejected.skill_id,
                        "atMs": at_ms,
                        "rejectionsInWindow": window.count,
                        "windowSecs": rules.cast_window_secs,
                    }),
                    dedupe_key: window_key(FlagKind::CastRate, rejected.actor_id, &window),
                }))
            }
            "inventory.items_granted" => {
                let granted: ItemsGranted = serde_json::from_value(payload())?;
                if detection::known_item_source(granted.source.as_deref(), rules) {
                    return Ok(None);
                }
                Ok(Some(Detection {
                    actor_id: granted.actor_id,
                    kind: FlagKind::ItemWithoutSource,
                    detail: json!({
                        "eventType": event.event_type,
                        "eventId": event.id,
                        "source": granted.source,
                        "items": granted.items,
                    }),
                    dedupe_key: format!("ITEM_WITHOUT_SOURCE:{}", event.id),
                }))
            }
            _ => Ok(None),
        }
    }

    /// The player behind `actor_id`: the envelope's user, else the actor's owner.
    async fn player_of(&self, event: &EventEnvelope, actor_id: Uuid) -> Option<Uuid> {
        if let Some(user_id) = event.user_id {
            return Some(user_id);
        }
        match self.actors.find(actor_id).await {
            Ok(actor) => actor.map(|actor| actor.user_id),
            Err(err) => {
                tracing::warn!(%actor_id, cause = %err, "actor owner lookup failed");
                None
            }
        }
    }
}

fn skill_key(skill_id: &serde_json::Value) -> String {
    match skill_id {
        serde_json::Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

fn window_key(kind: FlagKind, actor_id: Uuid, window: &Window) -> String {
    format!("{}:{actor_id}:{}", kind.code(), window.start_ms)
}

/// Adds suspicion to the actor's window of `kind`; `Some(window)` when it must raise
/// its flag now.
async fn observe(
    txn: &DatabaseTransaction,
    actor_id: Uuid,
    kind: FlagKind,
    at_ms: i64,
    weight: i32,
    threshold: i32,
    length_ms: i64,
) -> Result<Option<Window>, DbErr> {
    let stored = window::Entity::find_by_id((actor_id, kind.code().to_string()))
        .one(txn)
        .await?;
    let current = stored.as_ref().map(|row| Window {
        start_ms: row.window_start_ms,
        count: row.count,
        flagged: row.flagged,
    });
    let (next, raise) = Window::observe(current, at_ms, weight, threshold, length_ms);
    let row = window::ActiveModel {
        actor_id: Set(actor_id),
        kind: Set(kind.code().to_string()),
        window_start_ms: Set(next.start_ms),
        count: Set(next.count),
        flagged: Set(next.flagged),
    };
    if stored.is_some() {
        row.update(txn).await?;
    } else {
        row.insert(txn).await?;
    }
    Ok(raise.then_some(next))
}

/// Records `cast` as the actor's latest of the skill (unless a later one is known);
/// returns the previous one.
async fn remember_cast(
    txn: &DatabaseTransaction,
    cast: &SkillCast,
    skill: &str,
) -> Result<Option<cast_state::Model>, DbErr> {
    let previous = cast_state::Entity::find_by_id((cast.actor_id, skill.to_string()))
        .one(txn)
        .await?;
    let row = cast_state::ActiveModel {
        actor_id: Set(cast.actor_id),
        skill_id: Set(skill.to_string()),
        last_cast_at_ms: Set(cast.cast_at_ms),
        cooldown_ms: Set(cast.cooldown_ms),
    };
    match &previous {
        Some(previous) if previous.last_cast_at_ms > cast.cast_at_ms => {}
        Some(_) => {
            row.update(txn).await?;
        }
        None => {
            row.insert(txn).await?;
        }
    }
    Ok(previous)
}
