//! The assembled service: settings, `app()` and its HTTP face.

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use serde_json::json;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::InProcessBus;
use tower::ServiceExt;

use super::*;
use crate::settings::AnalyticsSettings;

fn minimal() -> Value {
    json!({
        "server": { "listen": "127.0.0.1:0" },
        "auth": { "jwks_url": "http://127.0.0.1:9/jwks" },
    })
}

#[test]
fn settings_default_to_the_embedded_store_and_refuse_unknown_fields() {
    let parsed: AnalyticsSettings = serde_json::from_value(minimal()).expect("parses");
    assert_eq!(parsed.documents.url.expose(), "sqlite://data/analytics.db");
    assert!(parsed.events.kafka_bootstrap.is_none());
    let mut unknown = minimal();
    unknown["documents"] = json!({ "url": "sqlite://x.db", "collection": "raw" });
    assert!(serde_json::from_value::<AnalyticsSettings>(unknown).is_err());
}

#[tokio::test]
async fn the_app_is_ready_and_refuses_anonymous_analytics() {
    let mut settings: AnalyticsSettings = serde_json::from_value(minimal()).expect("parses");
    let dir = std::env::temp_dir().join("chaos-tests");
    settings.documents.url = subgraph_kit::secret::Secret::new(format!(
        "sqlite://{}/analytics_app_{}.db",
        dir.display(),
        Uuid::new_v4().simple()
    ));
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
                    json!({ "query": "{ analyticsSkillUsage { skillId } }" }).to_string(),
                ))
                .expect("a request"),
        )
        .await
        .expect("answers");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    subgraph_kit::background::stop_all(app.background).await;
}

#[test]
fn the_sdl_declares_the_admin_contract() {
    let sdl = subgraph_kit::sdl::federated_sdl(&crate::schema(None));
    for expected in [
        "analyticsActivePlayers(granularity: AnalyticsGranularity!, from: DateTime, to: DateTime): [AnalyticsActivePlayers!]! @requiresScopes(scopes: [[\"admin\"]])",
        "analyticsSkillUsage(from: DateTime, to: DateTime): [AnalyticsSkillUsage!]! @requiresScopes(scopes: [[\"admin\"]])",
        "analyticsEconomy(from: DateTime, to: DateTime): AnalyticsEconomy! @requiresScopes(scopes: [[\"admin\"]])",
        "analyticsMatchesPerMode(from: DateTime, to: DateTime): [AnalyticsModeMatches!]! @requiresScopes(scopes: [[\"admin\"]])",
        "analyticsTopPlayers(metric: AnalyticsTopPlayerMetric!, first: Int! = 10, from: DateTime, to: DateTime): [AnalyticsTopPlayer!]! @requiresScopes(scopes: [[\"admin\"]])",
        "analyticsEvents(type: String, first: Int, after: String): AnalyticsEventPage! @requiresScopes(scopes: [[\"admin\"]])",
    ] {
        assert!(sdl.contains(expected), "missing `{expected}` in:\n{sdl}");
    }
}
