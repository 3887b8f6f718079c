//! The content service: item, skill, recipe, zone and live-event definitions as JSON
//! documents, edited as drafts by admins and published as numbered versions that
//! players (and other services) read. Every admin change is audited; every publish is
//! announced as `content.published` on [`subgraph_kit::events::topics::CONTENT`].
//! Documents live in MongoDB in production and in SQLite embedded
//! ([`subgraph_kit::documents`]).
//!
//! - [`settings`]: configuration (`CHAOS_CONTENT__…`): the document store URL.
//! - `model`: the definition types, shared by the graph, the store and the events.
//! - `rules`: what makes a definition valid, without I/O.
//! - `service`: drafts, publishing, history, audit log and seeding, each command one
//!   atomic batch of document writes (with its audit entry and outbox event).
//! - `seed`: the default catalogue published on first start.
//! - `graphql`: the federated schema; `loaders`: its DataLoaders.
//! - `error`: [`ContentError`], each variant with a stable code.

mod error;
mod graphql;
mod loaders;
mod model;
mod rules;
mod seed;
mod service;
pub mod settings;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::documents::{self, outbox, StoreReady};
use subgraph_kit::events::{self, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::ContentError;
pub use graphql::{schema, ContentSchema, Deps};
pub use settings::ContentSettings;

/// Topic of `content.published` events, keyed by `<KIND>:<id>`.
pub const CONTENT_EVENTS_TOPIC: &str = events::topics::CONTENT;

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: Duration = Duration::from_millis(500);

/// Connects the document store, seeds the default catalogue on first start, starts the
/// outbox relay and builds the app.
pub async fn app(
    settings: ContentSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let store = documents::connect(&settings.documents, "content").await?;
    if service::seed(store.as_ref()).await? {
        tracing::info!("default content catalogue published");
    }
    let (relay, outbox) = outbox::start_relay(store.clone(), bus, RELAY_IDLE);
    let schema = graphql::schema(Some(Deps {
        store: store.clone(),
        outbox,
    }));
    let loader_store = store.clone();
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| loaders::attach(data, &loader_store));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "content",
            schema,
            verifier,
            per_request,
            ready: Arc::new(StoreReady(store)),
            internal_token: None,
            trusted_proxies,
        }),
        background: vec![relay],
    })
}

/// Serves the content service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: ContentSettings,
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
