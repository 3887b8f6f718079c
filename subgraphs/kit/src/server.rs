//! The HTTP face of a subgraph: `/graphql` (POST, and `graphql-transport-ws` upgrades
//! on GET), `/health` and `/ready`. Every request gets its [`Authentication`], the
//! client IP and whatever per-request data (DataLoaders) the service adds.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, ObjectType, Schema, SubscriptionType};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::{ConnectInfo, FromRequest, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::future::BoxFuture;
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use crate::auth::{bearer_token, Authentication, JwtVerifier};
use crate::background::BackgroundTask;
use crate::client_address::{TrustedProxies, FORWARDED_FOR};
use crate::error::{graphql_error, KitError};
use crate::peer::{self, InternalCaller};
use crate::secret::Secret;

/// Adds per-request data (typically fresh DataLoaders) to an HTTP request's data, or
/// to a WebSocket connection's data (loaders batch but do not cache, so one set per
/// connection is as fresh as one per request).
pub type PerRequestData = Arc<dyn Fn(&mut Data) + Send + Sync>;

/// The client address as the subgraph best knows it: what a trusted proxy (the router)
/// says in `X-Forwarded-For`, else the TCP peer ([`crate::client_address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

/// What `/ready` checks: the engines a service cannot serve without.
pub trait ReadyCheck: Send + Sync {
    /// `Ok` when the engine answers, else why not.
    fn check(&self) -> BoxFuture<'_, Result<(), String>>;
}

impl ReadyCheck for DatabaseConnection {
    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { crate::db::ping(self).await.map_err(|err| err.to_string()) })
    }
}

/// Everything the HTTP layer needs to serve one subgraph.
pub struct GraphqlService<Q, M, S> {
    /// The service's name (metrics label).
    pub name: &'static str,
    /// The executable schema.
    pub schema: Schema<Q, M, S>,
    /// Verifies access tokens.
    pub verifier: Arc<JwtVerifier>,
    /// Adds per-request data.
    pub per_request: PerRequestData,
    /// Checked by `/ready` (usually the service's database).
    pub ready: Arc<dyn ReadyCheck>,
    /// The token other services present to call `@inaccessible` internal fields; `None`
    /// refuses every internal call.
    pub internal_token: Option<Secret<String>>,
    /// Whose `X-Forwarded-For` names the client ([`ClientIp`]); the service's
    /// `server.trusted_proxies`.
    pub trusted_proxies: TrustedProxies,
}

/// A federated schema (with its `Subscription` type exported in `_service.sdl`, which
/// async-graphql leaves out by default), holding `deps` as data; `None` builds it bare,
/// for exporting the SDL.
pub fn federated_schema<Q, M, S, D>(
    query: Q,
    mutation: M,
    subscription: S,
    deps: Option<D>,
) -> Schema<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
    D: std::any::Any + Send + Sync,
{
    let builder = Schema::build(query, mutation, subscription)
        .enable_federation()
        .enable_subscription_in_federation();
    match deps {
        Some(deps) => builder.data(deps).finish(),
        None => builder.finish(),
    }
}

/// A built service: its HTTP app and the background work (outbox relay, event
/// consumers) that lives as long.
pub struct ServiceApp {
    /// The axum app.
    pub router: Router,
    /// Stopped after the HTTP server drains.
    pub background: Vec<BackgroundTask>,
}

impl ServiceApp {
    /// Serves the app on `listener` until `shutdown`, then stops the background work.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = serve(listener, self.router, shutdown).await;
        crate::background::stop_all(self.background).await;
        served
    }
}

/// The axum app of a subgraph.
pub fn app<Q, M, S>(service: GraphqlService<Q, M, S>) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Router::new()
        .route(
            "/graphql",
            get(graphql_ws::<Q, M, S>).post(graphql_http::<Q, M, S>),
        )
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready::<Q, M, S>))
        .route("/metrics", get(|| async { crate::metrics::render() }))
        .with_state(Arc::new(service))
}

/// Serves `app` on an already bound `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn graphql_http<Q, M, S>(
    State(service): State<Arc<GraphqlService<Q, M, S>>>,
    request: Request,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let client_ip = client_ip(
        &service.trusted_proxies,
        request.headers(),
        request.extensions().get::<ConnectInfo<SocketAddr>>(),
    );
    let traceparent = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(crate::trace::parse);
    let span = crate::trace::server_span(service.name, traceparent.as_deref());
    graphql_request_in_span(service, request, client_ip, traceparent)
        .instrument(span)
        .await
}

