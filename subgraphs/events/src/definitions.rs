//! The live events as content publishes them: the `live_events` projection (newer
//! versions win), their phase at a given time, and their rewards.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use entities::live_events::live_event;

/// Where an event is in its life, computed from its start and end and the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[graphql(name = "LiveEventStatus")]
pub enum Phase {
    /// Not started yet.
    Upcoming,
    /// Started and not over: players join and score.
    Running,
    /// Over: rewards are claimed.
    Ended,
}

impl Phase {
    /// The phase of `event` at `now` (`startsAt` inclusive, `endsAt` exclusive).
    pub fn at(event: &live_event::Model, now: DateTime<Utc>) -> Self {
        if now < event.starts_at {
            Phase::Upcoming
        } else if now < event.ends_at {
            Phase::Running
        } else {
            Phase::Ended
        }
    }

    /// The stored code (`announced_phase`).
    pub fn code(self) -> &'static str {
        match self {
            Phase::Upcoming => "UPCOMING",
            Phase::Running => "RUNNING",
            Phase::Ended => "ENDED",
        }
    }
}

/// Items a rewarded participant receives, as content defines them (content's `itemId`
/// is the item definition id inventory grants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, SimpleObject)]
#[graphql(name = "LiveEventReward")]
#[serde(rename_all = "camelCase")]
pub struct Reward {
    /// The item definition granted.
    pub definition_id: String,
    /// How many.
    pub quantity: i32,
}

/// The rewards stored with `event`.
pub fn rewards_of(event: &live_event::Model) -> Vec<Reward> {
    serde_json::from_value(event.rewards.clone()).unwrap_or_else(|err| {
        tracing::error!(event_id = %event.id, cause = %err, "unreadable stored rewards");
        Vec::new()
    })
}

/// The `definition` of a `content.published` event of kind `EVENT` (camelCase, as in
/// content's graph).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishedDefinition {
    id: String,
    name: String,
    #[serde(default)]
    description: String,
    zone_id: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    max_score_per_submission: i32,
    #[serde(default)]
    rewards: Vec<PublishedReward>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishedReward {
    item_id: String,
    quantity: i32,
}

/// What projecting a published definition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projected {
    /// Stored as the current version.
    Stored,
    /// An equal or newer version is stored already.
    Stale,
    /// The definition was unreadable or inconsistent; nothing changed.
    Invalid,
}

/// Stores version `version` of a published event `definition` unless a version at
/// least as new is stored. A definition that re-opens an event announced as ended is
/// announced again by the ticker.
pub async fn project(
    txn: &DatabaseTransaction,
    version: i32,
    definition: serde_json::Value,
) -> Result<Projected, DbErr> {
    let definition: PublishedDefinition = match serde_json::from_value(definition) {
        Ok(definition) => definition,
        Err(err) => {
            tracing::warn!(cause = %err, "unreadable event definition skipped");
            return Ok(Projected::Invalid);
        }
    };
    if definition.ends_at <= definition.starts_at || definition.max_score_per_submission < 1 {
        tracing::warn!(event_id = %definition.id, "inconsistent event definition skipped");
        return Ok(Projected::Invalid);
    }
    let rewards: Vec<Reward> = definition
        .rewards
        .into_iter()
        .filter(|reward| reward.quantity > 0)
        .map(|reward| Reward {
            definition_id: reward.item_id,
            quantity: reward.quantity,
        })
        .collect();
    let rewards = serde_json::to_value(rewards).map_err(|err| DbErr::Custom(err.to_string()))?;
    let now = Utc::now();
    let existing = live_event::Entity::find_by_id(definition.id.clone())
        .one(txn)
        .await?;
    let is_new = existing.is_none();
    let mut row = match existing {
        Some(existing) if existing.version >= version => return Ok(Projected::Stale),
        Some(existing) => existing.into_active_model(),
        None => live_event::ActiveModel {
            id: Set(definition.id.clone()),
            announced_phase: Set(Phase::Upcoming.code().to_string()),
            ..Default::default()
        },
    };
    row.name = Set(definition.name);
    row.description = Set(definition.description);
    row.zone_id = Set(definition.zone_id);
    row.starts_at = Set(definition.starts_at);
    row.ends_at = Set(definition.ends_at);
    row.max_score_per_submission = Set(definition.max_score_per_submission);
    row.rewards = Set(rewards);
    row.version = Set(version);
    row.updated_at = Set(now);
    let reopened = definition.ends_at > now
        && matches!(&row.announced_phase, sea_orm::ActiveValue::Unchanged(phase) if phase == Phase::Ended.code());
    if reopened {
        row.announced_phase = Set(Phase::Upcoming.code().to_string());
    }
    if is_new {
        row.insert(txn).await?;
    } else {
        row.update(txn).await?;
    }
    Ok(Projected::Stored)
}

/// The event `id`, if content published it.
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<live_event::Model>, DbErr> {
    live_event::Entity::find_by_id(id.to_string()).one(db).await
}

/// Every event, earliest start first, optionally only those in `phase` at `now`.
///
/// The list is read whole and filtered here: a game runs a handful of live events at a
/// time, so this stays small; a large history would want a stored phase column.
pub async fn list(
    db: &impl ConnectionTrait,
    phase: Option<Phase>,
    now: DateTime<Utc>,
) -> Result<Vec<live_event::Model>, DbErr> {
    let events = live_event::Entity::find()
        .order_by_asc(live_event::Column::StartsAt)
        .order_by_asc(live_event::Column::Id)
        .all(db)
        .await?;
    Ok(events
        .into_iter()
        .filter(|event| phase.is_none_or(|phase| Phase::at(event, now) == phase))
        .collect())
}
