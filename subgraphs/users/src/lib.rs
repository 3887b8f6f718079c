//! The users subgraph: accounts, login, sessions and the keys that sign access tokens.
//!
//! - [`settings`]: configuration (token lifetimes, lockout policy, signing key, bootstrap admin).
//! - `keys`: the Ed25519 signing key, its `kid` and the published JWKS.
//! - `passwords`: Argon2id hashing with OWASP's minimum parameters.
//! - `service`: register, login (with per-account and per-IP lockout), refresh-token
//!   rotation with reuse detection, logout; one DB transaction per command.
//! - `account_sanctions`: bans and global mutes applied by anticheat (internal
//!   mutations), published on the kit's sanction board every service enforces.
//! - `graphql`: the federated schema (`User @key(fields: "id")`), thin resolvers.
//! - `error`: [`UsersError`], each variant with a stable code.
//!
//! [`app`] builds the service as an axum `Router`; [`run`] serves it on a bound listener.

mod account_sanctions;
mod error;
mod graphql;
mod keys;
mod passwords;
mod service;
pub mod settings;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::sanctions::SanctionBoard;
use subgraph_kit::server::{self, GraphqlService};

pub use error::UsersError;
pub use graphql::{schema, UsersSchema};
pub use keys::SigningKeys;
pub use settings::UsersSettings;

/// Path of the published signing keys.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// Connects the database, runs migrations and builds the app signing with `keys`,
/// publishing sanctions on the board `settings.sanctions` configures (Redis, else one
/// of its own in this process).
pub async fn app(settings: UsersSettings, keys: Arc<SigningKeys>) -> anyhow::Result<Router> {
    let board = SanctionBoard::from_settings(&settings.sanctions).await?;
    app_with_sanctions(settings, keys, board).await
}

/// Like [`app`], publishing sanctions on `board` (the embedded supergraph passes the
/// board its shared verifier reads).
pub async fn app_with_sanctions(
    settings: UsersSettings,
    keys: Arc<SigningKeys>,
    board: SanctionBoard,
) -> anyhow::Result<Router> {
    let db =
        subgraph_kit::db::connect_and_migrate::<migrations::users::Migrator>(&settings.database)
            .await?;
    app_with(db, keys, Arc::new(settings), board).await
}

/// Builds the app from an open database. Copies the bans and mutes in force to `board`
/// first, so a fresh board knows them.
pub async fn app_with(
    db: DatabaseConnection,
    keys: Arc<SigningKeys>,
    settings: Arc<UsersSettings>,
    board: SanctionBoard,
) -> anyhow::Result<Router> {
    let trusted_proxies = settings.server.trusted_proxies.clone();
    service::ensure_bootstrap_admin(&db, &settings).await?;
    let published =
        account_sanctions::publish_active(&db, &board, settings.tokens.access_token_ttl_secs)
            .await?;
    if published > 0 {
        tracing::info!(accounts = published, "sanctions in force published");
    }
    let verifier = JwtVerifier::with_keys(
        keys.jwks(),
        &settings.tokens.issuer,
        &settings.tokens.audience,
    )
    .with_sanctions(board.clone());
    let jwks = keys.jwks();
    let internal_token = settings.peers.internal_token.clone();
    let schema = graphql::schema(Some(graphql::Deps {
        db: db.clone(),
        keys,
        settings,
        board,
    }));
    let service = GraphqlService {
        name: "users",
        schema,
        verifier,
        per_request: Arc::new(|_| {}),
        ready: Arc::new(db),
        internal_token,
        trusted_proxies,
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
