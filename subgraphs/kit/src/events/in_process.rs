//! The embedded default bus: topics are in-memory logs with per-group committed
//! positions, so consumer groups behave as with Kafka (a group that subscribes late
//! still reads from its committed position; acknowledged events are not redelivered)
//! for as long as the process lives. Like a Kafka topic with size-based retention, each
//! topic keeps its newest [`RETAINED_PER_TOPIC`] events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::sync::Notify;

use super::{BusError, Delivery, EventBus, EventEnvelope};

#[derive(Default)]
struct TopicLog {
    /// Offset of `events[0]`.
    base: u64,
    events: Vec<EventEnvelope>,
    /// Group → next offset to deliver after a restart (committed position).
    committed: HashMap<String, u64>,
}

/// Events kept per topic; older ones are dropped, as by a retention policy.
pub const RETAINED_PER_TOPIC: usize = 100_000;

impl TopicLog {
    fn append(&mut self, event: EventEnvelope) {
        self.events.push(event);
        if self.events.len() > RETAINED_PER_TOPIC {
            let excess = self.events.len() - RETAINED_PER_TOPIC;
            self.events.drain(..excess);
            self.base += excess as u64;
        }
    }
}

#[derive(Default)]
struct Shared {
    topics: Mutex<HashMap<String, TopicLog>>,
    appended: Notify,
}

/// An in-memory event bus for one process.
#[derive(Clone, Default)]
pub struct InProcessBus {
    shared: Arc<Shared>,
}

impl EventBus for InProcessBus {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, Result<(), BusError>> {
        {
            let mut topics = self
                .shared
                .topics
                .lock()
                .expect("the bus lock is never held across a panic");
            topics
                .entry(topic.to_string())
                .or_default()
                .append(event.clone());
        }
        self.shared.appended.notify_waiters();
        Box::pin(async { Ok(()) })
    }

    fn consume<'a>(
        &'a self,
        topic: &'a str,
        group: &'a str,
    ) -> BoxFuture<'a, Result<BoxStream<'static, Result<Delivery, BusError>>, BusError>> {
        let shared = self.shared.clone();
        let (topic, group) = (topic.to_string(), group.to_string());
        let start = {
            let mut topics = shared
                .topics
                .lock()
                .expect("the bus lock is never held across a panic");
            let log = topics.entry(topic.clone()).or_default();
            *log.committed.entry(group.clone()).or_insert(log.base)
        };
        let stream = futures_util::stream::unfold(
            (shared, topic, group, start),
            |(shared, topic, group, next)| async move {
                loop {
                    // Registered before looking, so an append in between still wakes us.
                    let waker = shared.clone();
                    let notified = waker.appended.notified();
                    let found = {
                        let topics = shared
                            .topics
                            .lock()
                            .expect("the bus lock is never held across a panic");
                        topics.get(&topic).and_then(|log| {
                            // A position older than the retained log reads from its start.
                            let offset = next.max(log.base);
                            let index = usize::try_from(offset - log.base).ok()?;
                            log.events.get(index).cloned().map(|event| (offset, event))
                        })
                    };
                    if let Some((offset, event)) = found {
                        let ack_shared = shared.clone();
                        let (ack_topic, ack_group) = (topic.clone(), group.clone());
                        let delivery = Delivery::new(event, move || {
                            Box::pin(async move {
                                let mut topics = ack_shared
                                    .topics
                                    .lock()
                                    .expect("the bus lock is never held across a panic");
                                if let Some(log) = topics.get_mut(&ack_topic) {
                                    let position = log.committed.entry(ack_group).or_insert(0);
                                    *position = (*position).max(offset + 1);
                                }
                                Ok(())
                            })
                        });
                        return Some((Ok(delivery), (shared, topic, group, offset + 1)));
                    }
                    notified.await;
                }
            },
        );
        Box::pin(async move { Ok(stream.boxed()) })
    }
}
