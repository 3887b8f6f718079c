//! The inventory service: item stacks in actors' bags and guilds' storages. Extends
//! `Actor` with `inventory` and `guildStorage`.
//!
//! - [`settings`]: configuration (`CHAOS_INVENTORY__…`): bag and storage capacity,
//!   trade lifetime.
//! - `catalog`: the item definitions and recipes inventory enforces, projected from
//!   content's `content.published` events.
//! - `service`: the commands (grant, use, equip, craft, destroy, trade, guild storage),
//!   each one transaction over locked containers with its outbox events; item effects
//!   and equipment are handed to chaos (internal call now, event as the guarantee).
//! - `graphql`: the federated schema.
//! - `consumer`: content's definitions, payment's item deliveries, chaos's deleted
//!   actors.
//! - `error`: [`InventoryError`], each variant with a stable code.

mod catalog;
mod consumer;
mod error;
mod graphql;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::directory::ActorDirectory;
use subgraph_kit::events::{self, outbox, EventBus};
use subgraph_kit::peer::PeerClient;
use subgraph_kit::server::{self, GraphqlService, ServiceApp};

pub use error::InventoryError;
pub use graphql::{schema, InventorySchema};
pub use settings::InventorySettings;

/// Consumer group of the inventory service.
const CONSUMER_GROUP: &str = "inventory";

/// How often the outbox relay looks for new events when idle.
const RELAY_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Connects the database, starts the outbox relay and the consumers of content and
/// payment events, and builds the app.
pub async fn app(
    settings: InventorySettings,
    verifier: Arc<JwtVerifier>,
    bus: Arc<dyn EventBus>,
) -> anyhow::Result<ServiceApp> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    let db = subgraph_kit::db::connect_and_migrate::<migrations::inventory::Migrator>(
        &settings.database,
    )
    .await?;
    let (relay, outbox) = outbox::start_relay(db.clone(), bus.clone(), RELAY_IDLE);
    let internal_token = settings.peers.internal_token.clone();
    let inventory = Arc::new(service::Inventory {
        db: db.clone(),
        directory: ActorDirectory::new(settings.peers.chaos_url.clone()),
        chaos: PeerClient::new(
            "chaos",
            settings.peers.chaos_url.clone(),
            internal_token.clone(),
        ),
        guild: settings
            .peers
            .guild_url
            .clone()
            .map(|url| PeerClient::new("the guild service", url, None)),
        rules: settings.rules.clone(),
        outbox,
    });
    let content = events::consumer::start(
        bus.clone(),
        db.clone(),
        events::topics::CONTENT,
        CONSUMER_GROUP,
        Arc::new(consumer::ContentEvents),
    );
    let actors = events::consumer::start(
        bus.clone(),
        db.clone(),
        events::topics::ACTOR,
        CONSUMER_GROUP,
        Arc::new(consumer::ActorEvents),
    );
    let payments = events::consumer::start(
        bus.clone(),
        db.clone(),
        events::topics::PAYMENT,
        CONSUMER_GROUP,
        Arc::new(consumer::GrantEvents {
            inventory: inventory.clone(),
            event_type: "payment.grant_items",
            source: "payment",
        }),
    );
    let rewards = events::consumer::start(
        bus,
        db.clone(),
        events::topics::LIVE_EVENTS,
        CONSUMER_GROUP,
        Arc::new(consumer::GrantEvents {
            inventory: inventory.clone(),
            event_type: "live_event.reward_granted",
            source: "live_event",
        }),
    );
    let schema = graphql::schema(Some(inventory.clone()));
    let per_request =
        Arc::new(move |data: &mut async_graphql::Data| graphql::attach_loaders(data, &inventory));
    Ok(ServiceApp {
        router: server::app(GraphqlService {
            name: "inventory",
            schema,
            verifier,
            per_request,
            ready: Arc::new(db),
            internal_token,
            trusted_proxies,
        }),
        background: vec![relay, content, payments, rewards, actors],
    })
}

/// Serves the inventory service on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: InventorySettings,
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
