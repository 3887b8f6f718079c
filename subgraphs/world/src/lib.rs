//! The world service: zones (projected from content) and their environment (weather
//! changing deterministically with time, sanctuaries without combat), where actors
//! stand and how fast they may move, and territories held by guilds until their
//! structures fall. Extends `Actor` with `position` and `zone`; owns `Territory`.
//!
//! A skill cast asks the world twice (internal fields, chaos presenting the internal
//! token): for the cast's environment (weather, sanctuary, distance to the target), and
//! to land a hit on a structure once per cast id (or to void a cast chaos gives up,
//! which makes a late hit change nothing).
//!
//! - [`settings`]: configuration (`CHAOS_WORLD__…`).
//! - `zones`: the zone projection, weather by time, bounds.
//! - `service`: movement, territories, cast environment and structure hits.
//! - `graphql`: the federated schema; `consumer`: content zones and deleted actors.
//! - `error`: [`WorldError`], each variant with a stable code.

mod consumer;
mod error;
mod graphql;
mod service;
pub mod settings;
mod zones;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self, outbox, EventBus};
use subgraph_kit::peer::PeerClient;
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::WorldError;
pub use graphql::{schema, WorldSchema};
pub use settings::WorldSettings;

/// Consumer group of the world service.
const CONSUMER_GROUP: &str = "world";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Connects the database, starts the outbox relay and the consumers of content and
/// actor events, and builds the app.
pub async fn app(
    settings: WorldSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::world::Migrator>(&settings.database)
            .await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let pubsub = subgraph_kit::pubsub::from_url(settings.live.redis_url(), "world").await?;
    let world = Arc::new(service::World {
        db: db.clone(),
        directory: ActorDirectory::new(settings.peers.chaos_url.clone()),
        guild: settings
            .peers
            .guild_url
            .clone()
            .map(|url| PeerClient::new("the guild service", url, None)),
        rules: settings.rules.clone(),
        outbox,
        pubsub,
    });
    let content = events::consumer::start(
        bus.clone(),
        db.clone(),
        events::topics::CONTENT,
        CONSUMER_GROUP,
        Arc::new(consumer::ContentEvents),
    );
    let actors = events::consumer::start(
        bus,
        db.clone(),
        events::topics::ACTOR,
        CONSUMER_GROUP,
        Arc::new(consumer::ActorEvents),
    );
    let schema = graphql::schema(Some(world.clone()));
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| graphql::attach_loaders(data, &world));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "world",
            schema,
            verifier,
            per_request,
            ready: Arc::new(db),
            internal_token: settings.peers.internal_token.clone(),
            trusted_proxies,
        }),
        background: vec![relay, content, actors],
    })
}

/// Serves the world service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: WorldSettings,
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
