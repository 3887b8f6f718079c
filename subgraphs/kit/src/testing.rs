//! Test helpers: a GraphQL-over-HTTP client, a `graphql-transport-ws` client and
//! throwaway databases (SQLite files, or PostgreSQL schemas when
//! `CHAOS_TEST_POSTGRES_URL` is set).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::secret::Secret;
use crate::settings::DatabaseSettings;

/// The folder of the crate under test, as the running test sees it. Cargo and nextest
/// set `CARGO_MANIFEST_DIR` for the test process; the compile-time value would name the
/// checkout that built the binary, which with a target directory shared between
/// checkouts may be another (or a deleted) one.
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run under cargo or nextest, which set CARGO_MANIFEST_DIR")
}

/// A GraphQL response as a client sees it.
#[derive(Debug, Clone)]
pub struct GraphqlResponse {
    /// HTTP status.
    pub status: u16,
    /// The whole JSON body.
    pub body: Value,
}

impl GraphqlResponse {
    /// `data`, failing the test if there are errors.
    pub fn data(&self) -> &Value {
        assert!(self.errors().is_empty(), "unexpected errors: {}", self.body);
        &self.body["data"]
    }

    /// The `errors` array (empty when none).
    pub fn errors(&self) -> Vec<Value> {
        self.body["errors"].as_array().cloned().unwrap_or_default()
    }

    /// The `extensions.code` of the first error.
    pub fn error_code(&self) -> Option<String> {
        self.errors()
            .first()
            .and_then(|e| e["extensions"]["code"].as_str().map(str::to_string))
    }

    /// Asserts the first error carries `code`.
    pub fn assert_error_code(&self, code: &str) {
        assert_eq!(
            self.error_code().as_deref(),
            Some(code),
            "expected {code}, got: {}",
            self.body
        );
    }
}

/// How long a test waits for one HTTP answer: a hung request fails with its query
/// instead of the test runner's timeout.
const HTTP_TIMEOUT: Duration = Duration::from_secs(45);

/// A GraphQL-over-HTTP client for one endpoint.
#[derive(Debug, Clone)]
pub struct GraphqlClient {
    url: String,
    http: reqwest::Client,
}

impl GraphqlClient {
    /// A client for `url` (e.g. `http://127.0.0.1:4000/graphql`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            http: reqwest::Client::builder()
                .timeout(HTTP_TIMEOUT)
                .build()
                .expect("the HTTP client builds"),
        }
    }

    /// Sends `query` with `variables`, as `token`'s bearer when given.
    pub async fn request(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
    ) -> GraphqlResponse {
        self.request_with_headers(query, variables, token, &[])
            .await
    }

    /// Like [`GraphqlClient::request`], with extra HTTP headers.
    pub async fn request_with_headers(
        &self,
        query: &str,
        variables: Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> GraphqlResponse {
        let mut request = self
            .http
            .post(&self.url)
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("no answer to {query}: {err}"));
        let status = response.status().as_u16();
        let text = response.text().await.expect("the body is readable");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("non-JSON response ({status}): {text}"));
        GraphqlResponse { status, body }
    }

    /// Anonymous request.
    pub async fn anonymous(&self, query: &str, variables: Value) -> GraphqlResponse {
        self.request(query, variables, None).await
    }

    /// Request as the holder of `token`.
    pub async fn as_user(&self, token: &str, query: &str, variables: Value) -> GraphqlResponse {
        self.request(query, variables, Some(token)).await
    }
}

/// A `graphql-transport-ws` client connection.
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

/// How long a test waits for any one WebSocket message.
const WS_TIMEOUT: Duration = Duration::from_secs(10);

