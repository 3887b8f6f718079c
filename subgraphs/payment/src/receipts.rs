//! Store receipts: proof from a store that a player paid for a product.
//!
//! A [`ReceiptProvider`] checks a receipt offline and returns the [`VerifiedPurchase`]
//! it proves. [`GooglePlayVerifier`] checks Google Play's in-app purchase data: the
//! exact JSON string the Play Store signed with the app's RSA key (RSASSA-PKCS1-v1_5
//! over SHA-1, Google's `SHA1withRSA`), the app's package name and the purchase state.
//! Whether the product matches, and whether the purchase token was redeemed before,
//! is the purchase command's business.
//!
//! [`testing::TestStoreSigner`] (feature `testing`) signs purchase data like the Play
//! Store does, with a key of its own, for tests.

use async_graphql::Enum;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use serde::Deserialize;
use sha1::{Digest, Sha1};

/// Largest purchase data accepted (Google's is a few hundred bytes).
const MAX_PURCHASE_DATA_BYTES: usize = 16 * 1024;
/// Largest base64 signature accepted (a 4096-bit RSA signature is 684 characters).
const MAX_SIGNATURE_CHARS: usize = 2048;

/// A store that sells products for real money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum StoreProvider {
    /// Google Play in-app products.
    GooglePlay,
}

impl StoreProvider {
    /// The stored code (also `Purchase.provider`).
    pub fn code(self) -> &'static str {
        match self {
            StoreProvider::GooglePlay => "GOOGLE_PLAY",
        }
    }

    /// The store's name for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            StoreProvider::GooglePlay => "Google Play",
        }
    }
}

/// What a valid receipt proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPurchase {
    /// The store's order id (e.g. `GPA.1234-5678-9012-34567`).
    pub order_id: String,
    /// The store's product id, which is the product's SKU.
    pub product_id: String,
    /// The store's unique token of this purchase; each redeems once.
    pub purchase_token: String,
    /// When the player bought it.
    pub purchase_time: DateTime<Utc>,
}

/// Why a receipt was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    /// The signature is not base64, or does not match the data under the store's key.
    #[error("the signature does not match the purchase data")]
    BadSignature,
    /// The signed data is not the store's purchase JSON.
    #[error("the purchase data is malformed: {0}")]
    Malformed(String),
    /// The receipt is for another app.
    #[error("the receipt is for another app")]
    WrongPackage,
    /// The purchase is pending, cancelled or refunded, not purchased.
    #[error("the purchase is not in the purchased state")]
    NotPurchased,
}

/// Checks one store's receipts.
pub trait ReceiptProvider: Send + Sync {
    /// The store it checks.
    fn provider(&self) -> StoreProvider;

    /// Checks `signature` over `purchase_data` and returns what the receipt proves.
    fn verify(
        &self,
        purchase_data: &str,
        signature: &str,
    ) -> Result<VerifiedPurchase, ReceiptError>;
}

/// Why a Google Play public key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid Google Play public key: {0}")]
pub struct InvalidPublicKey(String);

/// Verifies Google Play in-app purchase data offline, with the app's licensing key.
pub struct GooglePlayVerifier {
    package_name: String,
    key: RsaPublicKey,
}

/// Google's in-app purchase data (`INAPP_PURCHASE_DATA`, `Purchase.getOriginalJson()`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GooglePurchaseData {
    order_id: String,
    package_name: String,
    product_id: String,
    purchase_time: i64,
    purchase_state: i64,
    purchase_token: String,
}

/// Google's `purchaseState` of a completed purchase.
const PURCHASED: i64 = 0;

impl GooglePlayVerifier {
    /// A verifier for `package_name`, with `public_key` as the Play Console shows it
    /// (base64 DER `SubjectPublicKeyInfo`; whitespace is ignored) or as a PEM block.
    pub fn new(package_name: &str, public_key: &str) -> Result<Self, InvalidPublicKey> {
        let public_key = public_key.trim();
        let key = if public_key.starts_with("-----BEGIN") {
            RsaPublicKey::from_public_key_pem(public_key)
                .map_err(|err| InvalidPublicKey(err.to_string()))?
        } else {
            let compact: String = public_key.split_whitespace().collect();
            let der = STANDARD
                .decode(compact)
                .map_err(|err| InvalidPublicKey(err.to_string()))?;
            RsaPublicKey::from_public_key_der(&der)
                .map_err(|err| InvalidPublicKey(err.to_string()))?
        };
        let package_name = package_name.trim();
        if package_name.is_empty() {
            return Err(InvalidPublicKey("the package name is empty".to_string()));
        }
        Ok(Self {
            package_name: package_name.to_string(),
            key,
        })
    }

    /// A verifier from the service's settings.
    pub fn from_settings(
        settings: &crate::settings::GooglePlaySettings,
    ) -> Result<Self, InvalidPublicKey> {
        Self::new(&settings.package_name, &settings.public_key)
    }

