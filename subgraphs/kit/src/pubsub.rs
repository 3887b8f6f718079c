//! Live fan-out: a message published on a topic reaches every current subscriber of that
//! topic, on this replica and, with Redis, on every other replica of the service.
//!
//! This is best-effort delivery for live updates (subscriptions): a subscriber that is
//! not connected misses the message. What must not be lost travels through the event
//! bus instead.
//!
//! Both backends deliver to local subscribers through one in-process [`Hub`]; the Redis
//! backend publishes with `PUBLISH <namespace>:<topic>` and keeps one `PSUBSCRIBE
//! <namespace>:*` connection per process that feeds the hub, so a thousand subscribers
//! cost one Redis connection, not a thousand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Messages a slow subscriber may fall behind before it skips ahead.
const SUBSCRIBER_BUFFER: usize = 256;

/// Why a message could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PubSubError {
    /// Redis refused or is unreachable.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Publish/subscribe on named topics.
pub trait PubSub: Send + Sync {
    /// Sends `message` to every subscriber of `topic`.
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        message: String,
    ) -> BoxFuture<'a, Result<(), PubSubError>>;

    /// The messages published on `topic` from now on.
    fn subscribe(&self, topic: &str) -> BoxStream<'static, String>;
}

/// Delivery to the subscribers of this process.
#[derive(Default)]
pub struct Hub {
    topics: Mutex<HashMap<String, broadcast::Sender<String>>>,
}

impl Hub {
    fn deliver(&self, topic: &str, message: String) {
        let mut topics = self
            .topics
            .lock()
            .expect("the hub lock is never held across a panic");
        if let Some(sender) = topics.get(topic) {
            if sender.send(message).is_err() {
                // Nobody listens any more: forget the topic.
                topics.remove(topic);
            }
        }
    }

    fn subscribe(&self, topic: &str) -> BoxStream<'static, String> {
        let receiver = {
            let mut topics = self
                .topics
                .lock()
                .expect("the hub lock is never held across a panic");
            topics
                .entry(topic.to_string())
                .or_insert_with(|| broadcast::channel(SUBSCRIBER_BUFFER).0)
                .subscribe()
        };
        let topic = topic.to_string();
        futures_util::stream::unfold((receiver, topic), |(mut receiver, topic)| async move {
            loop {
                match receiver.recv().await {
                    Ok(message) => return Some((message, (receiver, topic))),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(topic, skipped, "slow subscriber skipped live messages");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    }
}

/// Fan-out within one process (the embedded default).
#[derive(Default)]
pub struct InProcessPubSub {
    hub: Hub,
}

impl PubSub for InProcessPubSub {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        message: String,
    ) -> BoxFuture<'a, Result<(), PubSubError>> {
        self.hub.deliver(topic, message);
        Box::pin(async { Ok(()) })
    }

    fn subscribe(&self, topic: &str) -> BoxStream<'static, String> {
        self.hub.subscribe(topic)
    }
}

/// Fan-out across replicas through Redis pub/sub.
pub struct RedisPubSub {
    hub: Arc<Hub>,
    publisher: redis::aio::MultiplexedConnection,
    namespace: String,
    listener: CancellationToken,
}

impl RedisPubSub {
    /// Connects to `url` and starts relaying `<namespace>:*` to local subscribers.
    /// Returns once the relay is subscribed, so nothing published afterwards is missed.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, PubSubError> {
        let client = redis::Client::open(url)?;
        let publisher = client.get_multiplexed_async_connection().await?;
        let hub = Arc::new(Hub::default());
        let listener = CancellationToken::new();
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.psubscribe(format!("{namespace}:*")).await?;
        tokio::spawn(relay(
            client,
            pubsub,
            hub.clone(),
            namespace.to_string(),
            listener.clone(),
        ));
        Ok(Self {
            hub,
            publisher,
            namespace: namespace.to_string(),
            listener,
        })
    }
}

impl Drop for RedisPubSub {
    fn drop(&mut self) {
        self.listener.cancel();
    }
}

impl PubSub for RedisPubSub {
    fn publish<'a>(
        &'a self,
        topic: &'a str,
        message: String,
    ) -> BoxFuture<'a, Result<(), PubSubError>> {
        let mut connection = self.publisher.clone();
        let channel = format!("{}:{topic}", self.namespace);
        Box::pin(async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(message)
                .query_async::<i64>(&mut connection)
                .await?;
            Ok(())
        })
    }

    fn subscribe(&self, topic: &str) -> BoxStream<'static, String> {
        self.hub.subscribe(topic)
    }
}

