//! What operators watch: Prometheus metrics on the router and the subgraphs, and
//! readiness that follows the engines a service needs.

use serde_json::json;

use crate::helpers::*;
use subgraph_kit::testing::TestDatabase;

async fn get_text(url: String) -> (u16, String) {
    http_get(&url, "text/plain").await
}

/// Fails unless the series `series` in `text` is at least `min`.
fn assert_at_least(text: &str, series: &str, min: f64) {
    assert!(
        sample(text, series).is_some_and(|n| n >= min),
        "{series} below {min}:\n{text}"
    );
}

/// The value of the series `series` (name and labels exactly as rendered) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_and_subgraphs_expose_prometheus_metrics() {
    let app = spawn_app().await;
    let player = app.new_player().await;
    app.client
        .as_user(&player.access_token, ME_ACTORS, json!({}))
        .await
        .data();
    app.client
        .anonymous(ME_ACTORS, json!({}))
        .await
        .assert_error_code("UNAUTHENTICATED");
    app.client
        .anonymous(LOGIN, json!({ "u": "nobody-here", "p": "wrong-password" }))
        .await
        .assert_error_code("INVALID_CREDENTIALS");

    let (status, router) =
        get_text(format!("http://{}/metrics", app.supergraph.router_addr())).await;
    assert_eq!(status, 200);
    for name in [
        "http_server_request_duration_seconds",
        "http_client_request_duration_seconds",
        "hive_router_graphql_errors_total",
    ] {
        assert!(router.contains(name), "router lacks {name}:\n{router}");
    }

    let users = app.supergraph.subgraphs["users"];
    let (status, text) = get_text(format!("http://{users}/metrics")).await;
    assert_eq!(status, 200);
    assert_at_least(&text, "chaos_logins_total{outcome=\"ok\"}", 1.0);
    assert_at_least(
        &text,
        "chaos_graphql_requests_total{outcome=\"ok\",service=\"users\"}",
        2.0,
    );
    assert_at_least(
        &text,
        "chaos_graphql_request_duration_seconds_count{service=\"users\"}",
        2.0,
    );
    assert_at_least(&text, "chaos_logins_total{outcome=\"refused\"}", 1.0);
    assert_at_least(
        &text,
        "chaos_graphql_errors_total{code=\"INVALID_CREDENTIALS\",service=\"users\"}",
        1.0,
    );
    for name in [
        "chaos_chat_messages_total",
        "chaos_skill_casts_total",
        "chaos_purchases_total",
    ] {
        assert!(text.contains(name), "users lacks {name}");
    }
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_goes_false_when_the_database_is_gone() {
    // A database of its own (the other services' are schemas of a shared one).
    let database = TestDatabase::dedicated("chaos").await.settings;
    let chaos_database = database.url.expose().clone();
    let app = spawn_app_with(|config| config.chaos.database = database).await;
    let chaos = app.supergraph.subgraphs["chaos"];
    let (status, _) = get_text(format!("http://{chaos}/ready")).await;
    assert_eq!(status, 200);
    let (status, _) = get_text(format!("http://{}/readiness", app.supergraph.router_addr())).await;
    assert_eq!(status, 200);

    let Ok(admin_url) = std::env::var("CHAOS_TEST_POSTGRES_URL") else {
        // An embedded SQLite file cannot be stopped from outside; the test command's
        // PostgreSQL pass runs the rest.
        eprintln!("CHAOS_TEST_POSTGRES_URL not set: the PostgreSQL pass stops a database");
        app.supergraph.stop().await.expect("stops cleanly");
        return;
    };
    // Stop chaos's database under it: every session is terminated and the database
    // disappears, as when its server goes away.
    let name = chaos_database
        .rsplit_once('/')
        .map(|(_, name)| name.to_string())
        .expect("a database name");
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .expect("the test PostgreSQL server answers");
    sea_orm::ConnectionTrait::execute_unprepared(
        &admin,
        &format!("DROP DATABASE {name} WITH (FORCE)"),
    )
    .await
    .expect("drops the database");
    eventually("chaos to report not ready", || async {
        let (status, body) = get_text(format!("http://{chaos}/ready")).await;
        (status == 503).then_some(body)
    })
    .await;
    // Its neighbours are unaffected.
    let users = app.supergraph.subgraphs["users"];
    let (status, _) = get_text(format!("http://{users}/ready")).await;
    assert_eq!(status, 200);
    app.supergraph.stop().await.expect("stops cleanly");
}
