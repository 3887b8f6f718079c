//! The whole supergraph in one process: every subgraph on its listener, then the router
//! pointed at them. Used by `cargo run` and by the tests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use analytics_subgraph::AnalyticsSettings;
use anticheat_subgraph::AnticheatSettings;
use chaos_router::{RouterOverrides, RunningRouter};
use chaos_subgraph::ChaosSettings;
use chat_subgraph::ChatSettings;
use content_subgraph::ContentSettings;
use events_subgraph::EventsSettings;
use guild_subgraph::GuildSettings;
use inventory_subgraph::InventorySettings;
use matchmaking_subgraph::MatchmakingSettings;
use notifications_subgraph::NotificationsSettings;
use payment_subgraph::PaymentSettings;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::client_address::TrustedProxies;
use subgraph_kit::events::EventBus;
use subgraph_kit::sanctions::SanctionBoard;
use subgraph_kit::server::ServiceApp;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use users_subgraph::{SigningKeys, UsersSettings};
use world_subgraph::WorldSettings;

/// How long the router may take to load the supergraph at start.
const ROUTER_READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The subgraphs, in port order: the router takes the base port, subgraph `i` the base
/// port + `i + 1`.
pub const SUBGRAPHS: [&str; 13] = [
    "users",
    "chaos",
    "chat",
    "guild",
    "notifications",
    "inventory",
    "content",
    "payment",
    "world",
    "anticheat",
    "matchmaking",
    "events",
    "analytics",
];

/// What to start. Each service's `server.listen` is ignored (listeners are injected),
/// and its JWKS and peer URLs are pointed at the other services started here.
pub struct SupergraphConfig {
    /// Users subgraph settings.
    pub users: UsersSettings,
    /// Chaos subgraph settings.
    pub chaos: ChaosSettings,
    /// Chat subgraph settings.
    pub chat: ChatSettings,
    /// Guild subgraph settings.
    pub guild: GuildSettings,
    /// Notifications subgraph settings.
    pub notifications: NotificationsSettings,
    /// Inventory subgraph settings.
    pub inventory: InventorySettings,
    /// Content subgraph settings.
    pub content: ContentSettings,
    /// Payment subgraph settings.
    pub payment: PaymentSettings,
    /// World subgraph settings.
    pub world: WorldSettings,
    /// Anticheat subgraph settings.
    pub anticheat: AnticheatSettings,
    /// Matchmaking subgraph settings.
    pub matchmaking: MatchmakingSettings,
    /// Events subgraph settings.
    pub events: EventsSettings,
    /// Analytics subgraph settings.
    pub analytics: AnalyticsSettings,
    /// The users signing key.
    pub signing_keys: Arc<SigningKeys>,
    /// The domain event bus shared by the services.
    pub bus: Arc<dyn EventBus>,
    /// `router/router.config.yaml`.
    pub router_config: PathBuf,
    /// `schema/supergraph.graphql`.
    pub supergraph: PathBuf,
    /// Introspection and GraphiQL on at the router (the file keeps them off).
    pub developer_tools: bool,
    /// The router's rate limits instead of the file's (`chaos_rate_limits` plugin).
    pub rate_limits: Option<serde_json::Value>,
    /// Allow-list mode at the router: only this manifest's operations run.
    pub persisted_documents: Option<PathBuf>,
    /// The load balancers in front of the router instead of the file's
    /// (`CHAOS_TRUSTED_PROXIES`): whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Option<String>,
}

/// Bound sockets for every part.
pub struct Listeners {
    /// The router's (clients connect here).
    pub router: std::net::TcpListener,
    /// Each subgraph's, by name.
    pub subgraphs: BTreeMap<&'static str, tokio::net::TcpListener>,
}

impl Listeners {
    /// Binds every part on `host`: the router on `router_port`, the subgraphs on the
    /// ports after it in [`SUBGRAPHS`] order (port 0: any free ports).
    pub async fn bind(host: &str, router_port: u16) -> std::io::Result<Self> {
        let router = std::net::TcpListener::bind((host, router_port))?;
        router.set_nonblocking(true)?;
        let mut subgraphs = BTreeMap::new();
        for (offset, name) in (1..).zip(SUBGRAPHS) {
            let port = if router_port == 0 {
                0
            } else {
                router_port + offset
            };
            subgraphs.insert(name, tokio::net::TcpListener::bind((host, port)).await?);
        }
        Ok(Self { router, subgraphs })
    }

