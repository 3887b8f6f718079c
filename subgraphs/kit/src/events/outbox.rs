//! The transactional outbox. A command writes its events with [`enqueue`] inside its own
//! DB transaction; [`relay_pending`] (run in a loop by [`start_relay`]) publishes
//! committed events in order and marks them published. A crash between publish and
//! mark means the event is published again: delivery is at-least-once, and consumers
//! deduplicate by event id ([`super::consumer::handle_once`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryOrder, QuerySelect, Set};
use tokio::sync::Notify;

use crate::background::BackgroundTask;

use super::{BusError, EventBus, EventEnvelope};

/// The `outbox_events` table.
pub mod entity {
    use sea_orm::entity::prelude::*;

    /// An event waiting to be (or already) published.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_events")]
    pub struct Model {
        /// The event id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Destination topic.
        pub topic: String,
        /// Partition key (aggregate id).
        pub key: String,
        /// The whole envelope as JSON.
        pub envelope: Json,
        /// When it was enqueued (publishing order).
        pub created_at: DateTimeUtc,
        /// When the relay published it.
        pub published_at: Option<DateTimeUtc>,
    }

    /// Relations of [`Model`].
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Why the relay stopped a round.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The outbox could not be read or updated.
    #[error("outbox database: {0}")]
    Database(#[from] DbErr),
    /// The bus refused an event.
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// Writes `event` for `topic` in the caller's transaction.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    topic: &str,
    event: &EventEnvelope,
) -> Result<(), DbErr> {
    let envelope = serde_json::to_value(event).map_err(|err| DbErr::Custom(err.to_string()))?;
    entity::ActiveModel {
        id: Set(event.id),
        topic: Set(topic.to_string()),
        key: Set(event.aggregate_id.clone()),
        envelope: Set(envelope),
        created_at: Set(event.occurred_at),
        published_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Publishes up to `batch` committed, unpublished events in order; returns how many.
/// Stops at the first failure so order is kept (the rest waits for the next round).
pub async fn relay_pending(
    db: &DatabaseConnection,
    bus: &dyn EventBus,
    batch: u64,
) -> Result<usize, RelayError> {
    let pending = entity::Entity::find()
        .filter(entity::Column::PublishedAt.is_null())
        .order_by_asc(entity::Column::CreatedAt)
        .order_by_asc(entity::Column::Id)
        .limit(batch)
        .all(db)
        .await?;
    let mut published = 0;
    for row in pending {
        let event: EventEnvelope =
            serde_json::from_value(row.envelope.clone()).map_err(BusError::from)?;
        crate::events::publish_traced(bus, &row.topic, event).await?;
        entity::Entity::update_many()
            .col_expr(entity::Column::PublishedAt, Expr::value(Some(Utc::now())))
            .filter(entity::Column::Id.eq(row.id))
            .exec(db)
            .await?;
        published += 1;
    }
    Ok(published)
}

/// Wakes the relay right after a command commits events, so they leave without
/// waiting for the next poll. Cheap to clone; calling it without pending events is harmless.
#[derive(Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    /// Tells the relay that events were committed.
    pub fn committed(&self) {
        self.0.notify_one();
    }
}

/// Starts a relay publishing `db`'s outbox to `bus`: at once when signalled, else every
/// `idle` (events committed by another replica, or left over after a failure).
pub fn start_relay(
    db: DatabaseConnection,
    bus: Arc<dyn EventBus>,
    idle: Duration,
) -> (BackgroundTask, OutboxSignal) {
    let signal = OutboxSignal::default();
    let wake = signal.0.clone();
    let task = BackgroundTask::spawn("outbox relay", move |stop| async move {
        loop {
            let pause = match relay_pending(&db, bus.as_ref(), 100).await {
                Ok(0) => idle,
                Ok(_) => Duration::ZERO,
                Err(err) => {
                    tracing::warn!(cause = %err, "outbox relay round failed");
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
