//! Configuration of the users service (`CHAOS_USERS__…`).

use std::path::PathBuf;

use serde::Deserialize;
use subgraph_kit::secret::Secret;
use subgraph_kit::settings::{
    default_audience, default_issuer, DatabaseSettings, PeerSettings, SanctionSettings,
    ServerSettings,
};

/// Everything the users service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The users database.
    pub database: DatabaseSettings,
    /// Token issuing.
    #[serde(default)]
    pub tokens: TokenSettings,
    /// Failed-login lockout.
    #[serde(default)]
    pub lockout: LockoutSettings,
    /// An operator account created at start when missing.
    #[serde(default)]
    pub bootstrap_admin: Option<BootstrapAdmin>,
    /// The token other services (anticheat) present to apply sanctions
    /// (`peers.internal_token`); without it, the internal mutations refuse every call.
    #[serde(default)]
    pub peers: PeerSettings,
    /// Where bans and mutes are published for every service to enforce.
    #[serde(default)]
    pub sanctions: SanctionSettings,
}

/// How tokens are issued.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenSettings {
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access-token lifetime in seconds (short: they cannot be revoked).
    pub access_token_ttl_secs: i64,
    /// Refresh-token lifetime in seconds.
    pub refresh_token_ttl_secs: i64,
    /// PKCS#8 PEM file of the Ed25519 signing key; generated there when missing.
    /// Without a path a fresh key is generated per start (tokens die on restart).
    pub signing_key_path: Option<PathBuf>,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            issuer: default_issuer(),
            audience: default_audience(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            signing_key_path: None,
        }
    }
}

/// When repeated failed logins lock an account or an IP out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LockoutSettings {
    /// Consecutive failures that lock an account.
    pub max_account_failures: i32,
    /// How long an account stays locked, in seconds.
    pub account_lock_secs: i64,
    /// Failures within the window that lock an IP.
    pub max_ip_failures: i32,
    /// Length of the per-IP counting window, in seconds.
    pub ip_window_secs: i64,
    /// How long an IP stays locked, in seconds.
    pub ip_lock_secs: i64,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_account_failures: 5,
            account_lock_secs: 15 * 60,
            max_ip_failures: 20,
            ip_window_secs: 15 * 60,
            ip_lock_secs: 15 * 60,
        }
    }
}

/// The first operator account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapAdmin {
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
    /// Password (at least 8 characters).
    pub password: Secret<String>,
}
