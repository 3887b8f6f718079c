//! Request rate limits at the router: per client IP (every GraphQL request, before
//! anything is parsed) and per player (every operation of a verified token, keyed by
//! its subject). Counts are fixed windows kept in Redis when `redis_url` is set, so
//! every router replica shares them; else in this process.
//!
//! Configured as the `chaos_rate_limits` plugin in `router.config.yaml`:
//!
//! ```yaml
//! plugins:
//!   chaos_rate_limits:
//!     enabled: true
//!     config:
//!       per_ip: { requests: 6000, window_seconds: 60 }
//!       per_player: { requests: 1200, window_seconds: 60 }
//!       trusted_proxies: 10.0.0.0/8   # the load balancers in front (default: none)
//!       redis_url: { from_env: CHAOS_RATE_LIMIT_REDIS_URL }
//! ```
//!
//! A refused request gets `RATE_LIMITED` (HTTP 429) with `retryAfterSeconds`. When
//! Redis cannot be reached the request goes through (a warning is logged): limits
//! protect the game, they must not take it down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hive_router::async_trait;
use hive_router::http::StatusCode;
use hive_router::plugins::hooks::on_execute::{
    OnExecuteStartHookPayload, OnExecuteStartHookResult,
};
use hive_router::plugins::hooks::on_http_request::{
    OnHttpRequestHookFuture, OnHttpRequestHookPayload,
};
use hive_router::plugins::hooks::on_plugin_init::{OnPluginInitPayload, OnPluginInitResult};
use hive_router::plugins::plugin_trait::{RouterPlugin, StartHookPayload};
use hive_router::{sonic_rs, GraphQLError};
use serde::{Deserialize, Deserializer};
use subgraph_kit::client_address::TrustedProxies;

/// The plugin's name in `router.config.yaml`.
pub const PLUGIN_NAME: &str = "chaos_rate_limits";

/// The error code of a refused request.
pub const RATE_LIMITED: &str = "RATE_LIMITED";

/// How long a Redis round trip may take before the request goes through uncounted.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

/// In-process counters kept before old windows are swept.
const MEMORY_SWEEP_AT: usize = 10_000;

/// Increments a window's counter and sets its expiry on first use, atomically.
const HIT_SCRIPT: &str = "local n = redis.call('INCR', KEYS[1]) \
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end \
return n";

/// The plugin's `config` block.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsConfig {
    /// GraphQL requests per client IP per window; absent: unlimited.
    #[serde(default)]
    pub per_ip: Option<Limit>,
    /// Operations per player (verified token subject) per window; absent: unlimited.
    #[serde(default)]
    pub per_player: Option<Limit>,
    /// The proxies in front of the router: behind them the client is the rightmost
    /// `X-Forwarded-For` address they appended, else the TCP peer (see
    /// `subgraph_kit::client_address`). Empty (the default): always the peer. The same
    /// setting as `chaos_client_address`'s (both read `CHAOS_TRUSTED_PROXIES`).
    #[serde(default)]
    pub trusted_proxies: TrustedProxies,
    /// Redis shared by every replica; absent or empty: counters in this process.
    #[serde(default)]
    pub redis_url: Option<String>,
    /// Prefix of the Redis keys, for deployments sharing one Redis (default `chaos`).
    #[serde(default)]
    pub namespace: Option<String>,
}

/// At most `requests` in each window of `window_seconds`; 0 requests: unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Requests allowed per window (a number, or a string from `from_env`).
    #[serde(deserialize_with = "number_or_string")]
    pub requests: u64,
    /// Window length in seconds (a number, or a string from `from_env`).
    #[serde(
        default = "default_window_seconds",
        deserialize_with = "number_or_string"
    )]
    pub window_seconds: u64,
}

fn default_window_seconds() -> u64 {
    60
}

