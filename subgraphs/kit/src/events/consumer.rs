//! Idempotent consumption: a handler's writes and the record that the event was
//! processed commit together, so an event delivered twice is applied once.
//!
//! - [`handle_once`]: one event, one transaction.
//! - [`start`]: a consumer-group member that feeds every event of a topic to an
//!   [`EventHandler`] through [`handle_once`], retrying failures and acknowledging an
//!   event only once it is applied (or known to be a duplicate).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, DatabaseTransaction, Set, SqlErr};
use tokio_util::sync::CancellationToken;

use super::{EventBus, EventEnvelope};
use crate::background::BackgroundTask;
use tracing::Instrument;

/// First pause after a failed round; doubled up to [`MAX_RETRY_PAUSE`].
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Longest pause between retries.
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The `processed_events` table.
pub mod entity {
    use sea_orm::entity::prelude::*;

    /// An event a consumer group has handled.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "processed_events")]
    pub struct Model {
        /// The consumer group.
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer_group: String,
        /// The event id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        /// When it was handled.
        pub processed_at: DateTimeUtc,
    }

    /// Relations of [`Model`].
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whether a delivery changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<T = ()> {
    /// First delivery: the handler ran, its writes are committed, and this is what it
    /// returned.
    Applied(T),
    /// Seen before by this group: nothing ran.
    Duplicate,
}

/// Runs `handler` for `event` in one transaction with the processed-event record; a
/// duplicate (sequential or concurrent) is detected by the record's primary key.
pub async fn handle_once<F, Fut, T>(
    db: &DatabaseConnection,
    group: &str,
    event: &EventEnvelope,
    handler: F,
) -> Result<Outcome<T>, DbErr>
where
    F: FnOnce(DatabaseTransaction) -> Fut,
    Fut: Future<Output = Result<(DatabaseTransaction, T), DbErr>>,
{
    let txn = crate::db::begin_write(db).await?;
    if entity::Entity::find_by_id((group.to_string(), event.id))
        .one(&txn)
        .await?
        .is_some()
    {
        txn.rollback().await?;
        return Ok(Outcome::Duplicate);
    }
    let inserted = entity::ActiveModel {
        consumer_group: Set(group.to_string()),
        event_id: Set(event.id),
        processed_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            return Ok(Outcome::Duplicate);
        }
        Err(err) => return Err(err),
    }
    let (txn, value) = handler(txn).await?;
    txn.commit().await?;
    Ok(Outcome::Applied(value))
}

/// What a consumer group does with each event of its topic.
pub trait EventHandler: Send + Sync + 'static {
    /// Handed to [`EventHandler::committed`] once the writes of `apply` are committed.
    type Committed: Send + 'static;

    /// Applies `event` inside `txn`, the transaction that also records the event as
    /// processed; events this handler does not care about are returned untouched.
    fn apply<'a>(
        &'a self,
        event: &'a EventEnvelope,
        txn: DatabaseTransaction,
    ) -> BoxFuture<'a, Result<(DatabaseTransaction, Self::Committed), DbErr>>;

    /// Runs after the writes committed, e.g. live fan-out; it cannot undo them.
    fn committed(&self, value: Self::Committed) -> BoxFuture<'_, ()>;
}

/// Consumes `topic` as a member of `group` until stopped: each event is applied once
/// through [`handle_once`], then acknowledged. A failing event is retried (with backoff)
/// before the next one is taken, so the group's order and at-least-once delivery hold.
pub fn start<H: EventHandler>(
    bus: Arc<dyn EventBus>,
    db: DatabaseConnection,
    topic: impl Into<String>,
    group: impl Into<String>,
    handler: Arc<H>,
) -> BackgroundTask {
    let (topic, group): (String, String) = (topic.into(), group.into());
    BackgroundTask::spawn("event consumer", move |stop| async move {
        let (topic, group) = (topic.as_str(), group.as_str());
        let mut pause = FIRST_RETRY_PAUSE;
        while !stop.is_cancelled() {
            let mut deliveries = match bus.consume(topic, group).await {
                Ok(deliveries) => deliveries,
                Err(err) => {
                    tracing::warn!(%topic, %group, cause = %err, "cannot join consumer group");
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
                        tracing::warn!(%topic, %group, cause = %err, "event delivery failed");
                        pause = wait(&stop, pause).await;
                        continue;
                    }
                    // The stream ended (broker session lost): join the group again.
                    None => break,
                };
                let event = &delivery.event;
                let span = crate::trace::consumer_span(group, topic, event);
                let outcome = loop {
                    // Events the handler writes continue the trace of the one it handles.
                    let handled = crate::trace::scope(
                        event.traceparent.clone(),
                        handle_once(&db, group, event, |txn| handler.apply(event, txn)),
                    )
                    .instrument(span.clone());
                    match handled.await {
                        Ok(outcome) => break outcome,
                        Err(err) => {
                            span.record("otel.status_code", "ERROR");
                            tracing::warn!(
                                %topic, %group, event_id = %event.id, event_type = event.event_type,
                                cause = %err, "event handling failed, retrying"
                            );
                            pause = wait(&stop, pause).await;
                            if stop.is_cancelled() {
                                return;
                            }
                        }
                    }
                };
                pause = FIRST_RETRY_PAUSE;
                if let Outcome::Applied(value) = outcome {
                    handler.committed(value).instrument(span.clone()).await;
                }
                drop(span);
                if let Err(err) = delivery.ack().await {
                    // Redelivered later and recognised as a duplicate.
                    tracing::warn!(%topic, %group, cause = %err, "event acknowledgement failed");
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