async fn graphql_request_in_span<Q, M, S>(
    service: Arc<GraphqlService<Q, M, S>>,
    request: Request,
    client_ip: ClientIp,
    traceparent: Option<String>,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let authentication = match authenticate(&service.verifier, request.headers()).await {
        Ok(authentication) => authentication,
        Err(err) => return unauthenticated(err),
    };
    let internal = match peer::internal_caller(request.headers(), service.internal_token.as_ref()) {
        Ok(internal) => internal,
        Err(err) => return unauthenticated(err),
    };
    let graphql_request =
        match <GraphQLRequest as FromRequest<()>>::from_request(request, &()).await {
            Ok(graphql_request) => graphql_request.into_inner(),
            Err(rejection) => return rejection.into_response(),
        };
    let mut graphql_request = graphql_request.data(authentication).data(client_ip);
    if let Some(internal) = internal {
        graphql_request = graphql_request.data::<InternalCaller>(internal);
    }
    (service.per_request)(&mut graphql_request.data);
    tracing::Span::current().record(
        "graphql.operation.name",
        graphql_request.operation_name.as_deref(),
    );
    let started = std::time::Instant::now();
    let response = crate::trace::scope(traceparent, service.schema.execute(graphql_request)).await;
    let codes: Vec<String> = response
        .errors
        .iter()
        .map(|error| crate::error::code_of_server_error(error).unwrap_or_else(|| "UNCODED".into()))
        .collect();
    if codes
        .iter()
        .any(|code| code == "INTERNAL_SERVER_ERROR" || code == "UNCODED")
    {
        crate::trace::record_error();
    }
    crate::metrics::record_request(service.name, started.elapsed(), &codes);
    GraphQLResponse::from(response).into_response()
}

async fn graphql_ws<Q, M, S>(
    State(service): State<Arc<GraphqlService<Q, M, S>>>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let schema = service.schema.clone();
    let verifier = service.verifier.clone();
    let per_request = service.per_request.clone();
    let name = service.name;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| async move {
            let _open = crate::metrics::SubscriptionGuard::open(name);
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let authentication = authenticate_init_payload(&verifier, &payload).await?;
                    let mut data = Data::default();
                    data.insert(authentication);
                    per_request(&mut data);
                    Ok(data)
                })
                .serve()
                .await
        })
}

async fn ready<Q, M, S>(State(service): State<Arc<GraphqlService<Q, M, S>>>) -> impl IntoResponse {
    match service.ready.check().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(cause) => {
            tracing::warn!(%cause, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready")
        }
    }
}

async fn authenticate(
    verifier: &JwtVerifier,
    headers: &HeaderMap,
) -> Result<Authentication, KitError> {
    let Some(header) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(Authentication::Anonymous);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(bearer_token)
        .ok_or(KitError::Unauthenticated)?;
    verify(verifier, token).await
}

/// Reads the token of a `connection_init` payload (`{"Authorization": "Bearer …"}`,
/// any key casing, or `{"token": "…"}`).
async fn authenticate_init_payload(
    verifier: &JwtVerifier,
    payload: &serde_json::Value,
) -> async_graphql::Result<Authentication> {
    let Some(object) = payload.as_object() else {
        return Ok(Authentication::Anonymous);
    };
    let header = object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str());
    let token = match (header, object.get("token").and_then(|v| v.as_str())) {
        (Some(header), _) => {
            bearer_token(header).ok_or_else(|| graphql_error(KitError::Unauthenticated))?
        }
        (None, Some(token)) => token,
        (None, None) => return Ok(Authentication::Anonymous),
    };
    verify(verifier, token).await.map_err(graphql_error)
}

async fn verify(verifier: &JwtVerifier, token: &str) -> Result<Authentication, KitError> {
    match verifier.verify(token).await {
        Ok(viewer) => Ok(Authentication::Verified(viewer)),
        Err(crate::auth::TokenError::Banned) => Err(KitError::AccountBanned),
        Err(err) => {
            tracing::debug!(cause = %err, "access token refused");
            Err(KitError::Unauthenticated)
        }
    }
}

fn unauthenticated(err: KitError) -> Response {
    let error = graphql_error(err).into_server_error(async_graphql::Pos::default());
    GraphQLResponse::from(async_graphql::Response::from_errors(vec![error])).into_response()
}

fn client_ip(
    trusted: &TrustedProxies,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
) -> ClientIp {
    let forwarded = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok());
    ClientIp(trusted.client_address(peer.map(|info| info.0.ip()), forwarded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9)));
        assert_eq!(
            client_ip(&TrustedProxies::loopback(), &headers, Some(&peer)).0,
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        headers.insert(
            FORWARDED_FOR,
            "203.0.113.7, 10.0.0.1".parse().expect("valid header"),
        );
        assert_eq!(
            client_ip(&TrustedProxies::none(), &headers, Some(&peer)).0,
            Some(IpAddr::from([127, 0, 0, 1])),
            "nobody is trusted: the peer"
        );
        assert_eq!(
            client_ip(&TrustedProxies::loopback(), &headers, Some(&peer)).0,
            Some(IpAddr::from([10, 0, 0, 1])),
            "the rightmost hop a trusted proxy wrote"
        );
    }
}