/// Accepts `600` and `"600"`: `from_env` placeholders resolve to strings.
fn number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(u64),
        Text(String),
    }
    match NumberOrString::deserialize(deserializer)? {
        NumberOrString::Number(number) => Ok(number),
        NumberOrString::Text(text) => text.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// The decision on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the limit.
    Allowed,
    /// Over the limit until the window ends.
    Refused {
        /// Seconds until the window ends.
        retry_after_seconds: u64,
    },
}

/// Fixed-window counters, in Redis or in memory.
pub struct Counters {
    store: Store,
    namespace: String,
}

enum Store {
    Memory(Mutex<HashMap<String, (u64, u64)>>),
    Redis(Box<RedisStore>),
}

struct RedisStore {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
}

impl Counters {
    /// Counters in this process only.
    pub fn in_memory() -> Self {
        Self {
            store: Store::Memory(Mutex::new(HashMap::new())),
            namespace: String::new(),
        }
    }

    /// Counters in Redis at `url` under keys `<namespace>:ratelimit:…` (connected on
    /// first use, reconnected after errors).
    pub fn redis(url: &str, namespace: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            store: Store::Redis(Box::new(RedisStore {
                client: redis::Client::open(url)?,
                connection: tokio::sync::Mutex::new(None),
            })),
            namespace: namespace.to_string(),
        })
    }

    /// Counts one request for `key` against `limit`. Redis failures allow the request.
    pub async fn hit(&self, key: &str, limit: Limit) -> Verdict {
        if limit.requests == 0 || limit.window_seconds == 0 {
            return Verdict::Allowed;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let window = now / limit.window_seconds;
        let count = match &self.store {
            Store::Memory(counters) => memory_hit(counters, key, window),
            Store::Redis(redis) => {
                let window_key = format!(
                    "{}:ratelimit:{key}:{}:{window}",
                    self.namespace, limit.window_seconds
                );
                match redis_hit(
                    &redis.client,
                    &redis.connection,
                    &window_key,
                    limit.window_seconds,
                )
                .await
                {
                    Ok(count) => count,
                    Err(cause) => {
                        tracing::warn!(%cause, "rate limit counter unavailable, request allowed");
                        return Verdict::Allowed;
                    }
                }
            }
        };
        if count <= limit.requests {
            Verdict::Allowed
        } else {
            Verdict::Refused {
                retry_after_seconds: ((window + 1) * limit.window_seconds)
                    .saturating_sub(now)
                    .max(1),
            }
        }
    }
}

fn memory_hit(counters: &Mutex<HashMap<String, (u64, u64)>>, key: &str, window: u64) -> u64 {
    let mut counters = counters
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if counters.len() >= MEMORY_SWEEP_AT {
        counters.retain(|_, (counted_window, _)| *counted_window >= window);
    }
    let entry = counters.entry(key.to_string()).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    entry.1 += 1;
    entry.1
}

async fn redis_hit(
    client: &redis::Client,
    slot: &tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
    key: &str,
    window_seconds: u64,
) -> Result<u64, String> {
    let mut connection = {
        let mut slot = slot.lock().await;
        match slot.as_ref() {
            Some(connection) => connection.clone(),
            None => {
                let connection =
                    tokio::time::timeout(REDIS_TIMEOUT, client.get_multiplexed_async_connection())
                        .await
                        .map_err(|_| "connecting timed out".to_string())?
                        .map_err(|err| err.to_string())?;
                *slot = Some(connection.clone());
                connection
            }
        }
    };
    let mut command = redis::cmd("EVAL");
    command
        .arg(HIT_SCRIPT)
        .arg(1)
        .arg(key)
        .arg(window_seconds * 1000);
    let result = tokio::time::timeout(REDIS_TIMEOUT, command.query_async::<u64>(&mut connection))
        .await
        .map_err(|_| "timed out".to_string())
        .and_then(|result| result.map_err(|err| err.to_string()));
    if result.is_err() {
        // Reconnect on the next request.
        *slot.lock().await = None;
    }
    result
}

