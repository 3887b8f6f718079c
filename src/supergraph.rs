//! The whole supergraph in one process: users and chaos subgraphs on their listeners,
//! then the router pointed at them. Used by `cargo run --release` and by the tests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chaos_router::{RouterOverrides, RunningRouter};
use chaos_subgraph::ChaosSettings;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::outbox::RelayHandle;
use subgraph_kit::events::EventBus;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use users_subgraph::{SigningKeys, UsersSettings};

/// How long the router may take to load the supergraph at start.
const ROUTER_READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What to start.
pub struct SupergraphConfig {
    /// Users subgraph settings (its `server.listen` is ignored: the listener is injected).
    pub users: UsersSettings,
    /// Chaos subgraph settings (`server.listen` and `auth.jwks_url` are set here).
    pub chaos: ChaosSettings,
    /// The users signing key.
    pub signing_keys: Arc<SigningKeys>,
    /// The domain event bus shared by the services.
    pub bus: Arc<dyn EventBus>,
    /// `router/router.config.yaml`.
    pub router_config: PathBuf,
    /// `schema/supergraph.graphql`.
    pub supergraph: PathBuf,
}

/// Bound sockets for every part.
pub struct Listeners {
    /// The router's (clients connect here).
    pub router: std::net::TcpListener,
    /// The users subgraph's.
    pub users: tokio::net::TcpListener,
    /// The chaos subgraph's.
    pub chaos: tokio::net::TcpListener,
}

impl Listeners {
    /// Binds every part on `host`, the router on `router_port` and the subgraphs on
    /// `router_port + 1`, `+ 2` (port 0: any free ports).
    pub async fn bind(host: &str, router_port: u16) -> std::io::Result<Self> {
        let next = |offset: u16| {
            if router_port == 0 {
                0
            } else {
                router_port + offset
            }
        };
        let router = std::net::TcpListener::bind((host, router_port))?;
        router.set_nonblocking(true)?;
        Ok(Self {
            router,
            users: tokio::net::TcpListener::bind((host, next(1))).await?,
            chaos: tokio::net::TcpListener::bind((host, next(2))).await?,
        })
    }
}

/// A running supergraph.
pub struct RunningSupergraph {
    router: RunningRouter,
    /// Where each subgraph listens.
    pub subgraphs: BTreeMap<&'static str, SocketAddr>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
    relays: Vec<RelayHandle>,
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

    /// Stops the router, then the subgraphs, letting in-flight requests finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.router.stop().await;
        // Receivers live as long as the subgraph tasks; a send error means they ended.
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            task.await??;
        }
        for relay in self.relays {
            relay.stop().await;
        }
        Ok(())
    }
}

/// Starts the subgraphs, then the router in front of them.
pub async fn start(
    config: SupergraphConfig,
    listeners: Listeners,
) -> anyhow::Result<RunningSupergraph> {
    let users_addr = listeners.users.local_addr()?;
    let chaos_addr = listeners.chaos.local_addr()?;
    let jwks_url = format!("http://{users_addr}{}", users_subgraph::JWKS_PATH);
    let (shutdown, stopped) = watch::channel(false);
    let until_stopped = |mut stopped: watch::Receiver<bool>| async move {
        // Either the flag flips or the sender is gone: both mean stop.
        let _ = stopped.wait_for(|stop| *stop).await;
    };

    let users_app = users_subgraph::app(config.users, config.signing_keys).await?;
    let mut chaos_settings = config.chaos;
    chaos_settings.auth.jwks_url = jwks_url.clone();
    let verifier = JwtVerifier::remote(&chaos_settings.auth);
    let chaos = chaos_subgraph::app(chaos_settings, verifier, config.bus).await?;
    let chaos_app = chaos.router;

    let tasks = vec![
        tokio::spawn({
            let stop = until_stopped(stopped.clone());
            async move { Ok(subgraph_kit::server::serve(listeners.users, users_app, stop).await?) }
        }),
        tokio::spawn({
            let stop = until_stopped(stopped.clone());
            async move { Ok(subgraph_kit::server::serve(listeners.chaos, chaos_app, stop).await?) }
        }),
    ];

    let overrides = RouterOverrides {
        supergraph_path: Some(config.supergraph),
        subgraph_urls: BTreeMap::from([
            ("users".to_string(), format!("http://{users_addr}/graphql")),
            ("chaos".to_string(), format!("http://{chaos_addr}/graphql")),
        ]),
        jwks_url: Some(jwks_url),
    };
    let router_config = chaos_router::load_config(&config.router_config, &overrides)?;
    let router = chaos_router::spawn(listeners.router, router_config)?;
    router.wait_until_ready(ROUTER_READY_TIMEOUT).await?;
    Ok(RunningSupergraph {
        router,
        subgraphs: BTreeMap::from([("users", users_addr), ("chaos", chaos_addr)]),
        shutdown,
        tasks,
        relays: vec![chaos.relay],
    })
}
