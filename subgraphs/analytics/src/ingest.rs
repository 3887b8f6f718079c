//! Ingestion: every event of every topic stored once as a raw document.
//!
//! A raw event's document id is the envelope's event id and it is written with an
//! insert, so a redelivery (at-least-once bus, relay retries) conflicts and is skipped:
//! no processed-events table is needed. Each topic is consumed by its own member of
//! the `analytics` consumer group, retrying a failing store before taking the next
//! event and acknowledging only stored (or known) events.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subgraph_kit::background::BackgroundTask;
use subgraph_kit::documents::{DocumentError, DocumentStore, Write};
use subgraph_kit::events::{topics, EventBus, EventEnvelope};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

/// The collection of raw events.
pub const RAW_EVENTS: &str = "raw_events";

/// Consumer group of the analytics service.
pub const CONSUMER_GROUP: &str = "analytics";

/// Every topic of the event stream.
pub const ALL_TOPICS: [&str; 11] = [
    topics::ACTOR,
    topics::GUILD,
    topics::CHAT,
    topics::CONTENT,
    topics::INVENTORY,
    topics::PAYMENT,
    topics::COMBAT,
    topics::WORLD,
    topics::MATCHMAKING,
    topics::LIVE_EVENTS,
    topics::ANTICHEAT,
];

/// First pause after a failed store; doubled up to [`MAX_RETRY_PAUSE`].
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Longest pause between retries.
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// A stored event. `day` and `month` (UTC) are what aggregations select on, as the
/// store filters by equality only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawEvent {
    /// The topic it came from.
    pub topic: String,
    /// What happened, e.g. `chaos.skill_cast`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The player who caused it, if any.
    pub user_id: Option<Uuid>,
    /// The entity it happened to.
    pub aggregate_id: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The same, in milliseconds (sorting and range checks).
    pub occurred_at_ms: i64,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The event's data.
    pub payload: Value,
}

impl RawEvent {
    /// The raw form of `event`, received on `topic`.
    pub fn from_envelope(topic: &str, event: &EventEnvelope) -> Self {
        RawEvent {
            topic: topic.to_string(),
            event_type: event.event_type.clone(),
            user_id: event.user_id,
            aggregate_id: event.aggregate_id.clone(),
            occurred_at: event.occurred_at,
            occurred_at_ms: event.occurred_at.timestamp_millis(),
            day: day_of(event.occurred_at),
            month: month_of(event.occurred_at),
            payload: event.payload.clone(),
        }
    }
}

/// The `day` key of `at`.
pub fn day_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// The `month` key of `at`.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// Stores `event` from `topic` unless it is stored already; returns whether it was new.
pub async fn store(
    documents: &dyn DocumentStore,
    topic: &str,
    event: &EventEnvelope,
) -> Result<bool, DocumentError> {
    let body = serde_json::to_value(RawEvent::from_envelope(topic, event))
        .map_err(|err| DocumentError::Invalid(err.to_string()))?;
    match documents
        .commit(vec![Write::insert(RAW_EVENTS, event.id.to_string(), body)])
        .await
    {
        Ok(()) => Ok(true),
        Err(DocumentError::Conflict { .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Starts one consumer per topic of [`ALL_TOPICS`].
pub fn start_all(bus: Arc<dyn EventBus>, documents: Arc<dyn DocumentStore>) -> Vec<BackgroundTask> {
    ALL_TOPICS
        .into_iter()
        .map(|topic| start(bus.clone(), documents.clone(), topic))
        .collect()
}

/// Consumes `topic` as a member of [`CONSUMER_GROUP`] until stopped, storing each event.
pub fn start(
    bus: Arc<dyn EventBus>,
    documents: Arc<dyn DocumentStore>,
    topic: &'static str,
) -> BackgroundTask {
    BackgroundTask::spawn("analytics ingestion", move |stop| async move {
        let mut pause = FIRST_RETRY_PAUSE;
        while !stop.is_cancelled() {
            let mut deliveries = match bus.consume(topic, CONSUMER_GROUP).await {
                Ok(deliveries) => deliveries,
                Err(err) => {
                    tracing::warn!(%topic, cause = %err, "cannot join consumer group");
                    pause = wait(&stop, pause).await;
                    continue;
                }
            };
            loop {
                let next = tokio::select! {
                    () = stop.cancelled() => return,
                    next = deliveries.next() => next,
                };
                let delivery = match next {
                    Some(Ok(delivery)) => delivery,
                    Some(Err(err)) => {
                        tracing::warn!(%topic, cause = %err, "event delivery failed");
                        pause = wait(&stop, pause).await;
                        continue;
                    }
                    None => break,
                };
                let span =
                    subgraph_kit::trace::consumer_span(CONSUMER_GROUP, topic, &delivery.event);
                loop {
                    let stored = store(documents.as_ref(), topic, &delivery.event)
                        .instrument(span.clone())
                        .await;
                    match stored {
                        Ok(_) => break,
                        Err(err) => {
                            span.record("otel.status_code", "ERROR");
                            tracing::warn!(%topic, event_id = %delivery.event.id, cause = %err, "raw event not stored, retrying");
                            pause = wait(&stop, pause).await;
                            if stop.is_cancelled() {
                                return;
                            }
                        }
                    }
                }
                drop(span);
                pause = FIRST_RETRY_PAUSE;
                if let Err(err) = delivery.ack().await {
                    tracing::warn!(%topic, cause = %err, "event acknowledgement failed");
                }
            }
        }
    })
}

/// Sleeps `pause` (or until stopped); returns the next, longer pause.
async fn wait(stop: &CancellationToken, pause: Duration) -> Duration {
    tokio::select! {
        () = stop.cancelled() => {}
        () = tokio::time::sleep(pause) => {}
    }
    (pause * 2).min(MAX_RETRY_PAUSE)
}
