//! The assembled service: settings, `app()` and its HTTP face, with the content
//! consumer fed through the bus.

use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::{EventBus, InProcessBus};
use tower::ServiceExt;

use super::*;
use crate::settings::EventsSettings;

fn minimal() -> Value {
    json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
        "auth": { "jwks_url": "http://127.0.0.1:9/jwks" },
        "peers": { "chaos_url": "http://127.0.0.1:9/graphql" },
    })
}

#[test]
fn settings_refuse_unknown_fields() {
    let mut settings = minimal();
    settings["live"] = json!({ "redis": "redis://nowhere" });
    assert!(serde_json::from_value::<EventsSettings>(settings).is_err());
    let parsed: EventsSettings = serde_json::from_value(minimal()).expect("minimal settings parse");
    assert!(parsed.live.redis_url.is_none());
    assert!(parsed.events.kafka_bootstrap.is_none());
}

async fn post(router: &axum::Router, query: &str) -> Value {
    let response = router
        .clone()
        .oneshot(
            HttpRequest::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(json!({ "query": query }).to_string()))
                .expect("a request"),
        )
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    serde_json::from_slice(&body).expect("JSON")
}

#[tokio::test]
async fn the_app_is_ready_and_projects_events_from_the_bus() {
    let mut settings: EventsSettings = serde_json::from_value(minimal()).expect("parses");
    settings.database = TestDatabase::create("events").await.settings;
    let bus = Arc::new(InProcessBus::default());
    let verifier = JwtVerifier::remote(&settings.auth);
    let app = crate::app(settings, verifier, bus.clone())
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

    let now = Utc::now();
    bus.publish(
        topics::CONTENT,
        &published(
            "EVENT",
            "ember_festival",
            1,
            definition(
                "ember_festival",
                now - Duration::hours(1),
                now + Duration::hours(1),
            ),
        ),
    )
    .await
    .expect("publishes");
    let mut listed = Value::Null;
    for _ in 0..100 {
        listed = post(&app.router, "{ liveEvents { id status } }").await;
        if listed["data"]["liveEvents"] != json!([]) {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(
        listed["data"]["liveEvents"],
        json!([{ "id": "ember_festival", "status": "RUNNING" }])
    );
    subgraph_kit::background::stop_all(app.background).await;
}
