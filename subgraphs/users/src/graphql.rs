//! The federated schema of the users subgraph. Resolvers are thin: they read the
//! viewer and arguments and call [`crate::service`].

use std::sync::Arc;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, EmptySubscription, Object, Schema, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use subgraph_kit::auth::SCOPE_ADMIN;
use subgraph_kit::pagination::{forward_page, Cursor, PageLimits};
use subgraph_kit::peer::require_internal;
use subgraph_kit::sanctions::SanctionBoard;
use subgraph_kit::sdl::authenticated;
use subgraph_kit::server::ClientIp;
use subgraph_kit::{parse_id, ApiResult, ContextAuthExt, KitError};

use entities::users::user;

use crate::account_sanctions::{self, SanctionKind, SanctionRequest};
use crate::keys::SigningKeys;
use crate::service;
use crate::settings::UsersSettings;

/// The executable users schema.
pub type UsersSchema = Schema<Query, Mutation, EmptySubscription>;

/// What resolvers need, stored in the schema's data.
pub struct Deps {
    /// The users database.
    pub db: DatabaseConnection,
    /// The token signing key.
    pub keys: Arc<SigningKeys>,
    /// Service settings.
    pub settings: Arc<UsersSettings>,
    /// Where bans and mutes are published for every service.
    pub board: SanctionBoard,
}

/// Builds the schema; `deps` is `None` only for exporting the SDL.
pub fn schema(deps: Option<Deps>) -> UsersSchema {
    let builder = Schema::build(Query, Mutation, EmptySubscription).enable_federation();
    match deps {
        Some(deps) => builder.data(deps).finish(),
        None => builder.finish(),
    }
}

const USER_PAGES: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

fn deps<'a>(ctx: &Context<'a>) -> &'a Deps {
    ctx.data_unchecked::<Deps>()
}

/// A registered account.
pub struct User(user::Model);

/// An account (federated entity; other subgraphs extend it, e.g. `actors`).
#[Object]
impl User {
    /// Account id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Display username.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// Email; visible only to the account itself and admins.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        let viewer = ctx.maybe_viewer()?;
        (viewer.user_id == self.0.id || viewer.has_scope(SCOPE_ADMIN))
            .then_some(self.0.email.as_str())
    }

    /// Roles, issued as token scopes (`player`, `admin`).
    async fn roles(&self) -> Vec<&str> {
        self.0.roles.split_whitespace().collect()
    }

    /// Registration time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Tokens returned by `login` and `refresh`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Access JWT for `Authorization: Bearer …`.
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
    /// Opaque refresh token; rotates on every `refresh`.
    refresh_token: String,
    /// When the refresh token expires.
    refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in account.
    user: User,
}

impl From<service::IssuedTokens> for AuthPayload {
    fn from(tokens: service::IssuedTokens) -> Self {
        AuthPayload {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token,
            refresh_token_expires_at: tokens.refresh_token_expires_at,
            user: User(tokens.user),
        }
    }
}

/// Queries of the users subgraph.
pub struct Query;

#[Object]
impl Query {
    /// The signed-in account.
    #[graphql(directive = authenticated::apply())]
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        let viewer = ctx.viewer()?;
        let found = service::users_by_ids(&deps(ctx).db, &[viewer.user_id]).await?;
        let account = found.into_iter().next().ok_or(KitError::Unauthenticated)?;
        Ok(User(account))
    }

    /// Every account, oldest first (admins only).
    #[graphql(requires_scopes = "admin")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, User, EmptyFields, EmptyFields>> {
        ctx.viewer()?.require_scope(SCOPE_ADMIN)?;
        let limit = USER_PAGES.size(first)?;
        let after = after.as_deref().map(Cursor::decode).transpose()?;
        let rows = service::list_users(&deps(ctx).db, after, limit + 1).await?;
        Ok(forward_page(
            rows,
            limit,
            after.is_some(),
            |row| Cursor {
                at_ms: row.created_at.timestamp_millis(),
                id: row.id,
            },
            User,
        ))
    }

    /// Resolves `User` references from other subgraphs.
    #[graphql(entity)]
    async fn find_user_by_id(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<User>> {
        let id = parse_id(&id)?;
        let found = service::users_by_ids(&deps(ctx).db, &[id]).await?;
        Ok(found.into_iter().next().map(User))
    }
}

