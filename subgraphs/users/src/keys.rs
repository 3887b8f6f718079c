//! The Ed25519 key that signs access tokens, and the JWKS that publishes its public half.

use std::path::Path;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{EncodingKey, Header};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subgraph_kit::auth::ALGORITHM;

/// DER prefix of a PKCS#8 v1 Ed25519 private key; the 32-byte seed follows.
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The signing key with its key id.
pub struct SigningKeys {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
    pkcs8_der: Vec<u8>,
}

impl SigningKeys {
    /// A fresh random key.
    pub fn generate() -> anyhow::Result<Self> {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let mut der = PKCS8_ED25519_PREFIX.to_vec();
        der.extend_from_slice(&seed);
        Self::from_pkcs8_der(der)
    }

    /// Loads the PEM at `path`, generating and saving one there when missing; without a
    /// path, a fresh key.
    pub fn load_or_generate(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Self::generate();
        };
        if path.exists() {
            let pem = std::fs::read_to_string(path)?;
            return Self::from_pem(&pem);
        }
        let keys = Self::generate()?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        write_private(path, &keys.to_pem())?;
        Ok(keys)
    }

    /// Parses a PKCS#8 `PRIVATE KEY` PEM.
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let body: String = pem
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        Self::from_pkcs8_der(STANDARD.decode(body.trim())?)
    }

    fn from_pkcs8_der(der: Vec<u8>) -> anyhow::Result<Self> {
        anyhow::ensure!(
            der.len() == 48 && der[..16] == PKCS8_ED25519_PREFIX,
            "not a PKCS#8 Ed25519 private key"
        );
        let encoding = EncodingKey::from_ed_der(&der);
        let mut jwk = Jwk::from_encoding_key(&encoding, ALGORITHM)?;
        // RFC 7638-style thumbprint of the public key: stable across restarts, so tokens
        // issued before a restart stay verifiable.
        let public = serde_json::to_vec(&jwk.algorithm)?;
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&public)[..12]);
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::EdDSA);
        Ok(Self {
            kid,
            encoding,
            jwk,
            pkcs8_der: der,
        })
    }

    /// The PEM form (for the key file).
    pub fn to_pem(&self) -> String {
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(&self.pkcs8_der)
        )
    }

    /// The published key set.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as a JWT with this key's `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }
}

/// Writes a secret file readable by its owner only.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use subgraph_kit::auth::{AccessClaims, JwtVerifier};
    use uuid::Uuid;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            sub: Uuid::new_v4(),
            username: "ann".into(),
            scope: "player".into(),
            sid: Uuid::new_v4(),
            iss: "chaos-users".into(),
            aud: "chaos".into(),
            iat: chrono::Utc::now().timestamp(),
            exp,
            jti: Uuid::new_v4(),
        }
    }

    #[tokio::test]
    async fn signed_tokens_verify_against_the_published_keys() {
        let keys = SigningKeys::generate().expect("generates");
        let verifier = JwtVerifier::with_keys(keys.jwks(), "chaos-users", "chaos");
        let token = keys
            .sign(&claims(chrono::Utc::now().timestamp() + 60))
            .expect("signs");
        assert!(verifier.verify(&token).await.is_ok());

        let expired = keys
            .sign(&claims(chrono::Utc::now().timestamp() - 3600))
            .expect("signs");
        assert!(verifier.verify(&expired).await.is_err());

        let other = SigningKeys::generate().expect("generates");
        let foreign = other
            .sign(&claims(chrono::Utc::now().timestamp() + 60))
            .expect("signs");
        assert!(verifier.verify(&foreign).await.is_err());
    }

    #[test]
    fn a_generated_key_file_is_private_and_reused() {
        let path = std::env::temp_dir().join(format!("chaos-key-{}.pem", Uuid::new_v4()));
        let first = SigningKeys::load_or_generate(Some(&path)).expect("generates");
        let again = SigningKeys::load_or_generate(Some(&path)).expect("loads");
        assert_eq!(first.kid(), again.kid());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_file(path).expect("cleans up");
    }

    #[test]
    fn pem_round_trip_keeps_the_kid() {
        let keys = SigningKeys::generate().expect("generates");
        let again = SigningKeys::from_pem(&keys.to_pem()).expect("parses");
        assert_eq!(keys.kid(), again.kid());
    }
}
