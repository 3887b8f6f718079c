//! The guild service: guilds, roles with permissions, invitations, join requests.
//! Extends `Actor` with `guild` and `guildRole`.
//!
//! - [`settings`]: configuration (`CHAOS_GUILD__…`): member limit, invitation lifetime.
//! - `rules`: permissions, ranks and name checks, without I/O.
//! - `service`: the commands, each one transaction with its outbox events.
//! - `graphql`: the federated schema.
//! - `consumer`: reacts to chaos's `actor.deleted` (memberships end, leadership passes).
//! - `error`: [`GuildError`], each variant with a stable code.

mod consumer;
mod error;
mod graphql;
mod loaders;
mod rules;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self, outbox, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::GuildError;
pub use graphql::{schema, GuildSchema};
pub use settings::GuildSettings;

/// Topic of guild events, keyed by guild id.
pub const GUILD_EVENTS_TOPIC: &str = events::topics::GUILD;

/// Consumer group of the guild service.
const CONSUMER_GROUP: &str = "guild";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Connects the database and live fan-out, starts the outbox relay and the consumer of
/// actor events, and builds the app.
pub async fn app(
    settings: GuildSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::guild::Migrator>(&settings.database)
            .await?;
    let pubsub = subgraph_kit::pubsub::from_url(settings.live.redis_url(), "guild").await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let territories = events::consumer::start(
        bus.clone(),
        db.clone(),
        events::topics::WORLD,
        CONSUMER_GROUP,
        Arc::new(consumer::WorldEvents),
    );
    let consumer = events::consumer::start(
        bus,
        db.clone(),
        events::topics::ACTOR,
        CONSUMER_GROUP,
        Arc::new(consumer::ActorEvents {
            pubsub: pubsub.clone(),
            outbox: outbox.clone(),
        }),
    );
    let directory = ActorDirectory::new(settings.peers.chaos_url.clone());
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        pubsub,
        outbox,
        directory,
        settings: Arc::new(settings),
    }));
    let loader_db = db.clone();
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| loaders::attach(data, &loader_db));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "guild",
            schema,
            verifier,
            per_request,
            ready: Arc::new(db),
            internal_token: None,
            trusted_proxies,
        }),
        background: vec![relay, consumer, territories],
    })
}

/// Serves the guild service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: GuildSettings,
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
