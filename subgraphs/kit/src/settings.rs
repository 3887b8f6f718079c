//! Layered configuration shared by every service: typed structs with documented
//! defaults, then an optional YAML file, then environment variables
//! `CHAOS_<SERVICE>__<SECTION>__<FIELD>` (e.g. `CHAOS_USERS__DATABASE__URL`).

use std::net::SocketAddr;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client_address::TrustedProxies;
use crate::secret::Secret;

/// Where a service listens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Socket address for `/graphql`, `/health` and `/ready`.
    pub listen: SocketAddr,
    /// Proxies (the router's network) whose `X-Forwarded-For` names the client, as a
    /// list or one comma-separated string of networks; default none: the TCP peer is
    /// the client (see [`crate::client_address`]).
    #[serde(default)]
    pub trusted_proxies: TrustedProxies,
}

/// The service's relational database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://user:pass@host/db`.
    pub url: Secret<String>,
    /// Largest connection pool size.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

fn default_max_connections() -> u32 {
    10
}

/// How a service verifies access tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The `iss` every token must carry.
    #[serde(default = "default_issuer")]
    pub issuer: String,
    /// The `aud` every token must carry.
    #[serde(default = "default_audience")]
    pub audience: String,
    /// Where the users service publishes its signing keys (JWKS).
    pub jwks_url: String,
    /// Where bans are read (every token of a banned player is refused).
    #[serde(default)]
    pub sanctions: SanctionSettings,
}

/// Where the sanction board (bans, global mutes) lives; see `sanctions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SanctionSettings {
    /// Redis URL shared by every replica of every service; without it, the board lives
    /// in this process (the embedded supergraph shares one board between its services).
    pub redis_url: Option<Secret<String>>,
    /// Prefix of the board's Redis keys (`<namespace>:sanctions:<user id>`), so several
    /// environments can share one Redis.
    pub namespace: String,
}

impl Default for SanctionSettings {
    fn default() -> Self {
        Self {
            redis_url: None,
            namespace: "chaos".to_string(),
        }
    }
}

/// Where a service's domain events go.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    /// Kafka bootstrap servers (`host:port,…`); without them, events stay in this
    /// process (the embedded default).
    pub kafka_bootstrap: Option<String>,
    /// Prefix of every topic and consumer-group name (e.g. `staging.`), so several
    /// environments can share one Kafka cluster without reading each other's events.
    #[serde(default)]
    pub namespace: String,
}

/// Where a service's live updates (subscriptions) fan out.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSettings {
    /// Redis URL shared by every replica; without it, updates reach only subscribers
    /// connected to the replica that made the change (fine for one process).
    pub redis_url: Option<Secret<String>>,
}

impl LiveSettings {
    /// The configured Redis URL, if any.
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url.as_ref().map(|url| url.expose().as_str())
    }
}

/// The other subgraphs a service asks directly, and the token of internal calls.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerSettings {
    /// The chaos subgraph's `/graphql` (actor lookups, see `directory`; effects and
    /// equipment for inventory). Empty for chaos itself.
    #[serde(default)]
    pub chaos_url: String,
    /// The guild subgraph's `/graphql` (inventory asks it for storage permissions).
    #[serde(default)]
    pub guild_url: Option<String>,
    /// The users subgraph's `/graphql` (anticheat applies sanctions to accounts there).
    #[serde(default)]
    pub users_url: Option<String>,
    /// The world subgraph's `/graphql` (chaos asks it for a cast's environment and to
    /// damage structures).
    #[serde(default)]
    pub world_url: Option<String>,
    /// The inventory subgraph's `/graphql` (chaos asks it to consume a cast's reagent).
    #[serde(default)]
    pub inventory_url: Option<String>,
    /// The shared token for internal calls between services (`peer`): presented by a
    /// caller, checked by the callee. Without it, internal fields refuse every call.
    #[serde(default)]
    pub internal_token: Option<Secret<String>>,
}

/// The issuer the users service signs as.
pub fn default_issuer() -> String {
    "chaos-users".to_string()
}

/// The audience of Chaos access tokens.
pub fn default_audience() -> String {
    "chaos".to_string()
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration for {service}: {source}")]
pub struct SettingsError {
    service: String,
    #[source]
    source: Box<config::ConfigError>,
}

/// Loads `T` for `service` from `file` (if given) and `CHAOS_<SERVICE>__…` variables.
pub fn load<T: DeserializeOwned>(service: &str, file: Option<&Path>) -> Result<T, SettingsError> {
    let prefix = format!("CHAOS_{}", service.to_ascii_uppercase());
    let mut builder = config::Config::builder();
    if let Some(file) = file {
        builder = builder.add_source(config::File::from(file).required(true));
    }
    builder
        .add_source(
            config::Environment::with_prefix(&prefix)
                .prefix_separator("__")
                .separator("__"),
        )
        .build()
        .and_then(|config| config.try_deserialize())
        .map_err(|source| SettingsError {
            service: service.to_string(),
            source: Box::new(source),
        })
}
