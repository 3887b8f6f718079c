//! The events service: scheduled live events (defined and published in content),
//! participations, server-validated scores, leaderboards and rewards claimable exactly
//! once. Owns `LiveEvent`.
//!
//! Event definitions arrive as `content.published` events of kind `EVENT` and are
//! kept in a projection (newer versions win). Players join a running event with one
//! of their actors, submit scores (idempotent, bounded by the event's
//! `maxScorePerSubmission`), and once it ended claim its rewards: the claim and its
//! `live_event.reward_granted` event commit together, and inventory delivers the items
//! once per grant.
//!
//! - [`settings`]: configuration (`CHAOS_EVENTS__…`).
//! - `definitions`: the projection of content's event definitions and their phase.
//! - `consumer`: consumes `content.events`.
//! - `participation`: joining, scoring and leaderboards.
//! - `claims`: reward claims, exactly once per event and actor.
//! - `domain_events`: the events on the `live_events.events` topic.
//! - `live`: `liveEventUpdated` fan-out and the phase ticker.
//! - `actors`: whether an actor belongs to the viewer (asked of chaos).
//! - `graphql`: the federated schema; `loaders`: its DataLoaders.
//! - `error`: [`EventsError`], each variant with a stable code.
//!
//! The database module is `live_events` (entities and migrations), as
//! `migrations::events` holds the kit's outbox and processed-event tables.

mod actors;
mod claims;
mod consumer;
mod definitions;
mod domain_events;
mod error;
mod graphql;
mod live;
mod loaders;
mod participation;
pub mod settings;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self as kit_events, outbox, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::EventsError;
pub use graphql::{schema, Deps, EventsSchema};
pub use settings::EventsSettings;

/// Topic of the events this service publishes, keyed by actor id.
pub const LIVE_EVENTS_TOPIC: &str = kit_events::topics::LIVE_EVENTS;

/// Consumer group of the events service.
const CONSUMER_GROUP: &str = "events";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Connects the database and live fan-out, starts the outbox relay, the content
/// consumer and the phase ticker, and builds the app.
pub async fn app(
    settings: EventsSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db = subgraph_kit::db::connect_and_migrate::<migrations::live_events::Migrator>(
        &settings.database,
    )
    .await?;
    let pubsub = subgraph_kit::pubsub::from_url(
        settings.live.redis_url(),
        &format!("{}events", settings.events.namespace),
    )
    .await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let content = kit_events::consumer::start(
        bus,
        db.clone(),
        kit_events::topics::CONTENT,
        CONSUMER_GROUP,
        Arc::new(consumer::ContentEvents),
    );
    let ticker = live::start_ticker(db.clone(), pubsub.clone());
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        outbox,
        actors: Arc::new(ActorDirectory::new(settings.peers.chaos_url.clone())),
        pubsub,
    }));
    let loader_db = db.clone();
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| loaders::attach(data, &loader_db));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "events",
            schema,
            verifier,
            per_request,
            ready: Arc::new(db),
            internal_token: None,
            trusted_proxies,
        }),
        background: vec![relay, content, ticker],
    })
}

/// Serves the events service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: EventsSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let verifier = JwtVerifier::from_settings(&settings.auth).await?;
    let bus = kit_events::bus_from_config(&settings.events)?;
    app(settings, verifier, bus)
        .await?
        .serve(listener, shutdown)
        .await?;
    Ok(())
}
