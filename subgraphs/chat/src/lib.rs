//! The chat service: channels (global, zone, party, guild, direct), messages with
//! history, moderation, and live `messageAdded`.
//!
//! - [`settings`]: configuration (`CHAOS_CHAT__…`): message length, rate limit, mutes.
//! - `channels`: channel ids, text checks, mentions (pure).
//! - `presence`: who watches which channel on this replica.
//! - `service`: access rules, commands, history, the guild-membership projection.
//! - `graphql`: the federated schema.
//! - `consumer`: guild membership and actor deletion events.
//! - `error`: [`ChatError`], each variant with a stable code.

mod channels;
mod consumer;
mod error;
mod graphql;
mod presence;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self, outbox, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::ChatError;
pub use graphql::{schema, ChatSchema};
pub use settings::ChatSettings;

/// Topic of chat events (direct messages, mentions), keyed by channel id.
pub const CHAT_EVENTS_TOPIC: &str = events::topics::CHAT;

/// Consumer group of the chat service.
const CONSUMER_GROUP: &str = "chat";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Connects the database and live fan-out, starts the outbox relay and the consumers
/// of guild and actor events, and builds the app.
pub async fn app(
    settings: ChatSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::chat::Migrator>(&settings.database)
            .await?;
    let pubsub = subgraph_kit::pubsub::from_url(settings.live.redis_url(), "chat").await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let projection = Arc::new(consumer::Projection {
        pubsub: pubsub.clone(),
    });
    let mut background = vec![relay];
    for topic in [events::topics::GUILD, events::topics::ACTOR] {
        background.push(events::consumer::start(
            bus.clone(),
            db.clone(),
            topic,
            CONSUMER_GROUP,
            projection.clone(),
        ));
    }
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        pubsub,
        outbox,
        directory: ActorDirectory::new(settings.peers.chaos_url.clone()),
        presence: presence::Presence::default(),
        settings: Arc::new(settings),
        verifier: verifier.clone(),
    }));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "chat",
            schema,
            verifier,
            per_request: Arc::new(|_: &mut async_graphql::Data| {}),
            ready: Arc::new(db),
            internal_token: None,
            trusted_proxies,
        }),
        background,
    })
}

/// Serves the chat service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: ChatSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let verifier = JwtVerifier::from_settings(&settings.auth).await?;
    let bus = events::bus_from_config(&settings.events)?;
    app(settings, verifier, bus)
        .await?
        .serve(listener, shutdown)
        .await?;
    Ok(())
}
