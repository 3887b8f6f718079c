//! The notifications service: each player's persistent inbox and live delivery.
//! Notifications are made only from other services' events (guild invitations,
//! kicks, disbands, join-request decisions, direct messages to players not watching,
//! mentions), never by direct calls.
//!
//! - [`settings`]: configuration (`CHAOS_NOTIFICATIONS__…`).
//! - `inbox`: which event becomes which notification (pure).
//! - `service`: storing, paging, read state, deletion.
//! - `graphql`: the federated schema (`notifications`, `notificationReceived`, …).
//! - `consumer`: consumes the guild and chat topics.

mod consumer;
mod graphql;
mod inbox;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::{self, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use graphql::{schema, NotificationsSchema};
pub use settings::NotificationsSettings;

/// Consumer group of the notifications service.
const CONSUMER_GROUP: &str = "notifications";

/// The topics whose events may notify someone.
const SOURCE_TOPICS: [&str; 2] = [events::topics::GUILD, events::topics::CHAT];

/// Connects the database and live fan-out, starts one consumer per source topic, and
/// builds the app.
pub async fn app(
    settings: NotificationsSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db = subgraph_kit::db::connect_and_migrate::<migrations::notifications::Migrator>(
        &settings.database,
    )
    .await?;
    let pubsub = subgraph_kit::pubsub::from_url(settings.live.redis_url(), "notifications").await?;
    let handler = Arc::new(consumer::InboxWriter {
        pubsub: pubsub.clone(),
    });
    let background = SOURCE_TOPICS
        .into_iter()
        .map(|topic| {
            events::consumer::start(
                bus.clone(),
                db.clone(),
                topic,
                CONSUMER_GROUP,
                handler.clone(),
            )
        })
        .collect();
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        pubsub,
    }));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "notifications",
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

/// Serves the notifications service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: NotificationsSettings,
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
