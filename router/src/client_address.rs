//! The `chaos_client_address` plugin: tells the subgraphs who the client is.
//!
//! The client's own `X-Forwarded-For` is never passed on. The router resolves the client
//! address itself (the TCP peer, or, behind the load balancers named in
//! `trusted_proxies`, the rightmost address they appended; `subgraph_kit::client_address`)
//! and sends each subgraph exactly that one address as `X-Forwarded-For`. The subgraphs
//! believe it because they trust the router's network, and only it.
//!
//! ```yaml
//! plugins:
//!   chaos_client_address:
//!     enabled: true
//!     config:
//!       trusted_proxies: { from_env: CHAOS_TRUSTED_PROXIES, default: "" }
//! ```

use std::net::IpAddr;

use hive_router::async_trait;
use hive_router::http::{HeaderName, HeaderValue};
use hive_router::plugins::hooks::on_http_request::{
    OnHttpRequestHookFuture, OnHttpRequestHookPayload,
};
use hive_router::plugins::hooks::on_plugin_init::{OnPluginInitPayload, OnPluginInitResult};
use hive_router::plugins::hooks::on_subgraph_execute::{
    OnSubgraphExecuteStartHookPayload, OnSubgraphExecuteStartHookResult,
};
use hive_router::plugins::plugin_trait::{RouterPlugin, StartHookPayload};
use serde::Deserialize;
use subgraph_kit::client_address::{TrustedProxies, FORWARDED_FOR};

/// The plugin's name in `router.config.yaml`.
pub const PLUGIN_NAME: &str = "chaos_client_address";

/// The plugin's `config` block.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientAddressConfig {
    /// The proxies in front of the router (networks, comma-separated); empty: clients
    /// reach the router directly and the TCP peer is the client.
    #[serde(default)]
    pub trusted_proxies: TrustedProxies,
}

/// Resolves the client address and hands it to the subgraphs.
pub struct ClientAddress {
    trusted_proxies: TrustedProxies,
}

/// The client of one request, kept in the request's plugin context.
struct ResolvedClient(Option<IpAddr>);

/// The client address of a request to the router, by the rules of `trusted`.
pub fn resolve(
    trusted: &TrustedProxies,
    headers: &hive_router::ntex::http::HeaderMap,
    peer: Option<IpAddr>,
) -> Option<IpAddr> {
    let forwarded = headers
        .get_all(FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok());
    trusted.client_address(peer, forwarded)
}

#[async_trait]
impl RouterPlugin for ClientAddress {
    type Config = ClientAddressConfig;

    fn plugin_name() -> &'static str {
        PLUGIN_NAME
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        let config = payload.config()?;
        Ok(Some(Self {
            trusted_proxies: config.trusted_proxies,
        }))
    }

    fn on_http_request<'req>(
        &'req self,
        payload: OnHttpRequestHookPayload<'req>,
    ) -> OnHttpRequestHookFuture<'req> {
        Box::pin(async move {
            let request = &payload.router_http_request;
            let client = resolve(
                &self.trusted_proxies,
                request.headers(),
                request.peer_addr().map(|addr| addr.ip()),
            );
            payload.context.insert(ResolvedClient(client));
            payload.proceed()
        })
    }

    async fn on_subgraph_execute<'exec>(
        &'exec self,
        mut payload: OnSubgraphExecuteStartHookPayload<'exec>,
    ) -> OnSubgraphExecuteStartHookResult<'exec> {
        let client = payload
            .context
            .get_ref::<ResolvedClient>()
            .and_then(|resolved| resolved.0);
        let name = HeaderName::from_static(FORWARDED_FOR);
        // Whatever the client sent is replaced; without a known client, nothing is said.
        match client.and_then(|ip| HeaderValue::from_str(&ip.to_string()).ok()) {
            Some(value) => {
                payload.execution_request.headers.insert(name, value);
            }
            None => {
                payload.execution_request.headers.remove(name);
            }
        }
        payload.proceed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plugin_reads_its_networks_from_one_string() {
        let config: ClientAddressConfig =
            serde_json::from_value(serde_json::json!({ "trusted_proxies": "10.0.0.0/8, ::1" }))
                .expect("a valid config");
        assert!(config
            .trusted_proxies
            .trusts("10.9.8.7".parse().expect("an ip")));
        let empty: ClientAddressConfig =
            serde_json::from_value(serde_json::json!({ "trusted_proxies": "" })).expect("empty");
        assert!(empty.trusted_proxies.is_empty());
        assert!(
            serde_json::from_value::<ClientAddressConfig>(
                serde_json::json!({ "trusted_proxies": "10.0.0.0/40" })
            )
            .is_err(),
            "a bad network stops the router from starting"
        );
    }
}