    fn check_signature(&self, purchase_data: &str, signature: &str) -> Result<(), ReceiptError> {
        if signature.len() > MAX_SIGNATURE_CHARS {
            return Err(ReceiptError::BadSignature);
        }
        let compact: String = signature.split_whitespace().collect();
        let signature = STANDARD
            .decode(compact)
            .map_err(|_| ReceiptError::BadSignature)?;
        let digest = Sha1::digest(purchase_data.as_bytes());
        self.key
            .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, &signature)
            .map_err(|_| ReceiptError::BadSignature)
    }
}

impl ReceiptProvider for GooglePlayVerifier {
    fn provider(&self) -> StoreProvider {
        StoreProvider::GooglePlay
    }

    fn verify(
        &self,
        purchase_data: &str,
        signature: &str,
    ) -> Result<VerifiedPurchase, ReceiptError> {
        if purchase_data.len() > MAX_PURCHASE_DATA_BYTES {
            return Err(ReceiptError::Malformed("too large".to_string()));
        }
        // The signature first: nothing unsigned is parsed.
        self.check_signature(purchase_data, signature)?;
        let data: GooglePurchaseData = serde_json::from_str(purchase_data)
            .map_err(|err| ReceiptError::Malformed(err.to_string()))?;
        if data.package_name != self.package_name {
            return Err(ReceiptError::WrongPackage);
        }
        if data.purchase_state != PURCHASED {
            return Err(ReceiptError::NotPurchased);
        }
        if data.purchase_token.is_empty() || data.purchase_token.len() > 1024 {
            return Err(ReceiptError::Malformed("bad purchaseToken".to_string()));
        }
        if data.order_id.is_empty() || data.order_id.len() > 128 {
            return Err(ReceiptError::Malformed("bad orderId".to_string()));
        }
        let purchase_time = DateTime::from_timestamp_millis(data.purchase_time)
            .ok_or_else(|| ReceiptError::Malformed("bad purchaseTime".to_string()))?;
        Ok(VerifiedPurchase {
            order_id: data.order_id,
            product_id: data.product_id,
            purchase_token: data.purchase_token,
            purchase_time,
        })
    }
}

/// Signing purchase data like a store does, for tests in this and other crates. It signs
/// with keys the caller makes; nothing here is trusted unless a test configures it.
/// Compiled in every build (no feature): the tests and `cargo run` then share one build
/// of this crate and of the supergraph that links it.
pub mod testing {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
    use rsa::{Pkcs1v15Sign, RsaPrivateKey};
    use sha1::{Digest, Sha1};

    /// A store's signing key pair, made up for a test: sign purchase data with it and
    /// configure the payment service with [`TestStoreSigner::public_key_base64`].
    ///
    /// ```ignore
    /// let signer = TestStoreSigner::generate();
    /// // settings.google_play = Some(GooglePlaySettings { package_name: "com.chaos.game".into(),
    /// //     public_key: signer.public_key_base64() });
    /// let data = TestStoreSigner::purchase_data("com.chaos.game", "gems_100", "GPA.1", "token-1");
    /// let signature = signer.sign(&data);
    /// // mutation { purchase(productId: "gems_100", receipt: { provider: GOOGLE_PLAY,
    /// //     purchaseData: data, signature }, idempotencyKey: "k1") { id } }
    /// ```
    #[derive(Clone)]
    pub struct TestStoreSigner {
        key: RsaPrivateKey,
    }

    impl TestStoreSigner {
        /// A fresh 2048-bit key pair (a fraction of a second in release builds; share
        /// one per test binary).
        pub fn generate() -> Self {
            let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                .expect("generating a 2048-bit RSA key succeeds");
            Self { key }
        }

        /// One key pair per machine for test processes, kept in the temporary folder
        /// (`chaos-tests/store-signer.pem`): generating 2048-bit RSA costs every test
        /// process a few hundred milliseconds of CPU otherwise. Written under a unique
        /// name and renamed into place, so processes racing to create it each read a
        /// whole key.
        pub fn shared() -> Self {
            let dir = std::env::temp_dir().join("chaos-tests");
            let path = dir.join("store-signer.pem");
            if let Some(signer) = std::fs::read_to_string(&path)
                .ok()
                .and_then(|pem| Self::from_pkcs8_pem(&pem).ok())
            {
                return signer;
            }
            let signer = Self::generate();
            let pem = signer
                .key
                .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                .expect("an RSA private key encodes as PKCS#8");
            let partial = dir.join(format!(
                "store-signer-{}.pem",
                uuid::Uuid::new_v4().simple()
            ));
            let saved = std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::write(&partial, pem.as_bytes()))
                .and_then(|()| std::fs::rename(&partial, &path));
            if let Err(err) = saved {
                eprintln!(
                    "could not keep the test store key at {}: {err}",
                    path.display()
                );
            }
            signer
        }

