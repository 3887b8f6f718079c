//! A GraphQL-over-HTTP client for load and for setting up a run (players, actors,
//! items, zones) through the router, as a game client would.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::load::OpError;

/// Password of every player a benchmark registers.
pub const PASSWORD: &str = "bench-password-1";

/// One GraphQL endpoint (`http://…/graphql`).
#[derive(Clone)]
pub struct Endpoint {
    http: reqwest::Client,
    url: String,
}

impl Endpoint {
    /// A client for `url`; its connection pool keeps one connection per request in
    /// flight.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("the HTTP client builds (rustls, no system configuration)"),
            url: url.into(),
        }
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends a pre-serialized request body; `Ok` with the body when the answer is HTTP
    /// 200 without `errors`, else the first error's code.
    pub async fn send_raw(&self, token: Option<&str>, body: Vec<u8>) -> Result<Vec<u8>, OpError> {
        let mut request = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            // The production router's CSRF check asks for it on "simple" requests; JSON
            // requests pass without it, and it costs nothing.
            .header("x-chaos-csrf", "1")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|err| OpError::new("TRANSPORT", err.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|err| OpError::new("TRANSPORT", err.to_string()))?;
        const ERRORS: &[u8] = b"\"errors\"";
        let has_errors = bytes.windows(ERRORS.len()).any(|w| w == ERRORS);
        if status == 200 && !has_errors {
            return Ok(bytes.to_vec());
        }
        let detail = String::from_utf8_lossy(&bytes).into_owned();
        let code = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|body| {
                body["errors"][0]["extensions"]["code"]
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| format!("HTTP_{status}"));
        Err(OpError::new(code, detail))
    }

    /// `query` with `variables`; the response's `data`, or the first error's code.
    pub async fn call(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<Value, OpError> {
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))
            .expect("a JSON value serializes");
        let bytes = self.send_raw(token, body).await?;
        let mut parsed: Value = serde_json::from_slice(&bytes)
            .map_err(|err| OpError::new("NOT_JSON", err.to_string()))?;
        Ok(parsed["data"].take())
    }

    /// Like [`Endpoint::call`], failing the setup with the query on an error.
    pub async fn must(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        self.call(token, query, variables)
            .await
            .map_err(|err| anyhow::anyhow!("{query}: {} ({})", err.code, err.detail))
    }
}

/// A short unique suffix.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// Logs in; the access token.
pub async fn login(endpoint: &Endpoint, username: &str, password: &str) -> anyhow::Result<String> {
    let data = endpoint
        .must(
            None,
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
            json!({ "u": username, "p": password }),
        )
        .await?;
    data["login"]["accessToken"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no access token in {data}"))
}

/// Registers a fresh player (password [`PASSWORD`]); its username.
pub async fn register(endpoint: &Endpoint, prefix: &str) -> anyhow::Result<String> {
    let username = unique(prefix);
    endpoint
        .must(
            None,
            "mutation($u: String!, $e: String!, $p: String!) { register(username: $u, email: $e, password: $p) { id } }",
            json!({ "u": username, "e": format!("{username}@bench.local"), "p": PASSWORD }),
        )
        .await?;
    Ok(username)
}

/// Creates an actor of `class` for the token's player; its id.
pub async fn create_actor(endpoint: &Endpoint, token: &str, class: &str) -> anyhow::Result<String> {
    let data = endpoint
        .must(
            Some(token),
            "mutation($n: String!, $c: ActorClass!) { createActor(name: $n, class: $c) { id } }",
            json!({ "n": unique("Bench"), "c": class }),
        )
        .await?;
    data["createActor"]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no actor id in {data}"))
}

/// Grants `quantity` of `item` to `actor` as the admin; the `grantItem` result (with
/// its `stacks`). Retries while inventory does not know the item yet: content's seed
/// catalogue reaches it as events shortly after start.
pub async fn grant_item(
    endpoint: &Endpoint,
    admin: &str,
    actor: &str,
    item: &str,
    quantity: i64,
) -> anyhow::Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let granted = endpoint
            .call(
                Some(admin),
                "mutation($a: ID!, $i: String!, $q: Int!, $k: String!) { grantItem(actorId: $a, itemId: $i, quantity: $q, idempotencyKey: $k) { stacks { id quantity } } }",
                json!({ "a": actor, "i": item, "q": quantity, "k": unique("grant-") }),
            )
            .await;
        match granted {
            Ok(mut data) => return Ok(data["grantItem"].take()),
            Err(err) if err.code == "UNKNOWN_ITEM" && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => anyhow::bail!("grantItem {item}: {} ({})", err.code, err.detail),
        }
    }
}

/// Publishes a combat zone with clear weather through content and waits until world
/// serves it.
pub async fn publish_zone(endpoint: &Endpoint, admin: &str, id: &str) -> anyhow::Result<()> {
    let input = json!({
        "id": id, "name": id, "minLevel": 1, "maxLevel": 60, "noCombat": false,
        "weatherCycle": ["CLEAR"], "weatherPeriodSeconds": 600, "maxSpeed": 10.0,
        "width": 1000.0, "height": 1000.0,
    });
    endpoint
        .must(
            Some(admin),
            "mutation($input: ZoneDefinitionInput!) { saveZoneDraft(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await?;
    endpoint
        .must(
            Some(admin),
            "mutation($id: ID!) { publishContent(kind: ZONE, id: $id) { version } }",
            json!({ "id": id }),
        )
        .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let zone = endpoint
            .call(
                None,
                "query($id: ID!) { zone(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        if matches!(&zone, Ok(data) if data["zone"]["id"].is_string()) {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "world never served zone {id}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