    fn take(&mut self, name: &str) -> anyhow::Result<tokio::net::TcpListener> {
        self.subgraphs
            .remove(name)
            .ok_or_else(|| anyhow::anyhow!("no listener for subgraph {name}"))
    }
}

/// A running supergraph.
pub struct RunningSupergraph {
    router: RunningRouter,
    /// What the router was started with, for more replicas.
    router_config: PathBuf,
    router_overrides: RouterOverrides,
    /// Where each subgraph listens.
    pub subgraphs: BTreeMap<&'static str, SocketAddr>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
}

impl RunningSupergraph {
    /// The router's address.
    pub fn router_addr(&self) -> SocketAddr {
        self.router.addr()
    }

    /// `http://…/graphql` of the router.
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.router_addr())
    }

    /// Starts another router over the same subgraphs, configured as the first (as a
    /// second replica behind a load balancer would be); stop it before [`Self::stop`].
    pub async fn spawn_router_replica(&self) -> anyhow::Result<RunningRouter> {
        let config = chaos_router::load_config(&self.router_config, &self.router_overrides)?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let router = chaos_router::spawn(listener, config)?;
        router.wait_until_ready(ROUTER_READY_TIMEOUT).await?;
        Ok(router)
    }

    /// Stops the router, then the subgraphs (letting in-flight requests finish) and
    /// their background work.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.router.stop().await;
        // Receivers live as long as the subgraph tasks; a send error means they ended.
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            task.await??;
        }
        Ok(())
    }
}

