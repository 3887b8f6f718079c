//! Router configuration: Hive Router's own `router.config.yaml` format, loaded with its
//! loader (so every documented option and `from_env` placeholder works), then adjusted
//! by [`RouterOverrides`] for the environment the router runs in. [`RouterConfig`] adds
//! what is ours (the GraphiQL page) to Hive's configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hive_router::config::HiveRouterConfig;
use serde_json::json;

/// Per-environment adjustments applied on top of the file.
#[derive(Debug, Clone, Default)]
pub struct RouterOverrides {
    /// The composed supergraph to serve.
    pub supergraph_path: Option<PathBuf>,
    /// Subgraph name → GraphQL URL, replacing the supergraph's `routing_url`s.
    pub subgraph_urls: BTreeMap<String, String>,
    /// Where the users service publishes its JWKS.
    pub jwks_url: Option<String>,
    /// Schema introspection and our GraphiQL page ([`crate::graphiql`]) on, whatever the
    /// file says (the embedded default, for developers; the file's production values keep
    /// introspection off, and the page is never served without this).
    pub developer_tools: bool,
    /// Replaces the `config` of the `chaos_rate_limits` plugin
    /// ([`crate::rate_limits::RateLimitsConfig`]).
    pub rate_limits: Option<serde_json::Value>,
    /// Allow-list mode: only the operations of this manifest run, sent by id
    /// (`documentId`, or `extensions.persistedQuery.sha256Hash`); query text is refused
    /// with `PERSISTED_DOCUMENT_ID_REQUIRED`. An Apollo persisted-query manifest
    /// (`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","body"}]}`)
    /// or a flat `{"<id>": "<document>"}` file.
    pub persisted_documents: Option<PathBuf>,
    /// The load balancers in front of the router (networks, comma-separated), replacing
    /// the file's `trusted_proxies` of `chaos_client_address` and `chaos_rate_limits`.
    pub trusted_proxies: Option<String>,
}

/// What the router runs with: Hive Router's configuration and our additions to it.
pub struct RouterConfig {
    /// Hive Router's own configuration: the file with the overrides applied.
    pub hive: HiveRouterConfig,
    /// Serve [`crate::graphiql`]'s page on browsers' `GET`s of the GraphQL path.
    pub graphiql: bool,
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RouterConfigError {
    /// The file is missing or invalid.
    #[error("cannot load router config {path}: {message}")]
    Load {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An override does not fit Hive Router's schema.
    #[error("invalid router override: {0}")]
    Override(#[from] serde_json::Error),
}

/// Loads `path` (Hive Router format) and applies `overrides`.
pub fn load_config(
    path: &Path,
    overrides: &RouterOverrides,
) -> Result<RouterConfig, RouterConfigError> {
    let mut config =
        hive_router::config::load_config(Some(path.display().to_string())).map_err(|err| {
            RouterConfigError::Load {
                path: path.display().to_string(),
                message: err.to_string(),
            }
        })?;
    apply_overrides(&mut config, overrides)?;
    Ok(RouterConfig {
        hive: config,
        graphiql: overrides.developer_tools,
    })
}

fn apply_overrides(
    config: &mut HiveRouterConfig,
    overrides: &RouterOverrides,
) -> Result<(), RouterConfigError> {
    // Hive's config types are `#[non_exhaustive]`; they are built through serde, exactly
    // as if the values had been written in the file.
    if let Some(path) = &overrides.supergraph_path {
        config.supergraph = serde_json::from_value(json!({ "source": "file", "path": path }))?;
    }
    if !overrides.subgraph_urls.is_empty() {
        let subgraphs: BTreeMap<&String, serde_json::Value> = overrides
            .subgraph_urls
            .iter()
            .map(|(name, url)| (name, json!({ "url": url })))
            .collect();
        config.override_subgraph_urls = serde_json::from_value(json!({ "subgraphs": subgraphs }))?;
    }
    if let Some(url) = &overrides.jwks_url {
        config.jwt.jwks_providers =
            serde_json::from_value(json!([{ "source": "remote", "url": url, "prefetch": true }]))?;
    }
    // The page is ours (`RouterConfig::graphiql`); Hive's Laboratory stays as the file
    // says (off: with Hive's `graphiql` feature it would be a page loading from a CDN).
    if overrides.developer_tools {
        config.introspection = Some(serde_json::from_value(json!(true))?);
    }
    if let Some(manifest) = &overrides.persisted_documents {
        config.persisted_documents = serde_json::from_value(json!({
            "enabled": true,
            "require_id": true,
            "storage": { "type": "file", "path": manifest, "watch": false },
        }))?;
    }
    if let Some(rate_limits) = &overrides.rate_limits {
        let plugin = config
            .plugins
            .entry(crate::rate_limits::PLUGIN_NAME.to_string())
            .or_default();
        plugin.enabled = true;
        plugin.config = rate_limits.clone();
    }
    if let Some(trusted) = &overrides.trusted_proxies {
        for name in [
            crate::client_address::PLUGIN_NAME,
            crate::rate_limits::PLUGIN_NAME,
        ] {
            let plugin = config.plugins.entry(name.to_string()).or_default();
            plugin.enabled = true;
            if !plugin.config.is_object() {
                plugin.config = json!({});
            }
            plugin.config["trusted_proxies"] = json!(trusted);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_config_loads_and_takes_overrides() {
        // The checkout under test (set by cargo and nextest at run time; the compile-time
        // value may name another checkout sharing the target directory).
        let crate_dir = std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo or nextest"),
        );
        let path = crate_dir.join("router.config.yaml");
        // The supergraph path must exist: Hive resolves it while loading.
        let supergraph = crate_dir.join("../schema/supergraph.graphql");
        let overrides = RouterOverrides {
            supergraph_path: Some(supergraph.clone()),
            subgraph_urls: BTreeMap::from([(
                "users".to_string(),
                "http://10.0.0.1:9/graphql".to_string(),
            )]),
            jwks_url: Some("http://10.0.0.1:9/.well-known/jwks.json".to_string()),
            developer_tools: false,
            rate_limits: None,
            persisted_documents: None,
            trusted_proxies: None,
        };
        let loaded = load_config(&path, &overrides).expect("loads");
        assert!(!loaded.graphiql, "developer tools are off");
        assert!(
            !loaded.hive.laboratory.enabled,
            "Hive's Laboratory stays off"
        );
        let config = loaded.hive;
        assert!(config.jwt.is_jwt_auth_enabled());
        let jwt = serde_json::to_value(&config.jwt).expect("serializes");
        assert_eq!(
            jwt["jwks_providers"][0]["url"],
            "http://10.0.0.1:9/.well-known/jwks.json"
        );
        assert_eq!(
            serde_json::to_value(&config.override_subgraph_urls).expect("serializes")["subgraphs"]
                ["users"]["url"],
            "http://10.0.0.1:9/graphql"
        );
        // (Hive's supergraph source does not serialize; its Debug form names the path.)
        let source = format!("{:?}", config.supergraph);
        assert!(
            source.contains(&supergraph.display().to_string()),
            "{source}"
        );
        assert!(config.plugins.contains_key("chaos_auth_error_codes"));
    }
}
