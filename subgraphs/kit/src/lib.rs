//! What every Chaos subgraph shares, so each service crate holds only its own domain.
//!
//! Layout:
//! - [`settings`]: layered configuration (defaults → YAML file → `CHAOS_<SERVICE>__…` env vars).
//! - [`secret`]: a wrapper that keeps secrets out of logs.
//! - [`db`]: connecting to SQLite or PostgreSQL by URL and running a service's migrations.
//! - [`client_address`]: who the client behind a request is, believing `X-Forwarded-For`
//!   only from trusted proxies.
//! - [`auth`]: JWT claims, JWKS-backed verification (defense in depth behind the router)
//!   and the [`auth::Viewer`] every resolver authorizes against.
//! - [`directory`]: actor lookups (existence, owner, name) asked of the chaos subgraph.
//! - [`documents`]: JSON documents in collections with revisions and atomic batches
//!   (MongoDB, or SQLite embedded), and an outbox inside them.
//! - [`background`]: tasks beside the HTTP app (outbox relays, consumers), stopped with it.
//! - [`dataloader`]: the shared DataLoader error and lookup.
//! - [`events`]: domain events: envelope, bus (in-process, Kafka), transactional outbox,
//!   idempotent consumers.
//! - [`error`]: the [`error::ErrorCode`] contract that turns service errors into GraphQL
//!   errors with a stable `code` extension, masking internal failures.
//! - [`peer`]: GraphQL calls between services, and the internal token guarding
//!   `@inaccessible` internal fields.
//! - [`pagination`]: opaque, stable cursors (timestamp + id) and page-size bounds.
//! - [`pubsub`]: live fan-out to subscribers on every replica (in-process or Redis).
//! - [`sanctions`]: bans and global mutes every service enforces (in-process or Redis).
//! - [`server`]: the axum app around a federated schema: `/graphql`, `/health`,
//!   `/ready`, per-request data (auth, client IP, DataLoaders), graceful serving.
//! - [`sdl`]: exporting a subgraph's federated SDL the way the composer expects it.
//! - [`telemetry`]: tracing subscriber setup.
//! - [`trace`]: W3C trace context carried from requests into events and on through consumers.
//! - [`testing`]: GraphQL HTTP and `graphql-transport-ws` clients and throwaway
//!   databases for tests. Compiled in every build, not behind a feature: the tests and
//!   `cargo run` then share one build of every crate (a feature the tests switch on
//!   would give every subgraph a second build).

pub mod auth;
pub mod background;
pub mod client_address;
pub mod dataloader;
pub mod db;
pub mod directory;
pub mod documents;
pub mod error;
pub mod events;
pub mod metrics;
pub mod pagination;
pub mod peer;
pub mod pubsub;
pub mod sanctions;
pub mod sdl;
pub mod secret;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod testing;
pub mod trace;

pub use auth::{ContextAuthExt, Viewer};
pub use error::{ApiResult, ErrorCode, KitError};

/// Parses a GraphQL `ID` holding a UUID; anything else is `BAD_USER_INPUT`.
pub fn parse_id(id: &async_graphql::ID) -> Result<uuid::Uuid, KitError> {
    id.parse::<uuid::Uuid>()
        .map_err(|_| KitError::BadUserInput(format!("`{}` is not a valid id", id.as_str())))
}