/// Feeds the hub from Redis until cancelled, reconnecting after failures.
async fn relay(
    client: redis::Client,
    first: redis::aio::PubSub,
    hub: Arc<Hub>,
    namespace: String,
    stop: CancellationToken,
) {
    let prefix = format!("{namespace}:");
    let mut connection = Some(first);
    loop {
        let pubsub = match connection.take() {
            Some(pubsub) => pubsub,
            None => match resubscribe(&client, &namespace).await {
                Ok(pubsub) => pubsub,
                Err(err) => {
                    tracing::warn!(cause = %err, "redis pub/sub reconnect failed");
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        let mut messages = pubsub.into_on_message();
        loop {
            let message = tokio::select! {
                () = stop.cancelled() => return,
                message = messages.next() => message,
            };
            let Some(message) = message else { break };
            let Some(topic) = message.get_channel_name().strip_prefix(&prefix) else {
                continue;
            };
            match message.get_payload::<String>() {
                Ok(payload) => hub.deliver(topic, payload),
                Err(err) => {
                    tracing::warn!(topic, cause = %err, "dropped a non-text pub/sub message")
                }
            }
        }
        tracing::warn!("redis pub/sub connection lost, reconnecting");
    }
}

async fn resubscribe(
    client: &redis::Client,
    namespace: &str,
) -> Result<redis::aio::PubSub, redis::RedisError> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.psubscribe(format!("{namespace}:*")).await?;
    Ok(pubsub)
}

/// The backend chosen by configuration: Redis when a URL is given, else in-process.
pub async fn from_url(
    redis_url: Option<&str>,
    namespace: &str,
) -> Result<Arc<dyn PubSub>, PubSubError> {
    Ok(match redis_url {
        Some(url) => Arc::new(RedisPubSub::connect(url, namespace).await?),
        None => Arc::new(InProcessPubSub::default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn next(stream: &mut BoxStream<'static, String>) -> Option<String> {
        tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .ok()
            .flatten()
    }

    #[tokio::test]
    async fn in_process_delivers_to_every_subscriber_of_the_topic_only() {
        let pubsub = InProcessPubSub::default();
        let mut first = pubsub.subscribe("actor:1");
        let mut second = pubsub.subscribe("actor:1");
        let mut other = pubsub.subscribe("actor:2");
        pubsub
            .publish("actor:1", "hello".into())
            .await
            .expect("publishes");
        assert_eq!(next(&mut first).await.as_deref(), Some("hello"));
        assert_eq!(next(&mut second).await.as_deref(), Some("hello"));
        pubsub
            .publish("actor:2", "other".into())
            .await
            .expect("publishes");
        assert_eq!(next(&mut other).await.as_deref(), Some("other"));
    }

    /// Two `RedisPubSub`s are two replicas: what one publishes, the other's subscribers
    /// receive. Runs when `CHAOS_TEST_REDIS_URL` names a server (the test command starts one).
    #[tokio::test]
    async fn redis_fans_out_across_replicas() {
        let Ok(url) = std::env::var("CHAOS_TEST_REDIS_URL") else {
            eprintln!(
                "CHAOS_TEST_REDIS_URL not set: Redis fan-out runs in the test command's Redis pass"
            );
            return;
        };
        let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
        let replica_a = RedisPubSub::connect(&url, &namespace)
            .await
            .expect("connects");
        let replica_b = RedisPubSub::connect(&url, &namespace)
            .await
            .expect("connects");
        let mut on_b = replica_b.subscribe("actor:7");
        let mut on_a = replica_a.subscribe("actor:7");
        replica_a
            .publish("actor:7", "levelled".into())
            .await
            .expect("publishes");
        assert_eq!(next(&mut on_b).await.as_deref(), Some("levelled"));
        assert_eq!(next(&mut on_a).await.as_deref(), Some("levelled"));
        // Another namespace (another deployment) hears nothing.
        let stranger = RedisPubSub::connect(&url, "someone-else")
            .await
            .expect("connects");
        let mut on_stranger = stranger.subscribe("actor:7");
        replica_a
            .publish("actor:7", "again".into())
            .await
            .expect("publishes");
        assert_eq!(next(&mut on_b).await.as_deref(), Some("again"));
        assert!(
            tokio::time::timeout(Duration::from_millis(300), on_stranger.next())
                .await
                .is_err()
        );
    }
}
