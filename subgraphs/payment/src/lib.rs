//! The payment service: the store catalogue, purchases paid with store receipts or
//! with wallet currency, and the player wallets as a double-entry ledger. Owns
//! `StoreProduct`.
//!
//! Money rules: every movement is a ledger transaction whose entries sum to zero per
//! currency (player accounts never go negative; system accounts `issuance` and `store`
//! may); every value-moving command takes an idempotency key and runs in one database
//! transaction with its outbox events; a store receipt redeems once; item grants reach
//! inventory exactly once through `payment.grant_items` events.
//!
//! - [`settings`]: configuration (`CHAOS_PAYMENT__…`), including the Google Play key.
//! - [`receipts`]: store receipt verification ([`receipts::GooglePlayVerifier`]) and,
//!   with the `testing` feature, a signer of test receipts.
//! - `catalog`: store products and their grants; admins upsert them.
//! - `ledger`: accounts, balanced transactions, balances, the trial balance.
//! - `purchases`: `purchase` (receipt) and `buyProduct` (wallet), idempotent.
//! - `refunds`: reversing a purchase as far as the balance allows.
//! - `grants`: admin currency grants, idempotent.
//! - `events`: the events on the `payment.events` topic.
//! - `actors`: whether an actor belongs to the buyer (asked of chaos).
//! - `money`: currencies, amounts and item grants.
//! - `graphql`: the federated schema; `loaders`: its DataLoaders.
//! - `error`: [`PaymentError`], each variant with a stable code.

mod actors;
mod catalog;
mod error;
mod events;
mod grants;
mod graphql;
mod ledger;
mod loaders;
mod money;
mod purchases;
pub mod receipts;
mod refunds;
pub mod settings;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self as kit_events, outbox, EventBus};
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::PaymentError;
pub use graphql::{schema, PaymentSchema};
pub use settings::PaymentSettings;

/// Topic of payment events, keyed by user id.
pub const PAYMENT_EVENTS_TOPIC: &str = kit_events::topics::PAYMENT;

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// The receipt verifiers `settings` configure (none without a store section).
fn receipt_providers(
    settings: &PaymentSettings,
) -> anyhow::Result<Vec<Arc<dyn receipts::ReceiptProvider>>> {
    let mut providers: Vec<Arc<dyn receipts::ReceiptProvider>> = Vec::new();
    if let Some(google_play) = &settings.google_play {
        providers.push(Arc::new(receipts::GooglePlayVerifier::from_settings(
            google_play,
        )?));
    }
    Ok(providers)
}

/// Connects the database, starts the outbox relay and builds the app. Fails at once on
/// an unreadable store key.
pub async fn app(
    settings: PaymentSettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let receipt_providers = receipt_providers(&settings)?;
    if receipt_providers.is_empty() {
        tracing::info!("no store configured: receipt purchases are refused");
    }
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::payment::Migrator>(&settings.database)
            .await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus, RELAY_IDLE);
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        outbox,
        actors: Arc::new(ActorDirectory::new(settings.peers.chaos_url.clone())),
        receipt_providers,
    }));
    let loader_db = db.clone();
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| loaders::attach(data, &loader_db));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "payment",
            schema,
            verifier,
            per_request,
            ready: Arc::new(db),
            internal_token: None,
            trusted_proxies,
        }),
        background: vec![relay],
    })
}

/// Serves the payment service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: PaymentSettings,
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