impl WsClient {
    /// Connects to `url` (`ws://…/graphql`) and completes `connection_init` with `payload`.
    /// Returns the server's refusal (`connection_ack` not received) as an error string.
    pub async fn connect(url: &str, payload: Value) -> Result<Self, String> {
        let mut request = url.into_client_request().map_err(|err| err.to_string())?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("valid header"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|err| err.to_string())?;
        let mut client = Self { stream };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.next_message().await {
            Some(message) if message["type"] == "connection_ack" => Ok(client),
            other => Err(format!("no connection_ack: {other:?}")),
        }
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next `next`/`error`/`complete` message, answering pings; `None` when closed or
    /// nothing arrives in time.
    pub async fn next_message(&mut self) -> Option<Value> {
        self.next_message_within(WS_TIMEOUT).await
    }

    /// [`WsClient::next_message`] with its own patience (events that cross the bus may
    /// take a consumer-group join first).
    pub async fn next_message_within(&mut self, timeout: Duration) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(timeout, self.stream.next())
                .await
                .ok()??
                .ok()?;
            let text = match message {
                Message::Text(text) => text,
                Message::Close(_) => return None,
                _ => continue,
            };
            let value: Value = serde_json::from_str(text.as_str()).ok()?;
            if value["type"] == "ping" {
                self.send(json!({ "type": "pong" })).await;
                continue;
            }
            return Some(value);
        }
    }

    /// Stops subscription `id`.
    pub async fn complete(&mut self, id: &str) {
        self.send(json!({ "id": id, "type": "complete" })).await;
    }

    async fn send(&mut self, value: Value) {
        self.stream
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("the socket is open");
    }
}

/// A database that exists for one test: a SQLite file in a temporary folder, or, when
/// `CHAOS_TEST_POSTGRES_URL` points at a PostgreSQL server, a fresh schema of that
/// server's database that the service's connections use as their `search_path`.
///
/// A schema per test instead of a database per test: `CREATE DATABASE` copies the
/// template's catalogue (~100 ms of server CPU each, and an end-to-end test makes eleven),
/// `CREATE SCHEMA` costs a catalogue row. The service cannot tell the difference: its
/// migrations and queries name no schema. [`TestDatabase::dedicated`] makes a database
/// of its own, for a test that takes the database away from under a service.
pub struct TestDatabase {
    /// Settings to hand to the service.
    pub settings: DatabaseSettings,
}

impl TestDatabase {
    /// Creates an empty database named after `service`.
    pub async fn create(service: &str) -> Self {
        Self::on_server(service, Isolation::Schema).await
    }

    /// Creates an empty database named after `service` that is a PostgreSQL database of
    /// its own (on SQLite the same as [`TestDatabase::create`]).
    pub async fn dedicated(service: &str) -> Self {
        Self::on_server(service, Isolation::Database).await
    }

    async fn on_server(service: &str, isolation: Isolation) -> Self {
        let name = format!("chaos_test_{}_{}", service, uuid::Uuid::new_v4().simple());
        let url = match std::env::var("CHAOS_TEST_POSTGRES_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("the test PostgreSQL server answers");
                let kind = match isolation {
                    Isolation::Schema => "SCHEMA",
                    Isolation::Database => "DATABASE",
                };
                admin
                    .execute_unprepared(&format!("CREATE {kind} {name}"))
                    .await
                    .expect("creates the test schema or database");
                admin.close().await.expect("closes the admin connection");
                match isolation {
                    Isolation::Schema => {
                        let separator = if admin_url.contains('?') { '&' } else { '?' };
                        format!("{admin_url}{separator}options[search_path]={name}")
                    }
                    Isolation::Database => {
                        let base = admin_url
                            .rsplit_once('/')
                            .map(|(base, _)| base)
                            .unwrap_or(&admin_url);
                        format!("{base}/{name}")
                    }
                }
            }
            _ => {
                let dir = std::env::temp_dir().join("chaos-tests");
                format!("sqlite://{}/{name}.db", dir.display())
            }
        };
        Self {
            settings: DatabaseSettings {
                url: Secret::new(url),
                max_connections: 5,
            },
        }
    }
}

/// What a [`TestDatabase`] is on PostgreSQL.
enum Isolation {
    Schema,
    Database,
}

/// A fresh embedded document store (a new SQLite file named after `service`).
pub async fn sqlite_document_store(
    service: &str,
) -> std::sync::Arc<dyn crate::documents::DocumentStore> {
    let dir = std::env::temp_dir().join("chaos-tests");
    let url = format!(
        "sqlite://{}/{service}_{}.db",
        dir.display(),
        uuid::Uuid::new_v4().simple()
    );
    std::sync::Arc::new(
        crate::documents::SqlDocumentStore::connect(&url, 5)
            .await
            .expect("opens SQLite"),
    )
}

