//! Access tokens as every subgraph sees them. The router verifies a token first; each
//! subgraph verifies it again against the users service's JWKS (defense in depth) and
//! authorizes per object with the resulting [`Viewer`]. With a
//! [`SanctionBoard`](crate::sanctions::SanctionBoard), every verification also refuses
//! the tokens of banned players (`ACCOUNT_BANNED`), remembered tokens included.

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

use crate::error::{ErrorCode, KitError};
use crate::sanctions::{SanctionBoard, SanctionError, ACCOUNT_BANNED};
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
    /// The player is banned, or the token was issued before their last ban.
    #[error("the account is banned")]
    Banned,
}

impl ErrorCode for TokenError {
    /// `ACCOUNT_BANNED` for a banned player's token, else `UNAUTHENTICATED`.
    fn code(&self) -> &'static str {
        match self {
            TokenError::Banned => ACCOUNT_BANNED,
            _ => "UNAUTHENTICATED",
        }
    }
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
/// expire (access tokens live minutes). Bans are not cached: with a sanction board, every
/// call asks it whether the token's player may still act.
pub struct JwtVerifier {
    validation: Validation,
    keys: KeySource,
    verified: std::sync::Mutex<HashMap<[u8; 32], Remembered>>,
    sanctions: std::sync::RwLock<Option<SanctionBoard>>,
}

