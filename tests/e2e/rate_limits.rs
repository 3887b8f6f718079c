//! Router rate limits (router/src/rate_limits.rs): per player across replicas, per
//! client address before anything is parsed. With `CHAOS_TEST_REDIS_URL` (the test
//! command's engine pass) the counts live in Redis and two routers share them; on the
//! embedded default each router counts alone, and the test checks that instead.

use serde_json::json;
use subgraph_kit::testing::{GraphqlClient, GraphqlResponse};

use crate::helpers::*;

const ME: &str = "{ me { id actors { id } } }";
const CREATE_ACTOR: &str = "mutation($n: String!) { createActor(name: $n, class: MAGE) { id } }";

fn redis_url() -> String {
    std::env::var("CHAOS_TEST_REDIS_URL").unwrap_or_default()
}

/// A `RATE_LIMITED` refusal: HTTP 429 and a positive wait.
fn assert_rate_limited(response: &GraphqlResponse) {
    response.assert_error_code("RATE_LIMITED");
    assert_eq!(response.status, 429, "{}", response.body);
    let retry_after = response.errors()[0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap_or_default();
    assert!(retry_after > 0, "{}", response.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_player_over_the_limit_is_refused_on_every_replica_and_nothing_runs() {
    // A day-long window: the test never straddles two.
    let app = spawn_app_with(|config| {
        config.rate_limits = Some(json!({
            "per_player": { "requests": 4, "window_seconds": 86400 },
            "redis_url": redis_url(),
            "namespace": unique("chaos-test-"),
        }))
    })
    .await;
    let player = app.new_player().await;
    let other = app.new_player().await;

    for _ in 0..4 {
        app.client
            .as_user(&player.access_token, ME, json!({}))
            .await
            .data();
    }
    assert_rate_limited(
        &app.client
            .as_user(&player.access_token, ME, json!({}))
            .await,
    );
    // A refused mutation never reaches a subgraph.
    let refused = app
        .client
        .as_user(
            &player.access_token,
            CREATE_ACTOR,
            json!({ "n": unique("Limited") }),
        )
        .await;
    assert_rate_limited(&refused);
    let chaos = GraphqlClient::new(format!(
        "http://{}/graphql",
        app.supergraph.subgraphs["chaos"]
    ));
    let actors = chaos
        .as_user(
            &player.access_token,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { actors { id } } } }",
            json!({ "r": [{ "__typename": "User", "id": player.user_id }] }),
        )
        .await;
    assert_eq!(
        actors.data()["_entities"][0]["actors"],
        json!([]),
        "no actor was created"
    );
    // Other players keep their own budget.
    app.client
        .as_user(&other.access_token, ME, json!({}))
        .await
        .data();

    // A second replica over the same subgraphs.
    let replica = app
        .supergraph
        .spawn_router_replica()
        .await
        .expect("a second router starts");
    let through_replica = GraphqlClient::new(format!("http://{}/graphql", replica.addr()));
    let answer = through_replica
        .as_user(&player.access_token, ME, json!({}))
        .await;
    if redis_url().is_empty() {
        // Counted per process: the replica has its own budget.
        answer.data();
    } else {
        assert_rate_limited(&answer);
    }
    replica.stop().await;
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_over_the_limit_is_refused_before_its_request_is_read() {
    let app = spawn_app_with(|config| {
        config.rate_limits = Some(json!({
            "per_ip": { "requests": 3, "window_seconds": 86400 },
            "redis_url": redis_url(),
            "namespace": unique("chaos-test-"),
        }))
    })
    .await;
    for _ in 0..3 {
        app.client
            .anonymous("{ __typename }", json!({}))
            .await
            .data();
    }
    let limited = app.client.anonymous("{ __typename }", json!({})).await;
    assert_rate_limited(&limited);
    // Refused before parsing: malformed documents and a claimed forwarded address too.
    assert_rate_limited(&app.client.anonymous("{ not graphql", json!({})).await);
    let spoofed = app
        .client
        .request_with_headers(
            "{ __typename }",
            json!({}),
            None,
            &[("x-forwarded-for", "10.9.8.7")],
        )
        .await;
    assert_rate_limited(&spoofed);
    app.supergraph.stop().await.expect("stops cleanly");
}

/// Behind a trusted load balancer (the test client plays it), each client address the
/// balancer forwards has its own count, whatever the clients claimed themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_address_counts_alone() {
    let app = spawn_app_with(|config| {
        config.rate_limits = Some(json!({
            "per_ip": { "requests": 2, "window_seconds": 86400 },
            "redis_url": redis_url(),
            "namespace": unique("chaos-test-"),
        }));
        config.trusted_proxies = Some("127.0.0.1".into());
    })
    .await;
    let from = |chain: &'static str| [("x-forwarded-for", chain)];
    for chain in ["203.0.113.1", "10.9.8.7, 203.0.113.1"] {
        app.client
            .request_with_headers("{ __typename }", json!({}), None, &from(chain))
            .await
            .data();
    }
    // 203.0.113.1 is spent, whatever it claims in front of the balancer's entry.
    let spent = app
        .client
        .request_with_headers(
            "{ __typename }",
            json!({}),
            None,
            &from("1.1.1.1, 203.0.113.1"),
        )
        .await;
    assert_rate_limited(&spent);
    app.client
        .request_with_headers("{ __typename }", json!({}), None, &from("203.0.113.2"))
        .await
        .data();
    app.supergraph.stop().await.expect("stops cleanly");
}
