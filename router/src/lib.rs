//! The Chaos gateway: Hive Router embedded as a library. Query planning and execution
//! are Hive's; ours are the configuration (`router.config.yaml`), the plugins and how
//! the server is started (on an injected listener, so tests and the all-in-one binary
//! can run it on any port).
//!
//! - [`client_address`]: who the client is (trusted proxies only), told to the subgraphs
//!   as `X-Forwarded-For` (a plugin).
//! - [`config`]: loading `router.config.yaml` and applying per-environment overrides
//!   (supergraph file, subgraph URLs, JWKS URL, developer tools).
//! - [`graphiql`]: the GraphiQL page for developers, bundled at build time (`build.rs`,
//!   `graphiql/`) and embedded, so it needs no network.
//! - [`plugins`]: our Hive Router plugins.
//! - [`rate_limits`]: per-IP and per-player request limits (a plugin), shared through Redis.
//! - [`server`]: starting the router on a listener, in its own ntex runtime thread.

#![recursion_limit = "256"]

pub mod client_address;
pub mod config;
pub mod graphiql;
pub mod plugins;
pub mod rate_limits;
pub mod server;

pub use config::{load_config, RouterConfig, RouterOverrides};

/// Whether Hive Router builds its spans (`http.server`, `graphql.operation`,
/// `http.client`, …; on by default). Turn them off when the process exports no traces:
/// nothing would read them. With them on, the router continues a client's
/// `traceparent` and sends its own `http.client` span's context to each subgraph.
pub fn hive_spans(enabled: bool) {
    hive_router::telemetry::traces::set_tracing_enabled(enabled);
}
pub use server::{spawn, RunningRouter};
