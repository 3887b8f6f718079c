//! The users subgraph: accounts, login, sessions and the keys that sign access tokens.
//!
//! - [`settings`]: configuration (token lifetimes, lockout policy, signing key, bootstrap admin).
//! - `keys`: the Ed25519 signing key, its `kid` and the published JWKS.
//! - `passwords`: Argon2id hashing with OWASP's minimum parameters.
//! - `service`: register, login (with per-account and per-IP lockout), refresh-token
//!   rotation with reuse detection, logout; one DB transaction per command.
//! - `graphql`: the federated schema (`User @key(fields: "id")`), thin resolvers.
//! - `error`: [`UsersError`], each variant with a stable code.
//!
//! [`app`] builds the service as an axum `Router`; [`run`] serves it on a bound listener.

mod error;
mod graphql;
mod keys;
mod passwords;
mod service;
pub mod settings;

use std::future::Future;
use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::server::{self, GraphqlService};

pub use error::UsersError;
pub use graphql::{schema, UsersSchema};
pub use keys::SigningKeys;
pub use settings::UsersSettings;

/// Path of the published signing keys.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// Connects the database, runs migrations and builds the app signing with `keys`.
pub async fn app(settings: UsersSettings, keys: Arc<SigningKeys>) -> anyhow::Result<Router> {
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::users::Migrator>(&settings.database)
            .await?;
    app_with(db, keys, Arc::new(settings)).await
}

/// Builds the app from an open database.
pub async fn app_with(
    db: DatabaseConnection,
    keys: Arc<SigningKeys>,
    settings: Arc<UsersSettings>,
) -> anyhow::Result<Router> {
    service::ensure_bootstrap_admin(&db, &settings).await?;
    let verifier = JwtVerifier::with_keys(
        keys.jwks(),
        &settings.tokens.issuer,
        &settings.tokens.audience,
    );
    let jwks = keys.jwks();
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        keys,
        settings,
    }));
    let service = GraphqlService {
        schema,
        verifier,
        per_request: Arc::new(|_| {}),
        ready: Arc::new(db),
        internal_token: None,
    };
    Ok(server::app(service).route(JWKS_PATH, get(move || async move { Json(jwks.clone()) })))
}

/// Serves the users subgraph on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    settings: UsersSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let keys = Arc::new(SigningKeys::load_or_generate(
        settings.tokens.signing_key_path.as_deref(),
    )?);
    let app = app(settings, keys).await?;
    server::serve(listener, app, shutdown).await?;
    Ok(())
}
