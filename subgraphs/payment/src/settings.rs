//! Configuration of the payment service (`CHAOS_PAYMENT__…`).

use serde::Deserialize;
use subgraph_kit::settings::{
    AuthSettings, DatabaseSettings, EventSettings, PeerSettings, ServerSettings,
};

/// Everything the payment service reads at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettings {
    /// Listen address.
    pub server: ServerSettings,
    /// The payment database (wallet ledger, purchases, catalogue).
    pub database: DatabaseSettings,
    /// Token verification.
    pub auth: AuthSettings,
    /// The subgraphs asked directly (actor ownership in chaos, for item deliveries).
    pub peers: PeerSettings,
    /// Google Play receipt verification; without it, `purchase` with a Google Play
    /// receipt fails with `STORE_NOT_CONFIGURED`.
    #[serde(default)]
    pub google_play: Option<GooglePlaySettings>,
    /// Domain events.
    #[serde(default)]
    pub events: EventSettings,
}

/// The app's Google Play listing, whose key signs in-app purchase data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GooglePlaySettings {
    /// The app's package name (e.g. `com.chaos.game`); receipts for other apps are refused.
    pub package_name: String,
    /// The app's licensing public key as the Play Console shows it: base64 of the DER
    /// X.509 `SubjectPublicKeyInfo` of an RSA key. A PEM block is accepted too. It is
    /// public, so it needs no secret wrapper.
    pub public_key: String,
}
