//! The security suite: attacks through the router, as production runs it (introspection
//! and GraphiQL off), each refused with its code and nothing changed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use subgraph_kit::auth::AccessClaims;
use users_subgraph::SigningKeys;
use uuid::Uuid;

use crate::helpers::*;

const GRANT_XP: &str = "mutation($a: ID!, $n: Int!, $k: String!) { grantExperience(actorId: $a, amount: $n, idempotencyKey: $k) { amount } }";
const DELETE_ACTOR: &str = "mutation($a: ID!) { deleteActor(actorId: $a) }";
const ACTOR: &str = "query($a: ID!) { actor(id: $a) { id name experience } }";

/// `character`'s actor as its owner sees it.
async fn own_actor(app: &TestApp, character: &Character) -> serde_json::Value {
    app.client
        .as_user(
            &character.player.access_token,
            ACTOR,
            json!({ "a": character.actor_id }),
        )
        .await
        .data()["actor"]
        .clone()
}

/// The production router: the committed config as `chaos router` runs it.
async fn production() -> TestApp {
    spawn_app_with(|config| config.developer_tools = false).await
}

/// `me { actors { owner { actors … } } }`, `levels` list levels deep, ending in `name`.
fn nested_actors(levels: usize) -> String {
    let mut selection = "name".to_string();
    for level in 0..levels {
        selection = if level == 0 {
            format!("actors {{ {selection} }}")
        } else {
            format!("actors {{ owner {{ {selection} }} }}")
        };
    }
    format!("{{ me {{ {selection} }} }}")
}

/// A token with the same claims as `token`, signed `alg: none`.
fn unsigned_copy(token: &str) -> String {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{payload}.")
}

/// Claims for `user_id` with the player scope, valid for an hour from now.
fn claims_for(user_id: &str, scope: &str) -> AccessClaims {
    let now = chrono::Utc::now().timestamp();
    AccessClaims {
        sub: user_id.parse().expect("uuid"),
        username: "forger".into(),
        scope: scope.into(),
        sid: Uuid::new_v4(),
        iss: "chaos-users".into(),
        aud: "chaos".into(),
        iat: now,
        exp: now + 3600,
        jti: Uuid::new_v4(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_expired_and_unsigned_tokens_are_refused_and_change_nothing() {
    let app = production().await;
    let mallory = app.new_character("Mallory", "CLERIC").await;
    let before = own_actor(&app, &mallory).await;

    // An admin scope signed with a key of the attacker's own.
    let other_keys = SigningKeys::generate().expect("generates a key");
    let forged = other_keys
        .sign(&claims_for(&mallory.player.user_id, "player admin"))
        .expect("signs");
    // The genuine token's claims with the signature stripped and `alg: none`.
    let unsigned = unsigned_copy(&mallory.player.access_token);
    let mut expired_claims = claims_for(&mallory.player.user_id, "player admin");
    expired_claims.iat -= 7200;
    expired_claims.exp -= 7200;
    let expired = app.mint(&expired_claims);

    for token in [&forged, &unsigned, &expired] {
        app.client
            .as_user(
                token,
                GRANT_XP,
                json!({ "a": mallory.actor_id, "n": 1000, "k": unique("k") }),
            )
            .await
            .assert_error_code("UNAUTHENTICATED");
        app.client
            .as_user(token, ME_ACTORS, json!({}))
            .await
            .assert_error_code("UNAUTHENTICATED");
    }
    assert_eq!(own_actor(&app, &mallory).await, before, "nothing changed");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn players_cannot_act_as_others_or_as_admins_and_refresh_tokens_replay_once() {
    let app = production().await;
    let victim = app.new_character("Victim", "WARRIOR").await;
    let mallory = app.new_character("Mallory", "CLERIC").await;

    // Someone else's actor.
    app.client
        .as_user(
            &mallory.player.access_token,
            DELETE_ACTOR,
            json!({ "a": victim.actor_id }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    // An admin mutation with a player's token.
    app.client
        .as_user(
            &mallory.player.access_token,
            GRANT_XP,
            json!({ "a": mallory.actor_id, "n": 1000, "k": unique("k") }),
        )
        .await
        .assert_error_code("FORBIDDEN");
    assert_eq!(
        own_actor(&app, &victim).await["id"],
        victim.actor_id.as_str()
    );
    assert_eq!(own_actor(&app, &mallory).await["experience"], 0);

    // A stolen refresh token replayed after its owner used it.
    let stolen = victim.player.refresh_token.clone();
    app.client
        .anonymous(REFRESH, json!({ "r": stolen }))
        .await
        .data();
    app.client
        .anonymous(REFRESH, json!({ "r": stolen }))
        .await
        .assert_error_code("REFRESH_TOKEN_REUSED");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_deep_aliased_and_expensive_documents_are_refused_before_execution() {
    let app = production().await;
    let player = app.new_player().await;
    let token = &player.access_token;

    // Depth: 14 levels (the limit is 12).
    app.client
        .as_user(token, &nested_actors(7), json!({}))
        .await
        .assert_error_code("MAX_DEPTH_EXCEEDED");
    // Cost: three nested lists estimate ~177 000 (the limit is 100 000).
    app.client
        .as_user(token, &nested_actors(3), json!({}))
        .await
        .assert_error_code("COST_ESTIMATED_TOO_EXPENSIVE");
    // The same shape one list shallower is an ordinary query.
    let fine = app
        .client
        .as_user(token, &nested_actors(2), json!({}))
        .await;
    assert!(fine.errors().is_empty(), "{}", fine.body);

    // An alias bomb: 31 aliases (the limit is 30).
    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    app.client
        .as_user(token, &format!("{{ {aliases} }}"), json!({}))
        .await
        .assert_error_code("MAX_ALIASES_EXCEEDED");
    // Too many tokens for the parser (the limit is 2 000).
    let fields: String = (0..2100).map(|_| "__typename ").collect();
    app.client
        .as_user(token, &format!("{{ {fields} }}"), json!({}))
        .await
        .assert_error_code("TOKEN_LIMIT_EXCEEDED");

    // A body over 64 KB never reaches the GraphQL layer.
    let http = reqwest::Client::new();
    let padding = "x".repeat(70_000);
    let oversized = http
        .post(app.supergraph.graphql_url())
        .bearer_auth(token)
        .json(&json!({ "query": "{ __typename }", "variables": { "padding": padding } }))
        .send()
        .await
        .expect("answers");
    assert_eq!(oversized.status(), 413);

    // A "simple" cross-site request (text/plain) without the CSRF header.
    let csrf = http
        .post(app.supergraph.graphql_url())
        .header("content-type", "text/plain")
        .body(json!({ "query": "{ __typename }" }).to_string())
        .send()
        .await
        .expect("answers");
    assert_eq!(csrf.status(), 403);
    let body: serde_json::Value = csrf.json().await.expect("a JSON error");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "CSRF_PREVENTION_FAILED"
    );
    drop(http);
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_serves_no_introspection_and_no_graphiql() {
    let app = production().await;
    app.client
        .anonymous("{ __schema { types { name } } }", json!({}))
        .await
        .assert_error_code("INTROSPECTION_DISABLED");
    let (_, page) = http_get(&app.supergraph.graphql_url(), "text/html").await;
    assert!(!page.to_lowercase().contains("<html"), "{page}");
    app.supergraph.stop().await.expect("stops cleanly");
}