/// Starts the subgraphs, then the router in front of them.
pub async fn start(
    config: SupergraphConfig,
    mut listeners: Listeners,
) -> anyhow::Result<RunningSupergraph> {
    let addrs: BTreeMap<&'static str, SocketAddr> = listeners
        .subgraphs
        .iter()
        .map(|(name, listener)| Ok((*name, listener.local_addr()?)))
        .collect::<std::io::Result<_>>()?;
    let url = |name: &str| format!("http://{}/graphql", addrs[name]);
    let jwks_url = format!("http://{}{}", addrs["users"], users_subgraph::JWKS_PATH);
    let chaos_url = url("chaos");

    // Internal calls between the services of this process (inventory → chaos, chaos →
    // world and inventory) carry a token made for this run.
    let internal_token = Some(subgraph_kit::secret::Secret::new(
        uuid::Uuid::new_v4().simple().to_string(),
    ));

    let mut chaos = config.chaos;
    chaos.auth.jwks_url = jwks_url.clone();
    chaos.peers.internal_token = internal_token.clone();
    chaos.peers.world_url = Some(url("world"));
    chaos.peers.inventory_url = Some(url("inventory"));
    let mut chat = config.chat;
    chat.auth.jwks_url = jwks_url.clone();
    chat.peers.chaos_url = chaos_url.clone();
    let mut guild = config.guild;
    guild.auth.jwks_url = jwks_url.clone();
    guild.peers.chaos_url = chaos_url.clone();
    let mut notifications = config.notifications;
    notifications.auth.jwks_url = jwks_url.clone();
    let mut inventory = config.inventory;
    inventory.auth.jwks_url = jwks_url.clone();
    inventory.peers.chaos_url = chaos_url.clone();
    inventory.peers.guild_url = Some(url("guild"));
    inventory.peers.internal_token = internal_token.clone();
    let mut world = config.world;
    world.auth.jwks_url = jwks_url.clone();
    world.peers.chaos_url = chaos_url.clone();
    world.peers.guild_url = Some(url("guild"));
    world.peers.internal_token = internal_token.clone();
    let mut anticheat = config.anticheat;
    anticheat.auth.jwks_url = jwks_url.clone();
    anticheat.peers.chaos_url = chaos_url.clone();
    anticheat.peers.users_url = Some(url("users"));
    anticheat.peers.internal_token = internal_token.clone();
    let mut matchmaking = config.matchmaking;
    matchmaking.auth.jwks_url = jwks_url.clone();
    matchmaking.peers.chaos_url = chaos_url.clone();
    let mut live_events = config.events;
    live_events.auth.jwks_url = jwks_url.clone();
    live_events.peers.chaos_url = chaos_url.clone();
    let mut analytics = config.analytics;
    analytics.auth.jwks_url = jwks_url.clone();
    let mut users = config.users;
    users.peers.internal_token = internal_token;
    let mut content = config.content;
    content.auth.jwks_url = jwks_url.clone();
    let mut payment = config.payment;
    payment.auth.jwks_url = jwks_url.clone();
    payment.peers.chaos_url = chaos_url;
    // The router calls every subgraph from this process, over loopback: the subgraphs
    // believe the client address it forwards (and only from there).
    for server in [
        &mut chaos.server,
        &mut chat.server,
        &mut guild.server,
        &mut notifications.server,
        &mut inventory.server,
        &mut world.server,
        &mut anticheat.server,
        &mut matchmaking.server,
        &mut live_events.server,
        &mut analytics.server,
        &mut users.server,
        &mut content.server,
        &mut payment.server,
    ] {
        server.trusted_proxies = TrustedProxies::loopback();
    }
    // One verifier (one JWKS cache) and one sanction board (bans refuse every token of
    // the player at once) for every service in this process.
    let board = SanctionBoard::from_settings(&chaos.auth.sanctions).await?;
    let verifier = JwtVerifier::remote(&chaos.auth).with_sanctions(board.clone());
    let bus = config.bus;

    let apps: Vec<(&'static str, ServiceApp)> = vec![
        (
            "users",
            ServiceApp {
                router: users_subgraph::app_with_sanctions(users, config.signing_keys, board)
                    .await?,
                background: Vec::new(),
            },
        ),
        (
            "chaos",
            chaos_subgraph::app(chaos, verifier.clone(), bus.clone()).await?,
        ),
        (
            "chat",
            chat_subgraph::app(chat, verifier.clone(), bus.clone()).await?,
        ),
        (
            "guild",
            guild_subgraph::app(guild, verifier.clone(), bus.clone()).await?,
        ),
        (
            "notifications",
            notifications_subgraph::app(notifications, verifier.clone(), bus.clone()).await?,
        ),
        (
            "inventory",
            inventory_subgraph::app(inventory, verifier.clone(), bus.clone()).await?,
        ),
        (
            "content",
            content_subgraph::app(content, verifier.clone(), bus.clone()).await?,
        ),
        (
            "payment",
            payment_subgraph::app(payment, verifier.clone(), bus.clone()).await?,
        ),
        (
            "world",
            world_subgraph::app(world, verifier.clone(), bus.clone()).await?,
        ),
        (
            "anticheat",
            anticheat_subgraph::app(anticheat, verifier.clone(), bus.clone()).await?,
        ),
        (
            "matchmaking",
            matchmaking_subgraph::app(matchmaking, verifier.clone(), bus.clone()).await?,
        ),
        (
            "events",
            events_subgraph::app(live_events, verifier.clone(), bus.clone()).await?,
        ),
        (
            "analytics",
            analytics_subgraph::app(analytics, verifier, bus).await?,
        ),
    ];

    let (shutdown, stopped) = watch::channel(false);
    let mut tasks = Vec::with_capacity(apps.len());
    for (name, app) in apps {
        let listener = listeners.take(name)?;
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            // Either the flag flips or the sender is gone: both mean stop.
            let stop = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            Ok(app.serve(listener, stop).await?)
        }));
    }

    let overrides = RouterOverrides {
        supergraph_path: Some(config.supergraph),
        subgraph_urls: SUBGRAPHS
            .iter()
            .map(|name| (name.to_string(), url(name)))
            .collect(),
        jwks_url: Some(jwks_url),
        developer_tools: config.developer_tools,
        rate_limits: config.rate_limits,
        persisted_documents: config.persisted_documents,
        trusted_proxies: config.trusted_proxies,
    };
    let router_config = chaos_router::load_config(&config.router_config, &overrides)?;
    chaos_router::hive_spans(subgraph_kit::telemetry::traces_enabled());
    let router = chaos_router::spawn(listeners.router, router_config)?;
    router.wait_until_ready(ROUTER_READY_TIMEOUT).await?;
    Ok(RunningSupergraph {
        router,
        router_config: config.router_config,
        router_overrides: overrides,
        subgraphs: addrs,
        shutdown,
        tasks,
    })
}
