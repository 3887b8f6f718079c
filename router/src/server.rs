//! Starting Hive Router on an already bound listener.
//!
//! Hive's own `router_entrypoint` binds the configured address and installs a global
//! telemetry subscriber; embedded, we need neither: the listener is injected (tests bind
//! port 0, the all-in-one binary binds 4000) and logs go through the process's own
//! subscriber. The app below assembles Hive's public pieces in the order its entrypoint
//! does, so request handling is exactly Hive's, plus our GraphiQL page
//! ([`crate::graphiql`]) in front of Hive's routes when developer tools are on.

use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use hive_router::background_tasks::BackgroundTasksManager;
use hive_router::config::HiveRouterConfig;
use hive_router::ntex::web;
use hive_router::ntex::SharedCfg;
use hive_router::opentelemetry::metrics::MeterProvider;
use hive_router::pipeline::long_lived_client_limit::LongLivedClientLimitService;
use hive_router::pipeline::request_identifiers::RequestIdentifiersService;
use hive_router::pipeline::request_summary::RequestSummaryService;
use hive_router::pipeline::response_compression::ResponseCompressionService;
use hive_router::plugins::plugins_service::PluginService;
use hive_router::telemetry::metrics::setup::{build_meter_provider_from_config, MetricsSetup};
use hive_router::telemetry::{build_scope, PrometheusAttached, TelemetryContext};
use hive_router::tokio;
use hive_router::tokio::io::{AsyncReadExt, AsyncWriteExt};
use hive_router::{
    build_http_service_config, configure_app_from_config, configure_ntex_app,
    invoke_shutdown_hooks, RouterPaths,
};

use crate::config::RouterConfig;
use crate::{graphiql, plugins};

/// Stack of the router's threads (its system thread and every ntex worker). Hive
/// decodes request bodies and WebSocket messages with `sonic_rs`, whose parser recurses
/// once per nesting level without a limit (cloudwego/sonic-rs#239): with the default
/// 2 MiB, `variables` nested ~9 000 deep (a 24 KB body) overflowed the stack and killed
/// the process (found by `fuzz/`). 16 MiB holds the deepest document the 64 KB body
/// limit (`limits.max_request_body_size`) lets in, ~32 000 levels; raise both together.
pub const STACK_SIZE: usize = 16 << 20;

/// A router serving in its own thread.
pub struct RunningRouter {
    server: hive_router::ntex::server::Server,
    thread: Option<JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

impl RunningRouter {
    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Waits until the router has loaded its supergraph and answers `/readiness` with
    /// 200 (Hive loads the supergraph in the background after the socket is open).
    pub async fn wait_until_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if readiness_ok(self.addr).await {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("router at {} not ready after {timeout:?}", self.addr);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Stops accepting, lets in-flight requests finish, and joins the thread.
    pub async fn stop(mut self) {
        self.server.stop(true).await;
        if let Some(thread) = self.thread.take() {
            // The thread still drains Hive's background tasks; wait off the async workers.
            match tokio::task::spawn_blocking(move || thread.join()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => tracing::error!("router thread panicked"),
                Err(err) => tracing::error!(cause = %err, "router thread join failed"),
            }
        }
    }
}

/// One `GET /readiness`; any failure counts as not ready.
async fn readiness_ok(addr: std::net::SocketAddr) -> bool {
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /readiness HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut status = [0u8; 12];
        stream.read_exact(&mut status).await?;
        Ok::<_, std::io::Error>(&status == b"HTTP/1.1 200")
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), probe).await,
        Ok(Ok(true))
    )
}

/// Starts the router on `listener` with `config`. Returns once it is accepting; see
/// [`RunningRouter::wait_until_ready`] for "serving".
pub fn spawn(
    listener: std::net::TcpListener,
    config: RouterConfig,
) -> anyhow::Result<RunningRouter> {
    install_crypto_provider();
    let addr = listener.local_addr()?;
    let serve_graphiql = config.graphiql;
    let config: &'static HiveRouterConfig = config.hive.into_static();
    let (ready_tx, ready_rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("router".into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let runner = hive_router::ntex::rt::System::build()
                .name("chaos-router")
                .stack_size(STACK_SIZE)
                .build(hive_router::ntex::rt::DefaultRuntime);
            runner.block_on(async move {
                match start(listener, config, serve_graphiql).await {
                    Ok((server, mut background, shared, metrics)) => {
                        // The receiver lives until it gets a message, so this cannot fail.
                        let _ = ready_tx.send(Ok(server.clone()));
                        if let Err(err) = server.await {
                            tracing::error!(cause = %err, "router server failed");
                        }
                        background.graceful_shutdown().await;
                        invoke_shutdown_hooks(&shared).await;
                        if let Some(metrics) = metrics {
                            if let Err(err) = metrics.provider.shutdown() {
                                tracing::warn!(cause = %err, "router metrics shutdown failed");
                            }
                        }
                    }
                    Err(err) => {
                        let _ = ready_tx.send(Err(err));
                    }
                }
            });
        })?;
    let server = wait_for_start(&ready_rx)?;
    tracing::info!(%addr, "router listening");
    Ok(RunningRouter {
        server,
        thread: Some(thread),
        addr,
    })
}

