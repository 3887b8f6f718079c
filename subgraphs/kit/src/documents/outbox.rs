//! The transactional outbox of a document store: a command adds [`enqueue`]'s write to
//! the batch that changes its documents, so the event exists exactly when the change
//! does; [`relay_pending`] (run in a loop by [`start_relay`]) publishes committed
//! events in order and then removes them. A crash (or a second replica relaying) between
//! publish and removal publishes an event again: delivery is at-least-once, and
//! consumers deduplicate by event id, as with [`crate::events::outbox`].

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::Notify;

use super::{DocumentError, DocumentStore, Query, Write};
use crate::background::BackgroundTask;
use crate::events::{BusError, EventBus, EventEnvelope};

/// The collection holding unpublished events.
pub const COLLECTION: &str = "outbox";

/// Why the relay stopped a round.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The outbox could not be read or updated.
    #[error(transparent)]
    Store(#[from] DocumentError),
    /// The bus refused an event.
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// The write that puts `event` for `topic` in the outbox; commit it with the change.
pub fn enqueue(topic: &str, event: &EventEnvelope) -> Result<Write, BusError> {
    Ok(Write::insert(
        COLLECTION,
        event.id.to_string(),
        json!({
            "topic": topic,
            "key": event.aggregate_id,
            "createdAt": event.occurred_at.timestamp_micros(),
            "envelope": serde_json::to_value(event)?,
        }),
    ))
}

/// Publishes up to `batch` committed events in order; returns how many. Stops at the
/// first failure so order is kept (the rest waits for the next round).
pub async fn relay_pending(
    store: &dyn DocumentStore,
    bus: &dyn EventBus,
    batch: u64,
) -> Result<usize, RelayError> {
    let pending = store
        .find(
            COLLECTION,
            &Query::all().ascending("createdAt").limit(batch),
        )
        .await?;
    let mut published = 0;
    for entry in pending {
        let topic = entry.body["topic"].as_str().unwrap_or_default().to_string();
        let event: EventEnvelope =
            serde_json::from_value(entry.body["envelope"].clone()).map_err(BusError::from)?;
        crate::events::publish_traced(bus, &topic, event).await?;
        match store
            .commit(vec![Write::delete(COLLECTION, &entry.id, entry.revision)])
            .await
        {
            // Another replica relayed it at the same time; consumers deduplicate.
            Ok(()) | Err(DocumentError::Conflict { .. }) => {}
            Err(err) => return Err(err.into()),
        }
        published += 1;
    }
    Ok(published)
}

/// Wakes the relay right after a command commits events, so they leave without waiting
/// for the next poll. Cheap to clone; calling it without pending events is harmless.
#[derive(Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    /// Tells the relay that events were committed.
    pub fn committed(&self) {
        self.0.notify_one();
    }
}

/// Starts a relay publishing `store`'s outbox to `bus`: at once when signalled, else
/// every `idle` (events committed by another replica, or left over after a failure).
pub fn start_relay(
    store: Arc<dyn DocumentStore>,
    bus: Arc<dyn EventBus>,
    idle: Duration,
) -> (BackgroundTask, OutboxSignal) {
    let signal = OutboxSignal::default();
    let wake = signal.0.clone();
    let task = BackgroundTask::spawn("document outbox relay", move |stop| async move {
        loop {
            let pause = match relay_pending(store.as_ref(), bus.as_ref(), 100).await {
                Ok(0) => idle,
                Ok(_) => Duration::ZERO,
                Err(err) => {
                    tracing::warn!(cause = %err, "document outbox relay round failed");
                    idle
                }
            };
            tokio::select! {
                () = stop.cancelled() => return,
                () = wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
    });
    (task, signal)
}
