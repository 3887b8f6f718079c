//! The production bus: Kafka through rdkafka. Producers are idempotent (`acks=all`) and
//! key records by aggregate id, so one entity's events keep their order; consumers join
//! a consumer group, start from the earliest retained offset when the group is new, and
//! commit an event's offset only when it is acknowledged.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use super::{BusError, Delivery, EventBus, EventEnvelope};

/// How long a publish may wait for the broker.
/// Kafka header carrying the event's W3C trace context (the envelope's `traceparent`).
const TRACEPARENT_HEADER: &str = "traceparent";

const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Partitions of topics this bus creates.
const PARTITIONS: i32 = 3;

/// A Kafka-backed event bus.
pub struct KafkaBus {
    bootstrap: String,
    namespace: String,
    producer: FutureProducer,
    admin: AdminClient<DefaultClientContext>,
}

impl KafkaBus {
    /// Connects producers and the admin client to `bootstrap` (`host:port,…`).
    pub fn connect(bootstrap: &str) -> Result<Self, BusError> {
        let producer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "10000")
            .create()?;
        let admin = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .create()?;
        Ok(Self {
            bootstrap: bootstrap.to_string(),
            namespace: String::new(),
            producer,
            admin,
        })
    }

    /// The same bus with every topic and consumer-group name prefixed by `namespace`.
    pub fn with_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.to_string();
        self
    }

    fn name(&self, name: &str) -> String {
        format!("{}{name}", self.namespace)
    }

    /// Creates `topic` unless it exists.
    pub async fn ensure_topic(&self, topic: &str) -> Result<(), BusError> {
        let new = NewTopic::new(topic, PARTITIONS, TopicReplication::Fixed(1));
        let results = self
            .admin
            .create_topics([&new], &AdminOptions::new())
            .await?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => {
                    tracing::warn!(topic = name, ?code, "topic creation failed");
                    return Err(rdkafka::error::KafkaError::AdminOp(code).into());
                }
            }
        }
        Ok(())
    }
}

impl EventBus for KafkaBus {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        Box::pin(async move {
            let payload = serde_json::to_vec(event)?;
            let topic = self.name(topic);
            let mut record = FutureRecord::to(&topic)
                .key(&event.aggregate_id)
                .payload(&payload);
            // Also as a header, for tools and consumers that do not read the envelope.
            if let Some(traceparent) = &event.traceparent {
                record = record.headers(OwnedHeaders::new().insert(Header {
                    key: TRACEPARENT_HEADER,
                    value: Some(traceparent.as_str()),
                }));
            }
            self.producer
                .send(record, SEND_TIMEOUT)
                .await
                .map_err(|(err, _)| err)?;
            Ok(())
        })
    }

    fn consume<'a>(
        &'a self,
        topic: &'a str,
        group: &'a str,
    ) -> BoxFuture<'a, Result<BoxStream<'static, Result<Delivery, BusError>>, BusError>> {
        Box::pin(async move {
            let topic = self.name(topic);
            self.ensure_topic(&topic).await?;
            let consumer: StreamConsumer = ClientConfig::new()
                .set("bootstrap.servers", &self.bootstrap)
                .set("group.id", self.name(group))
                .set("enable.auto.commit", "false")
                .set("auto.offset.reset", "earliest")
                .set("session.timeout.ms", "10000")
                .create()?;
            consumer.subscribe(&[&topic])?;
            let consumer = Arc::new(DetachedClose(Some(consumer)));
            let stream = futures_util::stream::unfold(consumer, |consumer| async move {
                let next = match consumer.recv().await {
                    Err(err) => Err(BusError::from(err)),
                    Ok(message) => {
                        let position = (
                            message.topic().to_string(),
                            message.partition(),
                            message.offset(),
                        );
                        match serde_json::from_slice::<EventEnvelope>(
                            message.payload().unwrap_or_default(),
                        ) {
                            Err(err) => Err(BusError::from(err)),
                            Ok(mut event) => {
                                if event.traceparent.is_none() {
                                    event.traceparent = header_traceparent(&message);
                                }
                                let committer = consumer.clone();
                                Ok(Delivery::new(event, move || {
                                    Box::pin(async move {
                                        let (topic, partition, offset) = position;
                                        let mut commit = TopicPartitionList::new();
                                        commit.add_partition_offset(
                                            &topic,
                                            partition,
                                            Offset::Offset(offset + 1),
                                        )?;
                                        // Async: librdkafka sends the commit from its
                                        // own threads. A synchronous commit blocks the
                                        // calling thread until the coordinator answers
                                        // (through a rebalance, indefinitely), which
                                        // stalls every task on that runtime thread. A
                                        // commit lost to a crash only means a redelivery,
                                        // which consumers apply once (see consumer.rs).
                                        committer.commit(&commit, CommitMode::Async)?;
                                        Ok(())
                                    })
                                }))
                            }
                        }
                    }
                };
                Some((next, consumer))
            });
            Ok(stream.boxed())
        })
    }
}

/// A consumer that leaves its group on a thread of its own when dropped. rdkafka closes a
/// group consumer in `Drop`, polling until the coordinator answers; on an async worker
/// thread that stalls every task scheduled there, for as long as the coordinator is slow
/// (a service stopping, or a test ending, while the broker rebalances). The group
/// notices a consumer that never says goodbye after `session.timeout.ms` anyway.
/// The `traceparent` header of `message`, if present and well formed.
fn header_traceparent(message: &BorrowedMessage<'_>) -> Option<String> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|header| header.key == TRACEPARENT_HEADER)
        .and_then(|header| std::str::from_utf8(header.value?).ok())
        .and_then(crate::trace::parse)
}

struct DetachedClose(Option<StreamConsumer>);

impl std::ops::Deref for DetachedClose {
    type Target = StreamConsumer;

    fn deref(&self) -> &StreamConsumer {
        self.0.as_ref().expect("present until dropped")
    }
}

impl Drop for DetachedClose {
    fn drop(&mut self) {
        let Some(consumer) = self.0.take() else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("kafka-consumer-close".into())
            .spawn(move || drop(consumer));
        if let Err(err) = spawned {
            // The closure, consumer included, was dropped here: closed in place.
            tracing::warn!(cause = %err, "kafka consumer closed on the calling thread");
        }
    }
}
