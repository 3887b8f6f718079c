//! The chaos backend subgraph: owns `Actor`, the entity every other subgraph extends.
//!
//! - [`settings`]: configuration (`CHAOS_CHAOS__…`), e.g. the per-user actor limit.
//! - `service`: actor creation, skills, experience grants; one transaction per command,
//!   game rules delegated to `actor-core`.
//! - `loaders`: per-request DataLoaders so N entity representations become one query.
//! - `graphql`: the federated schema (`Actor @key(fields: "id")`, `User.actors`).
//! - `error`: [`ChaosError`], each variant with a stable code.

mod error;
mod graphql;
mod loaders;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::outbox::{self, RelayHandle};
use subgraph_kit::events::{self, EventBus};
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::server::{self, GraphqlService};

pub use error::ChaosError;
pub use graphql::{schema, ChaosSchema};
pub use settings::ChaosSettings;

/// Topic of actor lifecycle and progression events (`actor.created`,
/// `actor.experience_granted`), keyed by actor id.
pub const ACTOR_EVENTS_TOPIC: &str = "chaos.actor";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// A built chaos service: its HTTP app and the outbox relay that must live as long.
pub struct ChaosApp {
    /// The axum app.
    pub router: Router,
    /// Publishes committed events to the bus.
    pub relay: RelayHandle,
}

/// Connects the database (running migrations, which seed the demo skills) and live
/// fan-out (Redis when configured), starts the outbox relay to `bus`, and builds the app.
pub async fn app(
    settings: ChaosSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ChaosApp> {
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::chaos::Migrator>(&settings.database)
            .await?;
    let redis_url = settings
        .live
        .redis_url
        .as_ref()
        .map(|url| url.expose().as_str());
    let pubsub = subgraph_kit::pubsub::from_url(redis_url, "chaos").await?;
    let relay = outbox::start_relay(db.clone(), bus, RELAY_IDLE);
    Ok(ChaosApp {
        router: app_with(db, verifier, pubsub, Arc::new(settings)),
        relay,
    })
}

/// Builds the app from an open database, a verifier and a fan-out backend.
pub fn app_with(
    db: DatabaseConnection,
    verifier: Arc<JwtVerifier>,
    pubsub: Arc<dyn PubSub>,
    settings: Arc<ChaosSettings>,
) -> Router {
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        pubsub,
        settings,
    }));
    let loader_db = db.clone();
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| loaders::attach(data, &loader_db));
    server::app(GraphqlService {
        schema,
        verifier,
        per_request,
        db,
    })
}

/// Serves the chaos subgraph on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: ChaosSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let verifier = JwtVerifier::remote(&settings.auth);
    let bus = events::bus_from_config(settings.events.kafka_bootstrap.as_deref())?;
    let app = app(settings, verifier, bus).await?;
    server::serve(listener, app.router, shutdown).await?;
    app.relay.stop().await;
    Ok(())
}