/// A verified token as remembered: its viewer, issue and expiry times.
#[derive(Debug, Clone)]
struct Remembered {
    viewer: Viewer,
    issued_at: i64,
    expires_at: i64,
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
            sanctions: Default::default(),
        })
    }

    /// A verifier with keys known in-process.
    pub fn with_keys(keys: JwkSet, issuer: &str, audience: &str) -> Arc<Self> {
        Arc::new(Self {
            validation: validation(issuer, audience),
            keys: KeySource::Static(keys),
            verified: Default::default(),
            sanctions: Default::default(),
        })
    }

    /// A verifier fetching keys from `settings.jwks_url` and reading bans from the
    /// board `settings.sanctions` configures (Redis, else a board of its own in this
    /// process, which only sanctions recorded in this process reach).
    pub async fn from_settings(settings: &AuthSettings) -> Result<Arc<Self>, SanctionError> {
        let board = SanctionBoard::from_settings(&settings.sanctions).await?;
        Ok(Self::remote(settings).with_sanctions(board))
    }

    /// The same verifier, refusing banned players' tokens according to `board`.
    pub fn with_sanctions(self: Arc<Self>, board: SanctionBoard) -> Arc<Self> {
        self.set_sanctions(board);
        self
    }

    /// Makes this verifier (and every service sharing it) consult `board`.
    pub fn set_sanctions(&self, board: SanctionBoard) {
        *self
            .sanctions
            .write()
            .expect("the sanctions lock is never held across a panic") = Some(board);
    }

    /// The board this verifier consults, if any (chat reads global mutes from it).
    pub fn sanctions(&self) -> Option<SanctionBoard> {
        self.sanctions
            .read()
            .expect("the sanctions lock is never held across a panic")
            .clone()
    }

    /// Verifies `token` and returns its viewer; a banned player's token (remembered or
    /// not) is [`TokenError::Banned`].
    pub async fn verify(&self, token: &str) -> Result<Viewer, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        let verified = match self.remembered(&digest, now) {
            Some(remembered) => remembered,
            None => {
                let header = jsonwebtoken::decode_header(token)?;
                let kid = header.kid.ok_or(TokenError::UnknownKey)?;
                let key = self.decoding_key(&kid).await?;
                let claims =
                    jsonwebtoken::decode::<AccessClaims>(token, &key, &self.validation)?.claims;
                let remembered = Remembered {
                    issued_at: claims.iat,
                    expires_at: claims.exp,
                    viewer: Viewer::from(claims),
                };
                self.remember(digest, remembered.clone(), now);
                remembered
            }
        };
        self.check_sanctions(&verified).await?;
        Ok(verified.viewer)
    }

    /// Refuses the token of a banned player. When the board cannot be read (Redis
    /// down), the token is accepted: an outage of the board must not lock every player
    /// out, and the users service still refuses a banned player's login and refresh.
    async fn check_sanctions(&self, verified: &Remembered) -> Result<(), TokenError> {
        let Some(board) = self.sanctions() else {
            return Ok(());
        };
        match board
            .token_allowed(verified.viewer.user_id, verified.issued_at)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(TokenError::Banned),
            Err(err) => {
                tracing::warn!(cause = %err, "sanction board unavailable, token accepted");
                Ok(())
            }
        }
    }

    fn remembered(&self, digest: &[u8; 32], now: i64) -> Option<Remembered> {
        let verified = self
            .verified
            .lock()
            .expect("the verified-token lock is never held across a panic");
        verified
            .get(digest)
            .filter(|remembered| now < remembered.expires_at)
            .cloned()
    }

    fn remember(&self, digest: [u8; 32], remembered: Remembered, now: i64) {
        let mut verified = self
            .verified
            .lock()
            .expect("the verified-token lock is never held across a panic");
        if verified.len() >= VERIFIED_CACHE_LIMIT {
            verified.retain(|_, entry| now < entry.expires_at);
            if verified.len() >= VERIFIED_CACHE_LIMIT {
                verified.clear();
            }
        }
        verified.insert(digest, remembered);
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
        let entry = |expires_at| Remembered {
            viewer: viewer.clone(),
            issued_at: now,
            expires_at,
        };
        let viewer_of = |remembered: Option<Remembered>| remembered.map(|r| r.viewer);
        verifier.remember([1; 32], entry(now + 60), now);
        assert_eq!(
            viewer_of(verifier.remembered(&[1; 32], now)),
            Some(viewer.clone())
        );
        assert_eq!(
            viewer_of(verifier.remembered(&[1; 32], now + 60)),
            None,
            "expired"
        );
        assert_eq!(
            viewer_of(verifier.remembered(&[2; 32], now)),
            None,
            "another token"
        );
        // A full cache sheds expired entries first (here: all but the first).
        for n in 0..VERIFIED_CACHE_LIMIT - 1 {
            let mut digest = [0; 32];
            digest[..8].copy_from_slice(&(n as u64).to_le_bytes());
            verifier.remember(digest, entry(now + 1), now);
        }
        verifier.remember([3; 32], entry(now + 60), now + 30);
        assert_eq!(
            viewer_of(verifier.remembered(&[1; 32], now + 30)),
            Some(viewer.clone())
        );
        assert_eq!(
            viewer_of(verifier.remembered(&[3; 32], now + 30)),
            Some(viewer.clone())
        );
        assert!(verifier.verified.lock().expect("lock").len() <= 3);
    }

    /// A key pair for signing test tokens (a fixed Ed25519 seed, PKCS#8 wrapped).
    fn test_keys() -> (jsonwebtoken::EncodingKey, JwkSet) {
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20,
        ];
        der.extend_from_slice(&[7; 32]);
        let encoding = jsonwebtoken::EncodingKey::from_ed_der(&der);
        let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, ALGORITHM)
            .expect("an Ed25519 key converts to a JWK");
        jwk.common.key_id = Some("test".into());
        (encoding, JwkSet { keys: vec![jwk] })
    }

    fn token_for(encoding: &jsonwebtoken::EncodingKey, user: Uuid, iat: i64) -> String {
        let claims = AccessClaims {
            sub: user,
            username: "ayla".into(),
            scope: SCOPE_PLAYER.into(),
            sid: Uuid::new_v4(),
            iss: "iss".into(),
            aud: "aud".into(),
            iat,
            exp: iat + 600,
            jti: Uuid::new_v4(),
        };
        let mut header = jsonwebtoken::Header::new(ALGORITHM);
        header.kid = Some("test".into());
        jsonwebtoken::encode(&header, &claims, encoding).expect("signs")
    }

    #[tokio::test]
    async fn a_banned_players_token_is_refused_even_when_remembered() {
        let (encoding, jwks) = test_keys();
        let board = crate::sanctions::SanctionBoard::in_process();
        let verifier = JwtVerifier::with_keys(jwks, "iss", "aud").with_sanctions(board.clone());
        let now = chrono::Utc::now().timestamp();
        let (banned, bystander) = (Uuid::new_v4(), Uuid::new_v4());
        let token = token_for(&encoding, banned, now - 5);
        let other = token_for(&encoding, bystander, now - 5);
        assert!(
            verifier.verify(&token).await.is_ok(),
            "verified and remembered"
        );
        assert!(verifier.verify(&other).await.is_ok());

        board.ban(banned, now, Some(now + 600)).await.expect("bans");
        let refused = verifier.verify(&token).await.expect_err("banned");
        assert!(matches!(refused, TokenError::Banned));
        assert_eq!(refused.code(), ACCOUNT_BANNED);
        assert!(verifier.verify(&other).await.is_ok(), "others unaffected");

        // Lifting the ban does not revive tokens issued before it; new ones pass.
        board.lift(banned).await.expect("lifts");
        assert!(matches!(
            verifier.verify(&token).await,
            Err(TokenError::Banned)
        ));
        let fresh = token_for(&encoding, banned, now + 1);
        assert!(verifier.verify(&fresh).await.is_ok());
        assert!(verifier.sanctions().is_some());
    }

    #[tokio::test]
    async fn without_a_board_tokens_are_checked_by_signature_only() {
        let (encoding, jwks) = test_keys();
        let verifier = JwtVerifier::with_keys(jwks, "iss", "aud");
        let now = chrono::Utc::now().timestamp();
        let token = token_for(&encoding, Uuid::new_v4(), now);
        assert!(verifier.verify(&token).await.is_ok());
        assert!(verifier.sanctions().is_none());
        let invalid = verifier.verify("not.a.token").await.expect_err("malformed");
        assert_eq!(invalid.code(), "UNAUTHENTICATED");
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
