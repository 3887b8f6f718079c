//! Our Hive Router plugins.
//!
//! [`AuthErrorCodes`] gives authentication failures the codes Chaos clients match on,
//! whichever layer caught them: Hive reports JWT problems as `INVALID_JWT`,
//! `MISSING_JWT`, … and `@authenticated`/`@requiresScopes` violations as
//! `UNAUTHORIZED_FIELD_OR_TYPE`; clients see `UNAUTHENTICATED` (no valid token: none,
//! expired, tampered) or `FORBIDDEN` (valid token, missing scope), as the subgraphs
//! report them. Hive's code stays available in `extensions.routerCode`.

use hive_router::async_trait;
use hive_router::http::StatusCode;
use hive_router::plugins::hooks::on_graphql_error::{
    OnGraphQLErrorHookPayload, OnGraphQLErrorHookResult,
};
use hive_router::plugins::hooks::on_plugin_init::{OnPluginInitPayload, OnPluginInitResult};
use hive_router::plugins::plugin_trait::RouterPlugin;
use hive_router::{sonic_rs, PluginRegistry};

/// Every plugin of ours, to register with the router.
pub fn registry() -> PluginRegistry {
    PluginRegistry::new()
        .register::<AuthErrorCodes>()
        .register::<crate::rate_limits::RateLimits>()
        .register::<crate::client_address::ClientAddress>()
}

/// Hive's codes for a token that is missing where required, malformed, expired or badly signed.
const TOKEN_ERROR_CODES: &[&str] = &[
    "INVALID_JWT",
    "MISSING_JWT",
    "JWT_NOT_SUPPORTED",
    "INVALID_JWT_HEADER",
    "JWT_LOOKUP_FAILED",
    "JWK_ALGORITHM_NOT_SUPPORTED",
];

/// Hive's code for a field hidden by `@authenticated` or `@requiresScopes`.
const UNAUTHORIZED_FIELD: &str = "UNAUTHORIZED_FIELD_OR_TYPE";

/// Maps authentication and authorization failures to `UNAUTHENTICATED` / `FORBIDDEN`.
#[derive(Default)]
pub struct AuthErrorCodes;

#[async_trait]
impl RouterPlugin for AuthErrorCodes {
    type Config = serde_json::Value;

    fn plugin_name() -> &'static str {
        "chaos_auth_error_codes"
    }

    fn on_plugin_init(payload: OnPluginInitPayload<Self>) -> OnPluginInitResult<Self> {
        payload.initialize_plugin_with_defaults()
    }

    fn on_graphql_error<'req>(
        &'req self,
        mut payload: OnGraphQLErrorHookPayload<'req>,
    ) -> OnGraphQLErrorHookResult<'req> {
        let Some(code) = payload.error.extensions.code.clone() else {
            return payload.proceed();
        };
        // Hive records whether it verified a token; an invalid token leaves the request
        // anonymous.
        let authenticated = payload
            .request_context
            .read()
            .is_ok_and(|context| context.authentication().jwt_status() == Some(&true));
        let mapped = match code.as_str() {
            code if TOKEN_ERROR_CODES.contains(&code) => {
                Some(("UNAUTHENTICATED", StatusCode::UNAUTHORIZED))
            }
            UNAUTHORIZED_FIELD if authenticated => Some(("FORBIDDEN", payload.status_code)),
            UNAUTHORIZED_FIELD => Some(("UNAUTHENTICATED", payload.status_code)),
            _ => None,
        };
        if let Some((client_code, status)) = mapped {
            payload.error.extensions.extensions.insert(
                "routerCode".to_string(),
                sonic_rs::Value::from(code.as_str()),
            );
            payload.error.extensions.code = Some(client_code.to_string());
            payload.status_code = status;
        }
        payload.proceed()
    }
}
