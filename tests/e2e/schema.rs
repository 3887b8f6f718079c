//! Schema discipline (committed SDL and supergraph are current) and the router's
//! developer-facing endpoints.

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use subgraph_kit::testing::WsClient;

use crate::helpers::*;

fn repo() -> PathBuf {
    subgraph_kit::testing::manifest_dir()
}

#[test]
fn committed_subgraph_sdl_matches_the_code() {
    let mut stale = Vec::new();
    for (name, sdl) in chaos_supergraph::schema_export::subgraph_sdls() {
        let path = repo()
            .join("schema/subgraphs")
            .join(format!("{name}.graphql"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(sdl.as_str()) {
            // Rewrite so `git diff` shows the change; the test still fails.
            std::fs::write(&path, &sdl).expect("writes the fresh SDL");
            stale.push(name);
        }
    }
    assert!(stale.is_empty(), "schema/subgraphs/{stale:?} were out of date and have been rewritten; run scripts/compose.sh and commit");
}

#[test]
fn committed_supergraph_is_the_composition_of_the_committed_sdl() {
    let composer = repo().join("composer");
    assert!(
        composer.join("node_modules/@apollo/composition").is_dir(),
        "the composer is not installed: run `npm ci` in composer/ (scripts/test.sh does)"
    );
    let output = Command::new("node")
        .arg("compose.mjs")
        .arg("--check")
        .current_dir(&composer)
        .output()
        .expect("node runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_serves_graphiql_health_and_the_composed_schema() {
    let app = spawn_app().await;
    let (status, page) = http_get(&app.supergraph.graphql_url(), "text/html").await;
    assert_eq!(status, 200);
    // Ours, embedded (router/src/graphiql.rs), not Hive's page that loads from a CDN.
    assert!(page.contains("<title>Chaos GraphiQL</title>"));
    assert!(!page.contains("unpkg.com"));
    // Only a browser gets the page; a client that takes anything gets GraphQL.
    let (_, answer) = http_get(&app.supergraph.graphql_url(), "*/*").await;
    assert!(!answer.contains("<html"), "{answer}");

    let http = reqwest::Client::new();
    let health = http
        .get(format!("http://{}/health", app.supergraph.router_addr()))
        .send()
        .await
        .expect("answers");
    assert_eq!(health.status(), 200);

    // Types of both subgraphs are served from the one endpoint.
    let response = app
        .client
        .anonymous("{ __type(name: \"User\") { fields { name } } }", json!({}))
        .await;
    let fields: Vec<String> = response.data()["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();
    assert!(
        fields.contains(&"username".to_string()) && fields.contains(&"actors".to_string()),
        "{fields:?}"
    );
    // An idle keep-alive connection would hold the graceful stop open.
    drop(http);
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subgraphs_speak_graphql_transport_ws_and_check_the_token_on_connection_init() {
    let app = spawn_app().await;
    let player = app.new_player().await;
    app.create_actor(&player, &unique("Ws"), "RANGER").await;
    let url = format!("ws://{}/graphql", app.supergraph.subgraphs["chaos"]);

    let refused =
        WsClient::connect(&url, json!({ "Authorization": "Bearer forged.token.here" })).await;
    assert!(refused.is_err(), "a forged token must not be acknowledged");

    let mut ws = WsClient::connect(
        &url,
        json!({ "Authorization": format!("Bearer {}", player.access_token) }),
    )
    .await
    .expect("a valid token is acknowledged");
    let query = "query($id: ID!) { _entities(representations: [{ __typename: \"User\", id: $id }]) { ... on User { actors { class } } } }";
    ws.subscribe("1", query, json!({ "id": player.user_id }))
        .await;
    let message = ws.next_message().await.expect("a result arrives");
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["data"]["_entities"][0]["actors"][0]["class"],
        "RANGER"
    );
    let done = ws.next_message().await.expect("completes");
    assert_eq!(done["type"], "complete");
    app.supergraph.stop().await.expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subgraphs_verify_tokens_again_when_called_directly() {
    let app = spawn_app().await;
    let player = app.new_player().await;
    let chaos = subgraph_kit::testing::GraphqlClient::new(format!(
        "http://{}/graphql",
        app.supergraph.subgraphs["chaos"]
    ));

    // Bypassing the router does not bypass authentication or authorization.
    chaos
        .anonymous(CREATE_ACTOR, json!({ "n": unique("Sneak"), "c": "MAGE" }))
        .await
        .assert_error_code("UNAUTHENTICATED");
    chaos
        .as_user(
            "forged.token.value",
            CREATE_ACTOR,
            json!({ "n": unique("Sneak"), "c": "MAGE" }),
        )
        .await
        .assert_error_code("UNAUTHENTICATED");
    let actor = app.create_actor(&player, &unique("Own"), "MAGE").await;
    let grant = "mutation($a: ID!) { grantExperience(actorId: $a, amount: 100, idempotencyKey: \"k\") { levelAfter } }";
    chaos
        .as_user(&player.access_token, grant, json!({ "a": actor }))
        .await
        .assert_error_code("FORBIDDEN");
    app.supergraph.stop().await.expect("stops cleanly");
}
