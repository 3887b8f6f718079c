//! The analytics service: every event of the game's event stream stored raw, once, and
//! admin-only aggregates over them (active players, skill usage, economy flows, matches
//! per mode, top players) plus the raw events themselves. Raw events live in the
//! document store: MongoDB in production, SQLite embedded.
//!
//! - [`settings`]: configuration (`CHAOS_ANALYTICS__…`).
//! - `ingest`: one consumer per topic (group `analytics`); each event stored once,
//!   keyed by its event id.
//! - `range`: time ranges and reading the raw events in one (and its scaling limit).
//! - `aggregates`, `economy`: the computations, without I/O.
//! - `graphql`: the federated schema.
//! - `error`: [`AnalyticsError`], with stable codes.

mod aggregates;
mod economy;
mod error;
mod graphql;
mod ingest;
mod range;
pub mod settings;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::documents::{self, StoreReady};
use subgraph_kit::events::{self, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::AnalyticsError;
pub use graphql::{schema, AnalyticsSchema, Deps};
pub use ingest::ALL_TOPICS;
pub use settings::AnalyticsSettings;

/// Connects the document store, starts one ingesting consumer per topic and builds the
/// app.
pub async fn app(
    settings: AnalyticsSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let store = documents::connect(&settings.documents, "analytics").await?;
    let background = ingest::start_all(bus, store.clone());
    let schema = graphql::schema(Some(Deps {
        store: store.clone(),
    }));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "analytics",
            schema,
            verifier,
            per_request: Arc::new(|_: &mut async_graphql::Data| {}),
            ready: Arc::new(StoreReady(store)),
            internal_token: None,
            trusted_proxies,
        }),
        background,
    })
}

/// Serves the analytics service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: AnalyticsSettings,
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
