//! The assembled service: settings, `app()` and its HTTP face.

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use serde_json::json;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::InProcessBus;
use tower::ServiceExt;

use super::*;
use crate::settings::AnticheatSettings;

fn minimal() -> Value {
    json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
        "auth": { "jwks_url": "http://127.0.0.1:9/jwks" },
        "peers": { "chaos_url": "http://127.0.0.1:9/graphql" },
    })
}

#[test]
fn settings_have_defaults_and_refuse_unknown_fields() {
    let settings: AnticheatSettings = serde_json::from_value(minimal()).expect("parses");
    assert_eq!(settings.rules.cast_rejections_to_flag, 3);
    assert_eq!(settings.rules.cast_window_secs, 10);
    assert!(settings.peers.users_url.is_none());
    let mut unknown = minimal();
    unknown["rules"] = json!({ "cast_window_secs": 5, "typo": 1 });
    assert!(serde_json::from_value::<AnticheatSettings>(unknown).is_err());
}

#[tokio::test]
async fn the_app_starts_is_ready_and_guards_admin_fields() {
    let mut settings: AnticheatSettings = serde_json::from_value(minimal()).expect("parses");
    settings.database = TestDatabase::create("anticheat").await.settings;
    let verifier = JwtVerifier::remote(&settings.auth);
    let app = crate::app(settings, verifier, Arc::new(InProcessBus::default()))
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
                    json!({ "query": "{ anticheatFlags { edges { node { id } } } }" }).to_string(),
                ))
                .expect("a request"),
        )
        .await
        .expect("answers");
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    subgraph_kit::background::stop_all(app.background).await;
}

#[test]
fn the_sdl_hides_internal_fields_and_requires_admin() {
    let sdl = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    assert!(
        sdl.contains("recordVerdict(") && sdl.contains("@inaccessible"),
        "{sdl}"
    );
    assert!(
        sdl.contains("sanctionPlayer(") && sdl.contains("@requiresScopes"),
        "{sdl}"
    );
    assert!(
        sdl.contains("reportPlayer(") && sdl.contains("@authenticated"),
        "{sdl}"
    );
}