/// Mutations of the users subgraph.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates a player account. Usernames are 3-20 letters, digits or underscores;
    /// passwords 8-128 characters.
    async fn register(
        &self,
        ctx: &Context<'_>,
        username: String,
        email: String,
        password: String,
    ) -> ApiResult<User> {
        let input = service::validate_registration(&username, &email, &password)?;
        Ok(User(service::register(&deps(ctx).db, input).await?))
    }

    /// Signs in with username (or email) and password. Repeated failures lock the
    /// account (`ACCOUNT_LOCKED`) and the client address (`TOO_MANY_LOGIN_ATTEMPTS`).
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> ApiResult<AuthPayload> {
        let deps = deps(ctx);
        let ip = ctx
            .data_opt::<ClientIp>()
            .and_then(|ip| ip.0)
            .map(|ip| ip.to_string());
        let tokens = service::login(
            &deps.db,
            &deps.keys,
            &deps.settings,
            &username,
            &password,
            ip,
        )
        .await;
        let outcome = if tokens.is_ok() { "ok" } else { "refused" };
        subgraph_kit::metrics::LOGINS
            .with_label_values(&[outcome])
            .inc();
        Ok(tokens?.into())
    }

    /// Exchanges a refresh token for a new access token and a new refresh token. Using
    /// a refresh token twice revokes its whole session (`REFRESH_TOKEN_REUSED`).
    async fn refresh(&self, ctx: &Context<'_>, refresh_token: String) -> ApiResult<AuthPayload> {
        let deps = deps(ctx);
        Ok(
            service::refresh(&deps.db, &deps.keys, &deps.settings, &refresh_token)
                .await?
                .into(),
        )
    }

    /// Ends the session of a refresh token. `false` if it had already ended.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> ApiResult<bool> {
        Ok(service::logout(&deps(ctx).db, &refresh_token).await?)
    }

    /// Ends every session of the signed-in account; returns how many were active.
    #[graphql(directive = authenticated::apply())]
    async fn logout_all(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let viewer = ctx.viewer()?;
        Ok(service::logout_all(&deps(ctx).db, viewer).await?)
    }

    /// Internal (anticheat): bans or mutes an account until `until` (`null`: for good),
    /// once per `sanctionId`. A ban revokes every session of the account and makes every
    /// service refuse its access tokens. `true` when this call applied it, `false` for
    /// a replay.
    #[graphql(inaccessible)]
    async fn apply_account_sanction(
        &self,
        ctx: &Context<'_>,
        sanction_id: ID,
        user_id: ID,
        kind: SanctionKind,
        until: Option<DateTime<Utc>>,
        reason: String,
    ) -> ApiResult<bool> {
        require_internal(ctx)?;
        let deps = deps(ctx);
        let request = SanctionRequest {
            sanction_id: parse_id(&sanction_id)?,
            user_id: parse_id(&user_id)?,
            kind,
            until,
            reason,
        };
        Ok(account_sanctions::apply(&deps.db, &deps.board, request).await?)
    }

    /// Internal (anticheat): lifts an account's ban or mute; `false` if none was in
    /// force. Access tokens issued before a ban stay refused.
    #[graphql(inaccessible)]
    async fn lift_account_sanction(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        kind: SanctionKind,
    ) -> ApiResult<bool> {
        require_internal(ctx)?;
        let deps = deps(ctx);
        Ok(account_sanctions::lift(&deps.db, &deps.board, parse_id(&user_id)?, kind).await?)
    }
}
