//! Access tokens as every subgraph sees them. The router verifies a token first; each
//! subgraph verifies it again against the users service's JWKS (defense in depth) and
//! authorizes per object with the resulting [`Viewer`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::Context;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::error::KitError;
use crate::settings::AuthSettings;

/// The only signing algorithm Chaos accepts (Ed25519).
pub const ALGORITHM: Algorithm = Algorithm::EdDSA;

/// Scope every registered player holds.
pub const SCOPE_PLAYER: &str = "player";
/// Scope of game operators (content, economy and progression admin).
pub const SCOPE_ADMIN: &str = "admin";

/// Claims of a Chaos access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user id.
    pub sub: Uuid,
    /// The username at issue time.
    pub username: String,
    /// Space-delimited scopes (`player`, `admin`); the router's `@requiresScopes` reads this.
    pub scope: String,
    /// The session (refresh-token family) the token belongs to.
    pub sid: Uuid,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Unique token id.
    pub jti: Uuid,
}

/// The authenticated player (or admin) a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The user id.
    pub user_id: Uuid,
    /// The username.
    pub username: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The session the token belongs to.
    pub session_id: Uuid,
}

impl Viewer {
    /// Whether the viewer holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }

    /// Fails with `FORBIDDEN` unless the viewer holds `scope`.
    pub fn require_scope(&self, scope: &'static str) -> Result<(), KitError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(KitError::Forbidden(scope))
        }
    }
}

impl From<AccessClaims> for Viewer {
    fn from(claims: AccessClaims) -> Self {
        Viewer {
            user_id: claims.sub,
            username: claims.username,
            scopes: claims
                .scope
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            session_id: claims.sid,
        }
    }
}

/// What the request's `Authorization` header established.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No token was sent.
    Anonymous,
    /// A valid token was sent.
    Verified(Viewer),
}

/// Resolver access to the request's viewer.
pub trait ContextAuthExt {
    /// The viewer, or `UNAUTHENTICATED`.
    fn viewer(&self) -> Result<&Viewer, KitError>;
    /// The viewer if a valid token was sent.
    fn maybe_viewer(&self) -> Option<&Viewer>;
}

impl ContextAuthExt for Context<'_> {
    fn viewer(&self) -> Result<&Viewer, KitError> {
        self.maybe_viewer().ok_or(KitError::Unauthenticated)
    }

    fn maybe_viewer(&self) -> Option<&Viewer> {
        match self.data_opt::<Authentication>() {
            Some(Authentication::Verified(viewer)) => Some(viewer),
            _ => None,
        }
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The token is malformed, expired, for another audience or badly signed.
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// The token names a key the issuer does not publish.
    #[error("unknown signing key")]
    UnknownKey,
    /// The JWKS could not be fetched.
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(String),
}

/// Where verification keys come from.
enum KeySource {
    /// Keys known in-process (the users service verifies its own tokens).
    Static(JwkSet),
    /// The users service's JWKS endpoint, cached and re-fetched when an unknown `kid` shows up.
    Remote {
        url: String,
        client: reqwest::Client,
        cache: RwLock<Option<(JwkSet, Instant)>>,
    },
}

/// Shortest time between two JWKS fetches triggered by unknown key ids.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(5);

/// Verified tokens remembered at most; beyond it, expired entries are dropped first and
/// then the whole cache.
const VERIFIED_CACHE_LIMIT: usize = 50_000;

/// Verifies access tokens.
///
/// A token verified once is remembered (by its SHA-256) until it expires, so the same
/// token presented again (every event of a live subscription makes the router call the
/// subgraphs with the subscriber's token) costs a hash instead of a signature check.
/// The answer for a given token cannot change before it expires, except when its
/// signing key is withdrawn from the JWKS: such tokens stay accepted here until they
/// expire (access tokens live minutes).
pub struct JwtVerifier {
    validation: Validation,
    keys: KeySource,
    verified: std::sync::Mutex<HashMap<[u8; 32], (Viewer, i64)>>,
}

