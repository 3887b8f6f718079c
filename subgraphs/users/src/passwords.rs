//! Password hashing: Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane),
//! run on the blocking pool so hashing never stalls the async workers.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use subgraph_kit::KitError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP minimum parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string.
pub async fn hash(password: String) -> Result<String, KitError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|err| KitError::Internal(err.to_string()))?
    .map_err(|err| KitError::Internal(err.to_string()))
}

/// Whether `password` matches `phc`. Unparseable hashes never match.
pub async fn verify(password: String, phc: String) -> Result<bool, KitError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|err| KitError::Internal(err.to_string()))
}

/// A hash of a password nobody has, verified against on unknown usernames so a login
/// for a missing account costs as much time as one for an existing account.
pub const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Rdescud9PwSyvyUIkSOF6MtIw2/oIpoKpzYmF1bAWXk";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_owasp_parameters() {
        let phc = hash("correct horse".into()).await.expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse".into(), phc.clone())
            .await
            .expect("verifies"));
        assert!(!verify("wrong horse".into(), phc).await.expect("verifies"));
        assert!(!verify("x".into(), "not a hash".into())
            .await
            .expect("verifies"));
    }
}