/// The `chaos_rate_limits` plugin.
pub struct RateLimits {
    config: RateLimitsConfig,
    counters: Counters,
    graphql_path: String,
}

/// The `sub` claim of a bearer token the router has verified (only called then).
fn token_subject(headers: &hive_router::ntex::http::HeaderMap) -> Option<String> {
    let token = headers
        .get(hive_router::ntex::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    let payload = token.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?,
    )
    .ok()?;
    claims.get("sub")?.as_str().map(str::to_string)
}

fn refusal(retry_after_seconds: u64, what: &str) -> GraphQLError {
    let mut error = GraphQLError::from_message_and_code(
        format!("Too many requests from this {what}; retry in {retry_after_seconds} s"),
        RATE_LIMITED,
    );
    error.extensions.extensions.insert(
        "retryAfterSeconds".to_string(),
        sonic_rs::Value::from(retry_after_seconds),
    );
    error
}

#[async_trait]
impl RouterPlugin for RateLimits {
    type Config = RateLimitsConfig;

    fn plugin_name() -> &'static str {
        PLUGIN_NAME
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        let counters = match config.redis_url.as_deref().filter(|url| !url.is_empty()) {
            Some(url) => Counters::redis(url, config.namespace.as_deref().unwrap_or("chaos"))?,
            None => Counters::in_memory(),
        };
        Ok(Some(Self {
            graphql_path: payload.router_config().graphql_path().to_string(),
            config,
            counters,
        }))
    }

    fn on_http_request<'req>(
        &'req self,
        payload: OnHttpRequestHookPayload<'req>,
    ) -> OnHttpRequestHookFuture<'req> {
        Box::pin(async move {
            let Some(limit) = self.config.per_ip else {
                return payload.proceed();
            };
            let request = &payload.router_http_request;
            if request.path() != self.graphql_path {
                return payload.proceed();
            }
            let peer = request.peer_addr().map(|addr| addr.ip());
            let client = crate::client_address::resolve(
                &self.config.trusted_proxies,
                request.headers(),
                peer,
            );
            let Some(ip) = client else {
                return payload.proceed();
            };
            match self.counters.hit(&format!("ip:{ip}"), limit).await {
                Verdict::Allowed => payload.proceed(),
                Verdict::Refused {
                    retry_after_seconds,
                } => payload.end_with_graphql_error(
                    refusal(retry_after_seconds, "address"),
                    StatusCode::TOO_MANY_REQUESTS,
                ),
            }
        })
    }

    async fn on_execute<'exec>(
        &'exec self,
        payload: OnExecuteStartHookPayload<'exec>,
    ) -> OnExecuteStartHookResult<'exec> {
        let Some(limit) = self.config.per_player else {
            return payload.proceed();
        };
        let verified = payload
            .request_context
            .read()
            .is_ok_and(|context| context.authentication().jwt_status() == Some(&true));
        let subject = verified
            .then(|| token_subject(payload.router_http_request.headers))
            .flatten();
        let Some(subject) = subject else {
            return payload.proceed();
        };
        match self.counters.hit(&format!("player:{subject}"), limit).await {
            Verdict::Allowed => payload.proceed(),
            Verdict::Refused {
                retry_after_seconds,
            } => payload.end_with_graphql_error(
                refusal(retry_after_seconds, "player"),
                StatusCode::TOO_MANY_REQUESTS,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_PER_MINUTE: Limit = Limit {
        requests: 2,
        window_seconds: 60,
    };

    #[tokio::test]
    async fn memory_counters_refuse_past_the_limit_per_key() {
        let counters = Counters::in_memory();
        assert_eq!(counters.hit("a", TWO_PER_MINUTE).await, Verdict::Allowed);
        assert_eq!(counters.hit("a", TWO_PER_MINUTE).await, Verdict::Allowed);
        let Verdict::Refused {
            retry_after_seconds,
        } = counters.hit("a", TWO_PER_MINUTE).await
        else {
            panic!("the third request in a window is refused");
        };
        assert!((1..=60).contains(&retry_after_seconds));
        assert_eq!(counters.hit("b", TWO_PER_MINUTE).await, Verdict::Allowed);
        let unlimited = Limit {
            requests: 0,
            window_seconds: 60,
        };
        for _ in 0..5 {
            assert_eq!(counters.hit("a", unlimited).await, Verdict::Allowed);
        }
    }

    /// On the real Redis of the test command's engine pass (skipped without it).
    #[tokio::test]
    async fn redis_counters_are_shared_between_routers() {
        let Some(url) = std::env::var("CHAOS_TEST_REDIS_URL")
            .ok()
            .filter(|url| !url.is_empty())
        else {
            eprintln!("skipped: CHAOS_TEST_REDIS_URL is not set");
            return;
        };
        let namespace = format!("chaos-test-{}", std::process::id());
        let key = format!("player:{:?}", std::time::Instant::now());
        // A day-long window: the test never straddles two.
        let limit = Limit {
            requests: 2,
            window_seconds: 86_400,
        };
        let first = Counters::redis(&url, &namespace).expect("a valid URL");
        let second = Counters::redis(&url, &namespace).expect("a valid URL");
        assert_eq!(first.hit(&key, limit).await, Verdict::Allowed);
        assert_eq!(second.hit(&key, limit).await, Verdict::Allowed);
        assert!(matches!(
            first.hit(&key, limit).await,
            Verdict::Refused { .. }
        ));
        assert!(matches!(
            second.hit(&key, limit).await,
            Verdict::Refused { .. }
        ));
        let other = Counters::redis(&url, &format!("{namespace}-other")).expect("a valid URL");
        assert_eq!(
            other.hit(&key, limit).await,
            Verdict::Allowed,
            "namespaces are apart"
        );
    }

    #[tokio::test]
    async fn an_unreachable_redis_lets_requests_through() {
        let counters = Counters::redis("redis://127.0.0.1:9/", "chaos").expect("a valid URL");
        for _ in 0..3 {
            assert_eq!(counters.hit("a", TWO_PER_MINUTE).await, Verdict::Allowed);
        }
    }

    #[test]
    fn limits_read_numbers_and_environment_strings() {
        let config: RateLimitsConfig = serde_json::from_value(serde_json::json!({
            "per_ip": { "requests": "600" },
            "per_player": { "requests": 30, "window_seconds": "10" },
        }))
        .expect("parses");
        assert_eq!(
            config.per_ip,
            Some(Limit {
                requests: 600,
                window_seconds: 60
            })
        );
        assert_eq!(
            config.per_player,
            Some(Limit {
                requests: 30,
                window_seconds: 10
            })
        );
        assert!(serde_json::from_value::<RateLimitsConfig>(
            serde_json::json!({ "per_ip": { "requests": "many" } })
        )
        .is_err());
    }

    #[test]
    fn the_subject_comes_from_the_bearer_token() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"0190c6a8-0000-7000-8000-000000000001","scope":"player"}"#);
        let mut headers = hive_router::ntex::http::HeaderMap::new();
        headers.insert(
            hive_router::ntex::http::header::AUTHORIZATION,
            hive_router::ntex::http::header::HeaderValue::from_str(&format!(
                "Bearer e30.{claims}.sig"
            ))
            .expect("a header value"),
        );
        assert_eq!(
            token_subject(&headers).as_deref(),
            Some("0190c6a8-0000-7000-8000-000000000001")
        );
        headers.insert(
            hive_router::ntex::http::header::AUTHORIZATION,
            hive_router::ntex::http::header::HeaderValue::from_static("Basic abc"),
        );
        assert_eq!(token_subject(&headers), None);
    }
}
