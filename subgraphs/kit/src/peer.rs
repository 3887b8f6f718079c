//! Calls between services. A service asks another through GraphQL: public entity
//! fields like the router does, or internal fields the router never exposes (marked
//! `@inaccessible`, guarded by [`require_internal`]). Internal calls carry the shared
//! token of `peers.internal_token` in [`INTERNAL_TOKEN_HEADER`]; the router does not
//! forward that header from clients, and a subgraph reached directly refuses the fields
//! without it.

use std::time::Duration;

use async_graphql::Context;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use tracing::Instrument;

use crate::error::KitError;
use crate::secret::Secret;

/// The header carrying the internal token.
pub const INTERNAL_TOKEN_HEADER: &str = "x-chaos-internal-token";

/// How long a peer call may take before the calling command fails as unavailable.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Request data present when the caller proved it is one of our services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InternalCaller;

/// Reads the internal token of a request: `None` without the header, the marker when
/// it matches `expected`, `UNAUTHENTICATED` when it does not (or none is configured).
pub fn internal_caller(
    headers: &HeaderMap,
    expected: Option<&Secret<String>>,
) -> Result<Option<InternalCaller>, KitError> {
    let Some(presented) = headers.get(INTERNAL_TOKEN_HEADER) else {
        return Ok(None);
    };
    match expected {
        Some(expected) if constant_time_eq(presented.as_bytes(), expected.expose().as_bytes()) => {
            Ok(Some(InternalCaller))
        }
        _ => Err(KitError::Unauthenticated),
    }
}

/// Fails with `FORBIDDEN` unless the request came from one of our services.
pub fn require_internal(ctx: &Context<'_>) -> Result<(), KitError> {
    ctx.data_opt::<InternalCaller>()
        .map(|_| ())
        .ok_or(KitError::Forbidden("internal field"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a peer call failed.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// The peer did not answer, or answered something that is not GraphQL.
    #[error("{service} is unavailable: {cause}")]
    Unavailable {
        /// Which peer.
        service: &'static str,
        /// What went wrong.
        cause: String,
    },
    /// The peer answered with a GraphQL error.
    #[error("{service} refused: {code}: {message}")]
    Refused {
        /// Which peer.
        service: &'static str,
        /// The error's `extensions.code`.
        code: String,
        /// The error's message.
        message: String,
    },
}

impl PeerError {
    /// The refusal's code, if the peer refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            PeerError::Refused { code, .. } => Some(code),
            PeerError::Unavailable { .. } => None,
        }
    }
}

impl From<PeerError> for KitError {
    /// Unavailability stays retryable (`SERVICE_UNAVAILABLE`); a refusal the caller did
    /// not handle is an internal failure of the caller.
    fn from(err: PeerError) -> Self {
        match err {
            PeerError::Unavailable { service, cause } => {
                tracing::warn!(service, %cause, "peer call failed");
                KitError::Unavailable(service)
            }
            refused @ PeerError::Refused { .. } => KitError::Internal(refused.to_string()),
        }
    }
}

#[derive(Deserialize)]
struct Response {
    data: Option<Value>,
    #[serde(default)]
    errors: Vec<ResponseError>,
}

#[derive(Deserialize)]
struct ResponseError {
    message: String,
    #[serde(default)]
    extensions: Option<Value>,
}

/// A GraphQL client for one peer service.
#[derive(Debug, Clone)]
pub struct PeerClient {
    service: &'static str,
    url: String,
    internal_token: Option<Secret<String>>,
    http: reqwest::Client,
}

impl PeerClient {
    /// A client for `service` at `url` (its `/graphql`), presenting `internal_token`
    /// when given.
    pub fn new(
        service: &'static str,
        url: impl Into<String>,
        internal_token: Option<Secret<String>>,
    ) -> Self {
        Self {
            service,
            url: url.into(),
            internal_token,
            http: reqwest::Client::builder()
                .timeout(CALL_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Runs `query` with `variables` and decodes its `data`; the first GraphQL error
    /// becomes [`PeerError::Refused`]. The current trace context travels along.
    pub async fn execute<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T, PeerError> {
        let span = crate::trace::client_span(self.service);
        let result = self
            .execute_in_span(query, variables)
            .instrument(span.clone())
            .await;
        if let Err(PeerError::Unavailable { .. }) = &result {
            span.record("otel.status_code", "ERROR");
        }
        result
    }

    async fn execute_in_span<T: DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<T, PeerError> {
        let unavailable = |cause: &dyn std::fmt::Display| PeerError::Unavailable {
            service: self.service,
            cause: cause.to_string(),
        };
        let mut request = self
            .http
            .post(&self.url)
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = &self.internal_token {
            request = request.header(INTERNAL_TOKEN_HEADER, token.expose());
        }
        if let Some(traceparent) = crate::trace::current() {
            request = request.header("traceparent", traceparent);
        }
        let response = request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|err| unavailable(&err))?;
        let body: Response = response.json().await.map_err(|err| unavailable(&err))?;
        if let Some(error) = body.errors.into_iter().next() {
            let code = error
                .extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .and_then(Value::as_str)
                .unwrap_or("UNKNOWN")
                .to_string();
            return Err(PeerError::Refused {
                service: self.service,
                code,
                message: error.message,
            });
        }
        let data = body
            .data
            .ok_or_else(|| unavailable(&"no data in the response"))?;
        serde_json::from_value(data).map_err(|err| unavailable(&err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(INTERNAL_TOKEN_HEADER, token.parse().expect("valid header"));
        headers
    }

    #[test]
    fn only_the_configured_token_marks_an_internal_caller() {
        let expected = Secret::new("s3cret".to_string());
        assert_eq!(
            internal_caller(&HeaderMap::new(), Some(&expected)).expect("no header is fine"),
            None
        );
        assert_eq!(
            internal_caller(&headers_with("s3cret"), Some(&expected)).expect("matches"),
            Some(InternalCaller)
        );
        assert!(internal_caller(&headers_with("guess"), Some(&expected)).is_err());
        assert!(internal_caller(&headers_with("s3cret"), None).is_err());
    }
}
