//! The assembled service: settings, `app()` and its HTTP face.

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use serde_json::json;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::InProcessBus;
use subgraph_kit::testing::TestDatabase;
use tower::ServiceExt;

use super::*;
use crate::settings::{GooglePlaySettings, PaymentSettings};

async fn settings(google_play: Option<GooglePlaySettings>) -> PaymentSettings {
    let database = TestDatabase::create("payment").await;
    let mut settings: PaymentSettings = serde_json::from_value(json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
        "auth": { "jwks_url": "http://127.0.0.1:9/jwks" },
        "peers": { "chaos_url": "http://127.0.0.1:9/graphql" },
    }))
    .expect("minimal settings parse");
    settings.database = database.settings;
    settings.google_play = google_play;
    settings
}

#[test]
fn settings_refuse_unknown_fields() {
    let parsed = serde_json::from_value::<PaymentSettings>(json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
        "auth": { "jwks_url": "http://127.0.0.1:9/jwks" },
        "peers": { "chaos_url": "http://127.0.0.1:9/graphql" },
        "google_play": { "package_name": "com.chaos.game", "public_key": "x", "secret": "y" },
    }));
    assert!(parsed.is_err());
}

#[tokio::test]
async fn the_app_serves_the_catalogue_and_is_ready() {
    let google_play = GooglePlaySettings {
        package_name: PACKAGE.to_string(),
        public_key: SIGNER.public_key_base64(),
    };
    let app = crate::app(
        settings(Some(google_play)).await,
        JwtVerifier::remote(&subgraph_kit::settings::AuthSettings {
            issuer: "chaos-users".into(),
            audience: "chaos".into(),
            jwks_url: "http://127.0.0.1:9/jwks".into(),
            sanctions: Default::default(),
        }),
        Arc::new(InProcessBus::default()),
    )
    .await
    .expect("the app starts");
    let ready = app
        .router
        .clone()
        .oneshot(
            HttpRequest::get("/ready")
                .body(Body::empty())
                .expect("a request"),
        )
        .await
        .expect("answers");
    assert_eq!(ready.status(), StatusCode::OK);
    let response = app
        .router
        .clone()
        .oneshot(
            HttpRequest::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({ "query": "{ storeProducts { id product: name } }" }).to_string(),
                ))
                .expect("a request"),
        )
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        body["data"]["storeProducts"].as_array().map(Vec::len),
        Some(5),
        "{body}"
    );
    subgraph_kit::background::stop_all(app.background).await;
}

#[tokio::test]
async fn an_unreadable_store_key_stops_the_start() {
    let google_play = GooglePlaySettings {
        package_name: PACKAGE.to_string(),
        public_key: "not-a-key".to_string(),
    };
    let started = crate::app(
        settings(Some(google_play)).await,
        JwtVerifier::remote(&subgraph_kit::settings::AuthSettings {
            issuer: "chaos-users".into(),
            audience: "chaos".into(),
            jwks_url: "http://127.0.0.1:9/jwks".into(),
            sanctions: Default::default(),
        }),
        Arc::new(InProcessBus::default()),
    )
    .await;
    assert!(started.is_err());
}
