//! The bus contract, run on the in-process bus and (when `CHAOS_TEST_KAFKA_BOOTSTRAP`
//! names a broker, as in the test command) on Kafka; the outbox and idempotent
//! consumption on a real database.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{BoxStream, StreamExt};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::consumer::{handle_once, EventHandler, Outcome};
use super::*;

/// Group joins on a Kafka-compatible broker take seconds.
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);

async fn next(stream: &mut BoxStream<'static, Result<Delivery, BusError>>) -> Delivery {
    tokio::time::timeout(RECEIVE_TIMEOUT, stream.next())
        .await
        .expect("an event arrives in time")
        .expect("the stream is open")
        .expect("the event decodes")
}

fn event(n: u32) -> EventEnvelope {
    EventEnvelope::new("test.counted", "aggregate-1", json!({ "n": n }))
}

async fn bus_contract(bus: &dyn EventBus) {
    let topic = format!("contract-{}", Uuid::new_v4().simple());
    let events = [event(1), event(2), event(3)];
    let mut first_member = bus.consume(&topic, "group-a").await.expect("consumes");
    for e in &events {
        bus.publish(&topic, e).await.expect("publishes");
    }
    // In order, per aggregate.
    for expected in &events[..2] {
        let delivery = next(&mut first_member).await;
        assert_eq!(&delivery.event, expected);
        delivery.ack().await.expect("acks");
    }
    let unacknowledged = next(&mut first_member).await;
    assert_eq!(unacknowledged.event, events[2]);
    drop(unacknowledged);
    drop(first_member);

    // The group resumes at its committed position: the unacknowledged event again.
    let mut second_member = bus.consume(&topic, "group-a").await.expect("consumes");
    let redelivered = next(&mut second_member).await;
    assert_eq!(redelivered.event, events[2]);
    redelivered.ack().await.expect("acks");

    // Another group reads the topic independently, from the start.
    let mut other_group = bus.consume(&topic, "group-b").await.expect("consumes");
    assert_eq!(next(&mut other_group).await.event, events[0]);
}

#[tokio::test]
async fn in_process_bus_keeps_order_positions_and_groups() {
    bus_contract(&InProcessBus::default()).await;
}

#[tokio::test]
async fn kafka_bus_keeps_order_positions_and_groups() {
    let Ok(bootstrap) = std::env::var("CHAOS_TEST_KAFKA_BOOTSTRAP") else {
        eprintln!(
            "CHAOS_TEST_KAFKA_BOOTSTRAP not set: the Kafka pass of the test command runs this"
        );
        return;
    };
    bus_contract(&KafkaBus::connect(&bootstrap).expect("connects")).await;
}

async fn events_db() -> DatabaseConnection {
    let database = crate::testing::TestDatabase::create("events").await;
    crate::db::connect_and_migrate::<migrations::events::Migrator>(&database.settings)
        .await
        .expect("migrates")
}

#[tokio::test]
async fn the_outbox_publishes_committed_events_once_and_never_rolled_back_ones() {
    let db = events_db().await;
    let bus = InProcessBus::default();
    let mut consumer = bus.consume("actors", "test").await.expect("consumes");

    let rolled_back = event(1);
    let txn = db.begin().await.expect("begins");
    outbox::enqueue(&txn, "actors", &rolled_back)
        .await
        .expect("enqueues");
    txn.rollback().await.expect("rolls back");
    assert_eq!(
        outbox::relay_pending(&db, &bus, 10).await.expect("relays"),
        0
    );

    let committed = event(2);
    let txn = db.begin().await.expect("begins");
    outbox::enqueue(&txn, "actors", &committed)
        .await
        .expect("enqueues");
    txn.commit().await.expect("commits");
    assert_eq!(
        outbox::relay_pending(&db, &bus, 10).await.expect("relays"),
        1
    );
    assert_eq!(
        outbox::relay_pending(&db, &bus, 10).await.expect("relays"),
        0,
        "published rows are marked"
    );
    assert_eq!(next(&mut consumer).await.event, committed);
}

#[tokio::test]
async fn a_redelivered_event_is_handled_once() {
    let db = Arc::new(events_db().await);
    let delivered = event(7);
    let apply = |db: Arc<DatabaseConnection>| {
        let delivered = delivered.clone();
        async move {
            handle_once(&db, "counter", &delivered, |txn| async move {
                // The handler's own write: one outbox row per application.
                outbox::enqueue(&txn, "derived", &event(100)).await?;
                Ok((txn, ()))
            })
            .await
            .expect("handles")
        }
    };
    assert_eq!(apply(db.clone()).await, Outcome::Applied(()));
    assert_eq!(apply(db.clone()).await, Outcome::Duplicate);
    // Concurrent redeliveries: still applied once in all.
    let concurrent = futures_util::future::join_all((0..5).map(|_| apply(db.clone()))).await;
    assert!(concurrent
        .iter()
        .all(|outcome| *outcome == Outcome::Duplicate));
    let writes = outbox::entity::Entity::find()
        .count(db.as_ref())
        .await
        .expect("counts");
    assert_eq!(writes, 1);
}

/// Writes one outbox row per applied event and reports each commit.
struct Recorder {
    committed: tokio::sync::mpsc::UnboundedSender<Uuid>,
}

impl EventHandler for Recorder {
    type Committed = Uuid;

    fn apply<'a>(
        &'a self,
        delivered: &'a EventEnvelope,
        txn: sea_orm::DatabaseTransaction,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<(sea_orm::DatabaseTransaction, Uuid), sea_orm::DbErr>,
    > {
        Box::pin(async move {
            outbox::enqueue(&txn, "derived", &event(100)).await?;
            Ok((txn, delivered.id))
        })
    }

    fn committed(&self, value: Uuid) -> futures_util::future::BoxFuture<'_, ()> {
        let _ = self.committed.send(value);
        Box::pin(async {})
    }
}

async fn consumer_contract(bus: Arc<dyn EventBus>) {
    let db = events_db().await;
    let topic = format!("consumer-{}", Uuid::new_v4().simple());
    let (sender, mut committed) = tokio::sync::mpsc::unbounded_channel();
    let consumer = consumer::start(
        bus.clone(),
        db.clone(),
        topic.clone(),
        "recorder",
        Arc::new(Recorder { committed: sender }),
    );
    let (first, second) = (event(1), event(2));
    // A redelivery of `first` (as after a relay crash) is applied once.
    for e in [&first, &first, &second] {
        bus.publish(&topic, e).await.expect("publishes");
    }
    for expected in [first.id, second.id] {
        let applied = tokio::time::timeout(RECEIVE_TIMEOUT, committed.recv())
            .await
            .expect("applied in time")
            .expect("the consumer runs");
        assert_eq!(applied, expected);
    }
    consumer.stop().await;
    assert!(
        committed.try_recv().is_err(),
        "the duplicate was not applied"
    );
    let writes = outbox::entity::Entity::find()
        .count(&db)
        .await
        .expect("counts");
    assert_eq!(writes, 2);
}

#[tokio::test]
async fn a_consumer_applies_each_event_once_in_order() {
    consumer_contract(Arc::new(InProcessBus::default())).await;
}

#[tokio::test]
async fn a_kafka_consumer_applies_each_event_once_in_order() {
    let Ok(bootstrap) = std::env::var("CHAOS_TEST_KAFKA_BOOTSTRAP") else {
        eprintln!(
            "CHAOS_TEST_KAFKA_BOOTSTRAP not set: the Kafka pass of the test command runs this"
        );
        return;
    };
    consumer_contract(Arc::new(KafkaBus::connect(&bootstrap).expect("connects"))).await;
}
