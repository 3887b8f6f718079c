//! The matchmaking service: players queue an actor (alone or with a party) for a mode
//! in a region; a server-side matcher forms balanced matches from tickets whose
//! ratings are close, widening each ticket's accepted rating difference the longer it
//! waits; players hear of their match through `matchFound`.
//!
//! Rules: ratings live on the server (admins set them, clients never send one); an
//! actor holds at most one searching ticket per mode; parties are never split; a
//! ticket is in at most one match, even with several matcher replicas; queueing is
//! idempotent per player and key; every formed match is a `matchmaking.match_formed`
//! event on the `matchmaking.events` topic, written in the match's transaction.
//!
//! - [`settings`]: configuration (`CHAOS_MATCHMAKING__…`), with the queue rules.
//! - `tickets`: enqueue (idempotent), cancel, reading tickets.
//! - `ratings`: server-side ratings; admins set them.
//! - `matcher`: the background matcher (`plan`: which tickets make which matches).
//! - `matches`: formed matches, who may read them, `matchFound` delivery.
//! - `actors`: actor existence and ownership (asked of chaos).
//! - `graphql`: the federated schema.
//! - `error`: [`MatchmakingError`], each variant with a stable code.

mod actors;
mod error;
mod graphql;
mod matcher;
mod matches;
mod ratings;
pub mod settings;
mod tickets;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self as kit_events, outbox, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::MatchmakingError;
pub use graphql::{schema, MatchmakingSchema};
pub use matcher::MATCH_FORMED;
pub use settings::MatchmakingSettings;

/// Topic of matchmaking events, keyed by match id.
pub const MATCHMAKING_EVENTS_TOPIC: &str = kit_events::topics::MATCHMAKING;

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Connects the database and live fan-out, starts the matcher and the outbox relay, and
/// builds the app. Fails at once on rules no match could be formed under.
pub async fn app(
    settings: MatchmakingSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    settings
        .rules
        .validate()
        .map_err(|reason| anyhow::anyhow!("invalid matchmaking rules: {reason}"))?;
    let rules = Arc::new(settings.rules.clone());
    let db = subgraph_kit::db::connect_and_migrate::<migrations::matchmaking::Migrator>(
        &settings.database,
    )
    .await?;
    let pubsub = subgraph_kit::pubsub::from_url(settings.live.redis_url(), "matchmaking").await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus, RELAY_IDLE);
    let matcher = matcher::Matcher {
        db: db.clone(),
        rules: rules.clone(),
        pubsub: pubsub.clone(),
        outbox,
    }
    .start();
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        rules,
        actors: Arc::new(ActorDirectory::new(settings.peers.chaos_url.clone())),
        pubsub,
    }));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "matchmaking",
            schema,
            verifier,
            per_request: Arc::new(|_: &mut async_graphql::Data| {}),
            ready: Arc::new(db),
            internal_token: None,
            trusted_proxies,
        }),
        // The matcher stops first, so its last events still reach the relay's table.
        background: vec![matcher, relay],
    })
}

/// Serves the matchmaking service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: MatchmakingSettings,
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
