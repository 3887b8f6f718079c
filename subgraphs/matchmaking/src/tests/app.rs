//! The assembled service: settings, `app()` with its background matcher and outbox
//! relay, and its HTTP face.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use futures_util::StreamExt;
use serde_json::json;
use subgraph_kit::auth::JwtVerifier;
use subgraph_kit::events::{EventBus, InProcessBus};
use tower::ServiceExt;

use super::*;
use crate::settings::MatchmakingSettings;
use crate::tickets::TicketStatus;

fn minimal() -> Value {
    json!({
        "server": { "listen": "127.0.0.1:0" },
        "database": { "url": "sqlite::memory:" },
        "auth": { "jwks_url": "http://127.0.0.1:9/jwks" },
        "peers": { "chaos_url": "http://127.0.0.1:9/graphql" },
    })
}

fn verifier() -> Arc<JwtVerifier> {
    let auth: subgraph_kit::settings::AuthSettings =
        serde_json::from_value(json!({ "jwks_url": "http://127.0.0.1:9/jwks" }))
            .expect("auth settings parse");
    JwtVerifier::remote(&auth)
}

#[test]
fn settings_default_the_rules_and_refuse_unknown_fields() {
    let settings: MatchmakingSettings =
        serde_json::from_value(minimal()).expect("minimal settings parse");
    let rules = &settings.rules;
    assert_eq!(rules.tick_ms, 500);
    assert_eq!(
        (
            rules.initial_window,
            rules.widen_per_second,
            rules.max_window
        ),
        (100, 50.0, 1000)
    );
    assert_eq!(rules.ticket_timeout_secs, 120);
    assert_eq!(rules.regions, vec!["eu", "na", "asia"]);
    let skirmish = rules.mode("skirmish").expect("skirmish is a default mode");
    assert_eq!((skirmish.min_players(), skirmish.max_players()), (4, 6));
    assert_eq!(rules.mode("duel").map(|d| d.max_players()), Some(2));
    assert!(rules.validate().is_ok());

    let mut partial = minimal();
    partial["rules"] = json!({ "tick_ms": 50, "widen_per_second": 500.0 });
    let settings: MatchmakingSettings =
        serde_json::from_value(partial).expect("partial rules parse");
    assert_eq!(settings.rules.tick_ms, 50);
    assert_eq!(
        settings.rules.initial_window, 100,
        "the rest keeps defaults"
    );

    let mut unknown = minimal();
    unknown["rules"] = json!({ "tick_millis": 50 });
    assert!(serde_json::from_value::<MatchmakingSettings>(unknown).is_err());

    let broken = MatchmakingRules {
        modes: [(
            "solo".to_string(),
            crate::settings::ModeRules {
                teams: 1,
                min_team_size: 1,
                max_team_size: 1,
            },
        )]
        .into(),
        ..MatchmakingRules::default()
    };
    assert!(broken.validate().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_matches_in_the_background_and_publishes_the_event() {
    let database = TestDatabase::create("matchmaking").await;
    let mut settings: MatchmakingSettings =
        serde_json::from_value(minimal()).expect("minimal settings parse");
    settings.database = database.settings.clone();
    settings.rules.tick_ms = 50;
    let bus = Arc::new(InProcessBus::default());
    let app = crate::app(settings.clone(), verifier(), bus.clone())
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
                    json!({ "query": "{ matchmakingModes { name } matchmakingRegions }" })
                        .to_string(),
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
        body["data"],
        json!({
            "matchmakingModes": [{ "name": "duel" }, { "name": "skirmish" }],
            "matchmakingRegions": ["eu", "na", "asia"],
        })
    );

    // Queue two duellists beside the app (as its own resolvers would), and let the
    // background matcher pair them.
    let db = subgraph_kit::db::connect_and_migrate::<migrations::matchmaking::Migrator>(
        &settings.database,
    )
    .await
    .expect("connects");
    let actors = FakeActors::default();
    let mut tickets = Vec::new();
    for _ in 0..2 {
        let viewer = player();
        let actor_id = Uuid::new_v4();
        actors
            .0
            .lock()
            .expect("the actor map lock is never poisoned")
            .insert(actor_id, viewer.user_id);
        let queued = crate::tickets::enqueue(
            &db,
            &actors,
            &settings.rules,
            &viewer,
            EnqueueRequest {
                actor_id,
                mode: "duel".into(),
                region: "na".into(),
                party_actor_ids: Vec::new(),
                idempotency_key: "k".into(),
            },
        )
        .await
        .expect("queues");
        tickets.push(queued.row.id);
    }
    let mut events = bus
        .consume(subgraph_kit::events::topics::MATCHMAKING, "test")
        .await
        .expect("consumes");
    let delivery = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the match is published in time")
        .expect("a delivery")
        .expect("no bus error");
    assert_eq!(delivery.event.event_type, crate::MATCH_FORMED);
    assert_eq!(delivery.event.payload["region"], "na");
    for ticket_id in tickets {
        let stored = ticket::Entity::find_by_id(ticket_id)
            .one(&db)
            .await
            .expect("reads")
            .expect("exists");
        assert_eq!(stored.status, TicketStatus::Matched.code());
        assert_eq!(
            stored.match_id.map(|id| id.to_string()),
            Some(delivery.event.aggregate_id.clone())
        );
    }
    subgraph_kit::background::stop_all(app.background).await;
}

#[tokio::test]
async fn invalid_rules_stop_the_start() {
    let mut settings: MatchmakingSettings =
        serde_json::from_value(minimal()).expect("minimal settings parse");
    settings.rules.regions.clear();
    let started = crate::app(settings, verifier(), Arc::new(InProcessBus::default())).await;
    assert!(started.is_err());
}
