//! Allow-list mode at the router (`chaos router --persisted-documents <manifest>`):
//! clients send operation ids from a manifest built with the client; query text, even
//! of an allowed operation, and unknown ids are refused before anything runs.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::*;

const ME: &str = "query Me { me { id username actors { id } } }";
const CREATE_ACTOR: &str = "mutation($n: String!) { createActor(name: $n, class: MAGE) { id } }";

/// The id Apollo's manifest generator gives a document: its SHA-256, hex.
fn id_of(document: &str) -> String {
    format!("{:x}", Sha256::digest(document.as_bytes()))
}

/// POSTs `body` to the router as a client does; returns the status and the body.
async fn post(app: &TestApp, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.supergraph.graphql_url())
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the router answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_operations_of_the_manifest_run_and_only_by_id() {
    let manifest = std::env::temp_dir().join(format!("{}.json", unique("persisted-")));
    let operations: Vec<Value> = [REGISTER, LOGIN, ME]
        .iter()
        .map(|body| json!({ "id": id_of(body), "body": body, "type": "query" }))
        .collect();
    std::fs::write(
        &manifest,
        json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": operations,
        })
        .to_string(),
    )
    .expect("writes the manifest");
    let path = manifest.clone();
    let app = spawn_app_with(move |config| config.persisted_documents = Some(path)).await;

    // Signing up and in by id, with variables.
    let username = unique("pd");
    let (_, registered) = post(
        &app,
        json!({ "documentId": id_of(REGISTER), "variables": {
            "u": username, "e": format!("{username}@chaos.test"), "p": "a-good-password" } }),
        None,
    )
    .await;
    assert_eq!(
        registered["data"]["register"]["username"],
        username.as_str(),
        "{registered}"
    );
    let (_, login) = post(
        &app,
        json!({ "documentId": id_of(LOGIN), "variables": { "u": username, "p": "a-good-password" } }),
        None,
    )
    .await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {login}"))
        .to_string();

    // By `documentId` and by the APQ-style hash extension.
    let (_, me) = post(&app, json!({ "documentId": id_of(ME) }), Some(&token)).await;
    assert_eq!(me["data"]["me"]["username"], username.as_str(), "{me}");
    let (_, me_by_hash) = post(
        &app,
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": id_of(ME) } } }),
        Some(&token),
    )
    .await;
    assert_eq!(me_by_hash["data"], me["data"], "{me_by_hash}");

    // Text is refused, even an allowed operation's, and a mutation outside the list
    // does not run.
    let (_, as_text) = post(&app, json!({ "query": ME }), Some(&token)).await;
    assert_eq!(
        code(&as_text),
        "PERSISTED_DOCUMENT_ID_REQUIRED",
        "{as_text}"
    );
    assert!(as_text["data"].is_null(), "{as_text}");
    let (_, create) = post(
        &app,
        json!({ "query": CREATE_ACTOR, "variables": { "n": unique("Nope") } }),
        Some(&token),
    )
    .await;
    assert_eq!(code(&create), "PERSISTED_DOCUMENT_ID_REQUIRED", "{create}");
    let (_, unknown) = post(
        &app,
        json!({ "documentId": id_of(CREATE_ACTOR), "variables": { "n": unique("Nope") } }),
        Some(&token),
    )
    .await;
    assert_eq!(code(&unknown), "PERSISTED_DOCUMENT_NOT_FOUND", "{unknown}");
    let (_, after) = post(&app, json!({ "documentId": id_of(ME) }), Some(&token)).await;
    assert_eq!(
        after["data"]["me"]["actors"],
        json!([]),
        "no actor was created"
    );

    app.supergraph.stop().await.expect("stops cleanly");
    std::fs::remove_file(manifest).ok();
}
