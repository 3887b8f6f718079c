//! Domain events between services: at-least-once delivery, handled once.
//!
//! - [`EventEnvelope`]: what travels (id, type, time, user, trace context, schema
//!   version, JSON payload), keyed by aggregate id so one entity's events stay in order.
//! - [`EventBus`]: publish to a topic; consume a topic as a member of a consumer group,
//!   acknowledging each event once handled. [`InProcessBus`] (the embedded default) and
//!   [`KafkaBus`] (rdkafka) implement it.
//! - [`outbox`]: the transactional outbox: [`outbox::enqueue`] writes the event in the
//!   same DB transaction as the state change; [`outbox::relay_pending`] publishes what
//!   is committed, so no event is lost and none is published for a rolled-back change;
//!   [`outbox::start_relay`] runs it in the background.
//! - [`topics`]: the topic names services publish and consume.
//! - [`consumer`]: [`consumer::handle_once`] runs a handler and records the event id in
//!   the same transaction, so redelivered events change nothing.

pub mod consumer;
mod envelope;
mod in_process;
mod kafka;
pub mod outbox;
pub mod topics;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use tracing::Instrument;

pub use envelope::EventEnvelope;
pub use in_process::InProcessBus;
pub use kafka::KafkaBus;

/// Why the bus failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The broker refused or is unreachable.
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    /// An event could not be encoded or decoded.
    #[error("event encoding: {0}")]
    Encoding(#[from] serde_json::Error),
}

/// The bus chosen by configuration: Kafka when bootstrap servers are given, else
/// in-process.
pub fn bus_from_config(
    settings: &crate::settings::EventSettings,
) -> Result<std::sync::Arc<dyn EventBus>, BusError> {
    Ok(match &settings.kafka_bootstrap {
        Some(bootstrap) => {
            std::sync::Arc::new(KafkaBus::connect(bootstrap)?.with_namespace(&settings.namespace))
        }
        None => std::sync::Arc::new(InProcessBus::default()),
    })
}

/// One event handed to a consumer; [`Delivery::ack`] commits its position in the group.
pub struct Delivery {
    /// The event.
    pub event: EventEnvelope,
    ack: Box<dyn FnOnce() -> BoxFuture<'static, Result<(), BusError>> + Send>,
}

impl Delivery {
    /// A delivery acknowledged by `ack`.
    pub fn new(
        event: EventEnvelope,
        ack: impl FnOnce() -> BoxFuture<'static, Result<(), BusError>> + Send + 'static,
    ) -> Self {
        Self {
            event,
            ack: Box::new(ack),
        }
    }

    /// Marks the event handled for this consumer group. Unacknowledged events are
    /// delivered again to the group (after a restart or rebalance).
    pub async fn ack(self) -> Result<(), BusError> {
        (self.ack)().await
    }
}

/// Topics with consumer groups.
pub trait EventBus: Send + Sync {
    /// Appends `event` to `topic`, keyed by its aggregate id.
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, Result<(), BusError>>;

    /// Consumes `topic` as a member of `group`, from the group's committed position.
    fn consume<'a>(
        &'a self,
        topic: &'a str,
        group: &'a str,
    ) -> BoxFuture<'a, Result<BoxStream<'static, Result<Delivery, BusError>>, BusError>>;
}

/// Relays `event` (from an outbox) to `topic` in a publish span that continues the trace
/// of the action that wrote it; consumers continue the publish span. With trace export
/// off the event keeps the context it was written with.
pub async fn publish_traced(
    bus: &dyn EventBus,
    topic: &str,
    mut event: EventEnvelope,
) -> Result<(), BusError> {
    let span = crate::trace::producer_span(topic, &event);
    async {
        if let Some(traceparent) = crate::trace::current() {
            event.traceparent = Some(traceparent);
        }
        bus.publish(topic, &event).await
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests;