/// A fresh database on the MongoDB-protocol server named by `CHAOS_TEST_MONGODB_URL`
/// (the test command starts one, see `scripts/mongo.sh`), or `None` without one.
pub async fn mongodb_document_store(
    service: &str,
) -> Option<std::sync::Arc<dyn crate::documents::DocumentStore>> {
    let Ok(url) = std::env::var("CHAOS_TEST_MONGODB_URL") else {
        eprintln!("CHAOS_TEST_MONGODB_URL not set: the MongoDB pass of the test command runs this");
        return None;
    };
    let database = format!("chaos_test_{service}_{}", uuid::Uuid::new_v4().simple());
    Some(std::sync::Arc::new(
        crate::documents::MongoDocumentStore::connect(&url, Some(&database), "unused", 10)
            .await
            .expect("connects to MongoDB"),
    ))
}

/// One `#[tokio::test]` per document store engine for each named async test function
/// taking an `Arc<dyn DocumentStore>`: `on_sqlite::<name>` always, `on_mongodb::<name>`
/// when a MongoDB-protocol server is configured (it passes otherwise).
///
/// ```ignore
/// subgraph_kit::on_every_document_store!("content"; drafts_are_hidden, publishing_audits);
/// ```
#[macro_export]
macro_rules! on_every_document_store {
    ($service:literal; $($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::testing::sqlite_document_store($service).await).await;
                }
            )*
        }
        mod on_mongodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = $crate::testing::mongodb_document_store($service).await {
                        super::$name(store).await;
                    }
                }
            )*
        }
    };
}

/// Reading responses of a schema executed in-process (`schema.execute(request)`), as
/// service crates' tests do.
pub mod schema_response {
    use async_graphql::Response;
    use serde_json::Value;

    /// The data of a response without errors.
    pub fn data(response: Response) -> Value {
        assert!(
            response.errors.is_empty(),
            "unexpected errors: {:?}",
            response.errors
        );
        response.data.into_json().expect("data is JSON")
    }

    /// The `extensions.code` of a response's first error.
    pub fn code(response: &Response) -> Option<String> {
        let error = response.errors.first()?;
        match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    /// Asserts the response failed with `expected`.
    pub fn assert_code(response: &Response, expected: &str) {
        assert_eq!(
            code(response).as_deref(),
            Some(expected),
            "expected {expected}, got {:?}",
            response.errors
        );
    }
}

/// Spans captured in memory: an OpenTelemetry span exporter for tests that check what a
/// player action traces, installed as the process's trace export by
/// [`SpanCapture::install`].
#[derive(Clone, Debug, Default)]
pub struct SpanCapture(std::sync::Arc<std::sync::Mutex<Vec<SpanData>>>);

pub use opentelemetry::trace::{SpanId, SpanKind, TraceId};
pub use opentelemetry_sdk::trace::SpanData;

impl opentelemetry_sdk::trace::SpanExporter for SpanCapture {
    async fn export(&self, batch: Vec<SpanData>) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0
            .lock()
            .map_err(|err| {
                opentelemetry_sdk::error::OTelSdkError::InternalFailure(err.to_string())
            })?
            .extend(batch);
        Ok(())
    }
}

impl SpanCapture {
    /// Installs the process's telemetry with every span exported here as it ends (all
    /// sampled). Call it before starting services; the provider must live as long as
    /// the test. Panics if telemetry was already installed in this process (run such
    /// tests one per process, as nextest does).
    pub fn install() -> (Self, opentelemetry_sdk::trace::SdkTracerProvider) {
        let capture = Self::default();
        let provider = crate::telemetry::traced_provider(
            opentelemetry_sdk::trace::SdkTracerProvider::builder()
                .with_simple_exporter(capture.clone()),
            1.0,
        );
        assert!(
            crate::telemetry::init_with(crate::telemetry::LogFormat::Pretty, "warn", Some(&provider)),
            "telemetry was already installed: run tests that capture spans one per process (nextest)"
        );
        (capture, provider)
    }

    /// The spans ended so far.
    pub fn finished(&self) -> Vec<SpanData> {
        self.0
            .lock()
            .expect("no test thread panicked holding it")
            .clone()
    }
}

/// The string value of `span`'s attribute `key`, if set.
pub fn span_attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str().into_owned())
}