impl JwtVerifier {
    /// A verifier fetching keys from `settings.jwks_url`.
    pub fn remote(settings: &AuthSettings) -> Arc<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("a TLS backend is compiled in, so building the client cannot fail");
        Arc::new(Self {
            validation: validation(&settings.issuer, &settings.audience),
            keys: KeySource::Remote {
                url: settings.jwks_url.clone(),
                client,
                cache: RwLock::new(None),
            },
            verified: Default::default(),
        })
    }

    /// A verifier with keys known in-process.
    pub fn with_keys(keys: JwkSet, issuer: &str, audience: &str) -> Arc<Self> {
        Arc::new(Self {
            validation: validation(issuer, audience),
            keys: KeySource::Static(keys),
            verified: Default::default(),
        })
    }

    /// Verifies `token` and returns its viewer.
    pub async fn verify(&self, token: &str) -> Result<Viewer, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Some(viewer) = self.remembered(&digest, now) {
            return Ok(viewer);
        }
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.ok_or(TokenError::UnknownKey)?;
        let key = self.decoding_key(&kid).await?;
        let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &self.validation)?.claims;
        let expires_at = claims.exp;
        let viewer = Viewer::from(claims);
        self.remember(digest, viewer.clone(), expires_at, now);
        Ok(viewer)
    }

    fn remembered(&self, digest: &[u8; 32], now: i64) -> Option<Viewer> {
        let verified = self
            .verified
            .lock()
            .expect("the verified-token lock is never held across a panic");
        verified
            .get(digest)
            .filter(|(_, expires_at)| now < *expires_at)
            .map(|(viewer, _)| viewer.clone())
    }

    fn remember(&self, digest: [u8; 32], viewer: Viewer, expires_at: i64, now: i64) {
        let mut verified = self
            .verified
            .lock()
            .expect("the verified-token lock is never held across a panic");
        if verified.len() >= VERIFIED_CACHE_LIMIT {
            verified.retain(|_, (_, expires_at)| now < *expires_at);
            if verified.len() >= VERIFIED_CACHE_LIMIT {
                verified.clear();
            }
        }
        verified.insert(digest, (viewer, expires_at));
    }

    async fn decoding_key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        match &self.keys {
            KeySource::Static(set) => key_from_set(set, kid),
            KeySource::Remote { url, client, cache } => {
                if let Some((set, fetched_at)) = cache.read().await.as_ref() {
                    match key_from_set(set, kid) {
                        Ok(key) => return Ok(key),
                        Err(_) if fetched_at.elapsed() < MIN_REFETCH_INTERVAL => {
                            return Err(TokenError::UnknownKey)
                        }
                        Err(_) => {}
                    }
                }
                let set = fetch_jwks(client, url).await?;
                let key = key_from_set(&set, kid);
                *cache.write().await = Some((set, Instant::now()));
                key
            }
        }
    }
}

fn validation(issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(ALGORITHM);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 5;
    validation
}

fn key_from_set(set: &JwkSet, kid: &str) -> Result<DecodingKey, TokenError> {
    let jwk = set.find(kid).ok_or(TokenError::UnknownKey)?;
    Ok(DecodingKey::from_jwk(jwk)?)
}

async fn fetch_jwks(client: &reqwest::Client, url: &str) -> Result<JwkSet, TokenError> {
    let response = client
        .get(url)
        .send()
        .await
        .and_then(|response| response.error_for_status())
        .map_err(|err| TokenError::KeysUnavailable(err.to_string()))?;
    response
        .json::<JwkSet>()
        .await
        .map_err(|err| TokenError::KeysUnavailable(err.to_string()))
}

/// Extracts the token of an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_tokens_are_remembered_only_until_they_expire() {
        let verifier = JwtVerifier::with_keys(JwkSet { keys: Vec::new() }, "iss", "aud");
        let viewer = Viewer {
            user_id: Uuid::new_v4(),
            username: "ayla".into(),
            scopes: vec![SCOPE_PLAYER.into()],
            session_id: Uuid::new_v4(),
        };
        let now = 1_000;
        verifier.remember([1; 32], viewer.clone(), now + 60, now);
        assert_eq!(verifier.remembered(&[1; 32], now), Some(viewer.clone()));
        assert_eq!(verifier.remembered(&[1; 32], now + 60), None, "expired");
        assert_eq!(verifier.remembered(&[2; 32], now), None, "another token");
        // A full cache sheds expired entries first (here: all but the first).
        for n in 0..VERIFIED_CACHE_LIMIT - 1 {
            let mut digest = [0; 32];
            digest[..8].copy_from_slice(&(n as u64).to_le_bytes());
            verifier.remember(digest, viewer.clone(), now + 1, now);
        }
        verifier.remember([3; 32], viewer.clone(), now + 60, now + 30);
        assert_eq!(
            verifier.remembered(&[1; 32], now + 30),
            Some(viewer.clone())
        );
        assert_eq!(verifier.remembered(&[3; 32], now + 30), Some(viewer));
        assert!(verifier.verified.lock().expect("lock").len() <= 3);
    }

    #[test]
    fn bearer_tokens_are_extracted() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }

    #[test]
    fn scopes_come_from_the_space_delimited_claim() {
        let viewer = Viewer::from(AccessClaims {
            sub: Uuid::nil(),
            username: "ann".into(),
            scope: "player admin".into(),
            sid: Uuid::nil(),
            iss: "i".into(),
            aud: "a".into(),
            iat: 0,
            exp: 0,
            jti: Uuid::nil(),
        });
        assert!(viewer.has_scope("admin"));
        assert!(viewer.require_scope(SCOPE_PLAYER).is_ok());
        assert!(!viewer.has_scope("root"));
    }
}
