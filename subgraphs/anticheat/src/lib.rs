//! The anticheat service: anomalies detected in the event stream, inline verdicts of
//! other services, player reports, and the sanctions operators place (applied to the
//! account by the users service, enforced by every service through the kit's
//! sanction board).
//!
//! - [`settings`]: configuration (`CHAOS_ANTICHEAT__…`) and the detection thresholds.
//! - `detection`: the pure rules (speed, cooldowns, item sources, counting windows).
//! - `consumer`: the detectors, one consumer group on world, combat and inventory events.
//! - `flags`: recording a flag with its `anticheat.flagged` event; listing flags.
//! - `reports`: `reportPlayer`, its rate limit, and `REPORTED` flags.
//! - `sanctions`: `sanctionPlayer` / `liftSanction` through users, pending retries.
//! - `peers`: chaos (actor owners) and users (account sanctions) as traits.
//! - `graphql`: the federated schema; `error`: [`AnticheatError`] with stable codes.
//!
//! Events: consumes `world.events` (`world.movement_rejected`, `world.actor_moved`),
//! `chaos.combat` (`chaos.skill_cast`, `chaos.cast_rejected`) and `inventory.events`
//! (`inventory.items_granted`); publishes on `anticheat.events` (`anticheat.flagged`,
//! `anticheat.sanction_applied`, `anticheat.sanction_lifted`), keyed by user id.

mod consumer;
mod detection;
mod error;
mod flags;
mod graphql;
mod peers;
mod reports;
mod sanctions;
pub mod settings;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self as kit_events, outbox, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::AnticheatError;
pub use graphql::{schema, AnticheatSchema};
pub use settings::AnticheatSettings;

/// Topic of anticheat events, keyed by user id.
pub const ANTICHEAT_EVENTS_TOPIC: &str = kit_events::topics::ANTICHEAT;

/// The topics the detectors consume.
pub const CONSUMED_TOPICS: [&str; 3] = [
    kit_events::topics::WORLD,
    kit_events::topics::COMBAT,
    kit_events::topics::INVENTORY,
];

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: Duration = Duration::from_millis(500);

/// How often sanctions left pending (users unreachable) are retried.
const PENDING_RETRY: Duration = Duration::from_secs(15);

/// Connects the database, starts the outbox relay, the detectors and the pending
/// sanction retry, and builds the app.
pub async fn app(
    settings: AnticheatSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db = subgraph_kit::db::connect_and_migrate::<migrations::anticheat::Migrator>(
        &settings.database,
    )
    .await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let rules = Arc::new(settings.rules.clone());
    let actors: Arc<dyn peers::ActorLookup> =
        Arc::new(ActorDirectory::new(settings.peers.chaos_url.clone()));
    let accounts = Arc::new(peers::UsersService::new(
        settings.peers.users_url.clone(),
        settings.peers.internal_token.clone(),
    ));
    let sanctions = Arc::new(sanctions::Sanctions {
        db: db.clone(),
        accounts,
        outbox: outbox.clone(),
    });
    let detectors = Arc::new(consumer::GameEvents {
        rules: rules.clone(),
        actors: actors.clone(),
        outbox: outbox.clone(),
    });
    let mut background = vec![
        relay,
        sanctions::start_retry(sanctions.clone(), PENDING_RETRY),
    ];
    for topic in CONSUMED_TOPICS {
        background.push(kit_events::consumer::start(
            bus.clone(),
            db.clone(),
            topic,
            consumer::CONSUMER_GROUP,
            detectors.clone(),
        ));
    }
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        outbox,
        actors,
        sanctions,
        rules,
    }));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "anticheat",
            schema,
            verifier,
            per_request: Arc::new(|_: &mut async_graphql::Data| {}),
            ready: Arc::new(db),
            internal_token: settings.peers.internal_token.clone(),
            trusted_proxies,
        }),
        background,
    })
}

/// Serves the anticheat service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: AnticheatSettings,
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