/// Blocks until the router thread has started the server (or failed to). Starting loads
/// the JWKS (`prefetch`), possibly from a service of this very process (`chaos all`, the
/// tests): on a multi-threaded runtime the wait hands this worker's other tasks to
/// another thread, so that service keeps answering even with one worker. On a
/// current-thread runtime such a service could not answer; the router must then be
/// started from outside that runtime's tasks.
fn wait_for_start(
    ready: &mpsc::Receiver<anyhow::Result<hive_router::ntex::server::Server>>,
) -> anyhow::Result<hive_router::ntex::server::Server> {
    let receive = || {
        ready
            .recv()
            .map_err(|_| anyhow::anyhow!("router thread ended before starting"))?
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(receive)
        }
        _ => receive(),
    }
}

/// The router's HTTP clients need a process-wide rustls provider; install Hive's choice once.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(hive_router::init_rustls_crypto_provider);
}

type Started = (
    hive_router::ntex::server::Server,
    BackgroundTasksManager,
    Arc<hive_router::RouterSharedState>,
    // Lives as long as the server: it owns the meters behind `/metrics`.
    Option<MetricsSetup>,
);

async fn start(
    listener: std::net::TcpListener,
    config: &'static HiveRouterConfig,
    serve_graphiql: bool,
) -> anyhow::Result<Started> {
    // Metrics as Hive's entrypoint sets them up (`telemetry.metrics` in the config), minus
    // the global subscriber: a Prometheus exporter is served on the router's own port.
    let resource = hive_router::telemetry::build_resource(&config.telemetry)
        .map_err(|err| anyhow::anyhow!("router telemetry resource: {err}"))?;
    let metrics = build_meter_provider_from_config(&config.telemetry, resource)
        .map_err(|err| anyhow::anyhow!("router metrics: {err}"))?;
    let meter = metrics
        .as_ref()
        .map(|setup| setup.provider.meter_with_scope(build_scope()));
    let prometheus = metrics
        .as_ref()
        .and_then(|setup| setup.prometheus.as_ref())
        .map(|prometheus| PrometheusAttached {
            registry: prometheus.registry.clone(),
            endpoint: prometheus.path.clone(),
        });
    let telemetry = TelemetryContext::from_propagation_config_with_meter(
        &config.telemetry.tracing.propagation,
        &config.log,
        meter,
        false,
    );
    let mut background = BackgroundTasksManager::new();
    let (shared_state, schema_state) =
        configure_app_from_config(config, telemetry, &mut background, plugins::registry())
            .await
            .map_err(|err| anyhow::anyhow!("router initialisation failed: {err}"))?;
    let graphql_path = config.graphql_path().to_string();
    let paths = RouterPaths::new(
        graphql_path.clone(),
        config.websocket_path().map(str::to_string),
        None,
    );
    paths
        .detect_conflicts(&prometheus)
        .map_err(|err| anyhow::anyhow!("router paths conflict: {err}"))?;
    let long_lived = LongLivedClientLimitService::new(config);
    let compression = ResponseCompressionService::new(config);
    let app_shared = shared_state.clone();
    let mut server = web::HttpServer::new(async move || {
        web::App::new()
            .middleware(long_lived.clone())
            .middleware(PluginService::new(
                paths.clone(),
                prometheus.as_ref().map(|p| p.endpoint.clone()),
            ))
            .middleware(RequestSummaryService::new(&graphql_path))
            .middleware(RequestIdentifiersService)
            .middleware(compression.clone())
            .state(app_shared.clone())
            .state(schema_state.clone())
            .state(app_shared.telemetry_context.clone())
            .state(schema_state.callback_subscriptions.clone())
            // Before Hive's routes: its GraphQL route takes every method on the path.
            .configure(|m| {
                if serve_graphiql {
                    graphiql::configure(m, &graphql_path);
                }
            })
            .configure(|m| configure_ntex_app(m, &paths, prometheus.clone()))
    });
    if let Some(workers) = config.workers() {
        server = server.workers(workers.get());
    }
    let server = server
        .config(SharedCfg::new("CHAOS_ROUTER").add(build_http_service_config(config)))
        .shutdown_timeout(config.shutdown_timeout())
        .disable_signals()
        .listen(listener)?
        .run();
    Ok((server, background, shared_state, metrics))
}