        /// A signer with a PKCS#8 PEM private key (e.g. a committed fixture).
        pub fn from_pkcs8_pem(pem: &str) -> Result<Self, rsa::pkcs8::Error> {
            Ok(Self {
                key: RsaPrivateKey::from_pkcs8_pem(pem)?,
            })
        }

        /// The public key as the Play Console shows it (base64 DER `SubjectPublicKeyInfo`),
        /// for `google_play.public_key`.
        pub fn public_key_base64(&self) -> String {
            let der = self
                .key
                .to_public_key()
                .to_public_key_der()
                .expect("an RSA public key encodes as DER");
            STANDARD.encode(der.as_bytes())
        }

        /// The base64 SHA1withRSA signature of `purchase_data`, as Google Play sends it.
        pub fn sign(&self, purchase_data: &str) -> String {
            let digest = Sha1::digest(purchase_data.as_bytes());
            let signature = self
                .key
                .sign(Pkcs1v15Sign::new::<Sha1>(), &digest)
                .expect("signing a SHA-1 digest with a 2048-bit key succeeds");
            STANDARD.encode(signature)
        }

        /// Google Play purchase data for a completed purchase made now.
        pub fn purchase_data(
            package_name: &str,
            product_id: &str,
            order_id: &str,
            purchase_token: &str,
        ) -> String {
            serde_json::json!({
                "orderId": order_id,
                "packageName": package_name,
                "productId": product_id,
                "purchaseTime": chrono::Utc::now().timestamp_millis(),
                "purchaseState": 0,
                "purchaseToken": purchase_token,
                "quantity": 1,
                "acknowledged": false,
            })
            .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::testing::TestStoreSigner;
    use super::*;

    static SIGNER: LazyLock<TestStoreSigner> = LazyLock::new(TestStoreSigner::generate);
    const PACKAGE: &str = "com.chaos.game";

    fn verifier() -> GooglePlayVerifier {
        GooglePlayVerifier::new(PACKAGE, &SIGNER.public_key_base64()).expect("valid key")
    }

    #[test]
    fn a_signed_purchase_verifies() {
        let data = TestStoreSigner::purchase_data(PACKAGE, "gems_100", "GPA.1", "tok-1");
        let purchase = verifier()
            .verify(&data, &SIGNER.sign(&data))
            .expect("verifies");
        assert_eq!(purchase.product_id, "gems_100");
        assert_eq!(purchase.order_id, "GPA.1");
        assert_eq!(purchase.purchase_token, "tok-1");
    }

    #[test]
    fn tampered_data_and_foreign_signatures_are_refused() {
        let data = TestStoreSigner::purchase_data(PACKAGE, "gems_100", "GPA.1", "tok-1");
        let signature = SIGNER.sign(&data);
        let tampered = data.replace("gems_100", "gems_550");
        assert_eq!(
            verifier().verify(&tampered, &signature),
            Err(ReceiptError::BadSignature)
        );
        assert_eq!(
            verifier().verify(&data, "not base64!"),
            Err(ReceiptError::BadSignature)
        );
        let other = TestStoreSigner::generate();
        assert_eq!(
            verifier().verify(&data, &other.sign(&data)),
            Err(ReceiptError::BadSignature)
        );
    }

    #[test]
    fn other_apps_and_unfinished_purchases_are_refused() {
        let data = TestStoreSigner::purchase_data("com.other.app", "gems_100", "GPA.1", "t");
        assert_eq!(
            verifier().verify(&data, &SIGNER.sign(&data)),
            Err(ReceiptError::WrongPackage)
        );
        let pending = TestStoreSigner::purchase_data(PACKAGE, "gems_100", "GPA.1", "t")
            .replace("\"purchaseState\":0", "\"purchaseState\":4");
        assert_eq!(
            verifier().verify(&pending, &SIGNER.sign(&pending)),
            Err(ReceiptError::NotPurchased)
        );
        let garbage = "{\"hello\":1}";
        assert!(matches!(
            verifier().verify(garbage, &SIGNER.sign(garbage)),
            Err(ReceiptError::Malformed(_))
        ));
    }

    #[test]
    fn keys_are_read_as_the_play_console_shows_them() {
        let base64 = SIGNER.public_key_base64();
        let wrapped: String = base64
            .as_bytes()
            .chunks(64)
            .map(|line| String::from_utf8_lossy(line).into_owned() + "\n")
            .collect();
        assert!(GooglePlayVerifier::new(PACKAGE, &wrapped).is_ok());
        assert!(GooglePlayVerifier::new(PACKAGE, "bm90IGEga2V5").is_err());
        assert!(GooglePlayVerifier::new(" ", &base64).is_err());
    }
}
