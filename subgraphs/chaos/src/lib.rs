//! The chaos backend subgraph: owns `Actor`, the entity every other subgraph extends.
//!
//! - [`settings`]: configuration (`CHAOS_CHAOS__…`), e.g. the per-user actor limit.
//! - `service`: actor creation, skills, experience grants; one transaction per command,
//!   game rules delegated to `actor-core`.
//! - `loaders`: per-request DataLoaders so N entity representations become one query.
//! - `graphql`: the federated schema (`Actor @key(fields: "id")`, `User.actors`).
//! - `items`: what used and equipped items do to an actor (effects, buffs, equipment),
//!   applied once whichever way inventory's word arrives.
//! - `casting`: server-authoritative skill casts, a saga across world (environment,
//!   structure hits) and inventory (reagents), compensated on failure.
//! - `consumer`: inventory's events (the guaranteed path of item effects and
//!   equipment) and content's published skills (the catalogue chaos enforces).
//! - `error`: [`ChaosError`], each variant with a stable code.

mod casting;
mod consumer;
mod error;
mod graphql;
mod items;
mod loaders;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::outbox::{self, OutboxSignal};
use subgraph_kit::events::{self, EventBus};
use subgraph_kit::peer::PeerClient;
use subgraph_kit::pubsub::PubSub;
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::ChaosError;
pub use graphql::{schema, ChaosSchema};
pub use settings::ChaosSettings;

/// Topic of actor lifecycle and progression events (`actor.created`, `actor.deleted`,
/// `actor.experience_granted`), keyed by actor id.
pub const ACTOR_EVENTS_TOPIC: &str = events::topics::ACTOR;

/// Consumer group of the chaos backend.
const CONSUMER_GROUP: &str = "chaos";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Connects the database (running migrations, which seed the demo skills) and live
/// fan-out (Redis when configured), starts the outbox relay to `bus`, and builds the app.
pub async fn app(
    settings: ChaosSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::chaos::Migrator>(&settings.database)
            .await?;
    let pubsub = subgraph_kit::pubsub::from_url(settings.live.redis_url(), "chaos").await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let skills = events::consumer::start(
        bus.clone(),
        db.clone(),
        events::topics::CONTENT,
        CONSUMER_GROUP,
        Arc::new(consumer::ContentEvents),
    );
    let consumer = events::consumer::start(
        bus,
        db.clone(),
        events::topics::INVENTORY,
        CONSUMER_GROUP,
        Arc::new(consumer::InventoryEvents {
            pubsub: pubsub.clone(),
            outbox: outbox.clone(),
        }),
    );
    Ok(ServiceApp {
        router: app_with(db, verifier, pubsub, outbox, Arc::new(settings)),
        background: vec![relay, consumer, skills],
    })
}

/// Builds the app from an open database, a verifier and a fan-out backend.
pub fn app_with(
    db: DatabaseConnection,
    verifier: Arc<JwtVerifier>,
    pubsub: Arc<dyn PubSub>,
    outbox: OutboxSignal,
    settings: Arc<ChaosSettings>,
) -> Router {
    let internal_token = settings.peers.internal_token.clone();
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let peer = |service: &'static str, url: &Option<String>| {
        url.clone()
            .map(|url| PeerClient::new(service, url, internal_token.clone()))
    };
    let cast_peers = casting::CastPeers {
        world: peer("the world service", &settings.peers.world_url),
        inventory: peer("the inventory service", &settings.peers.inventory_url),
        fail_after_spend: settings.faults.fail_cast_after_spend,
    };
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        pubsub,
        outbox,
        settings,
        cast_peers: Arc::new(cast_peers),
    }));
    let loader_db = db.clone();
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| loaders::attach(data, &loader_db));
    server::app(GraphqlService {
        name: "chaos",
        schema,
        verifier,
        per_request,
        ready: Arc::new(db),
        internal_token,
        trusted_proxies,
    })
}

/// Serves the chaos subgraph on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: ChaosSettings,
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
