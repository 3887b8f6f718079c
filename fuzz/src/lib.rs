//! Fuzzing the router's request path: what a client controls in a request to
//! `/graphql` (the JSON body: document, variables, operation name, extensions), through
//! Hive Router's parsing, validation against our composed supergraph
//! (`schema/supergraph.graphql`), normalization, variable coercion, authorization, query
//! planning and cost estimation, with our committed `router/router.config.yaml`.
//!
//! [`request`] is the fuzz target: libFuzzer calls it (`fuzz_targets/request.rs`, run with
//! `cargo +nightly fuzz run request`), and so does the bounded smoke run of the test
//! command (`src/bin/smoke.rs`, on stable). Each input goes three ways:
//!
//! - [`pipeline`]: Hive's own pipeline stages (`hive_router::pipeline::*`), called in
//!   process on a worker thread, in the order Hive's request handler calls them, up to
//!   (not including) the subgraph fetches. Fast, and deep: every stage sees the input.
//! - [`http`]: the real router (`chaos_router::spawn`, our plugins and server assembly)
//!   on a loopback port, the body POSTed as a client would: Hive's own body decoding and
//!   error responses. Its subgraphs point at a closed port, so a request that passes every
//!   check ends in a subgraph error, never in one of our services.
//! - [`subgraph`]: what each subgraph does first with a body (async-graphql's request
//!   decoding and document parser).
//!
//! A panic anywhere in the process (any thread: the worker, the router's, ours) while an
//! input is handled fails it ([`panics`]), as does a router answer that is not HTTP, a
//! dropped connection, or a 5xx without a GraphQL body. A crash no hook sees (a stack
//! overflow aborts the process) is reported by libFuzzer, or by the smoke run's
//! supervising process. [`input`] says how the bytes of an input become a request;
//! [`mutate`] is the smoke run's small deterministic mutator.

pub mod http;
pub mod input;
pub mod mutate;
pub mod panics;
pub mod pipeline;
pub mod subgraph;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

pub use pipeline::Stage;

/// What was wrong with the way an input was handled (a finding, not a refusal: refusing
/// bad requests is the router's job).
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How far an input got: the stage of Hive's pipeline that stopped it, and the router's
/// HTTP status when it was also sent over HTTP.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Where the in-process pipeline stopped (or [`Stage::Planned`]).
    pub stage: Stage,
    /// The router's status, when sent over HTTP.
    pub http_status: Option<u16>,
}

/// The fuzz target: handles `data` every way (see the crate docs) and panics, with the
/// reason, if any of them went wrong.
pub fn request(data: &[u8]) {
    if let Err(failure) = check(data, true) {
        panic!("fuzz input failed: {failure}");
    }
}

/// Handles `data` in process (Hive's pipeline and the subgraph parser) and, with
/// `over_http`, through the real router too.
pub fn check(data: &[u8], over_http: bool) -> Result<Outcome, Failure> {
    let harness = harness();
    let request = std::sync::Arc::new(input::Request::from_bytes(data));
    let stage = harness.pipeline.run(request.clone());
    let http_status = match (over_http, &stage) {
        (true, Ok(_)) => Some(harness.http.post(&request.body)),
        _ => None,
    };
    // A panic on any thread is the finding, whatever the checks above made of its effects.
    if let Some(panic) = panics::take() {
        return Err(Failure(format!("panic: {panic}")));
    }
    Ok(Outcome {
        stage: stage?,
        http_status: http_status.transpose()?,
    })
}

/// What every input runs against, started once per process.
struct Harness {
    pipeline: pipeline::Pipeline,
    http: http::Client,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        panics::install();
        let files = RepoFiles::locate();
        // Subgraph URLs point at a port nothing listens on: a request that passes every
        // check fails at its first fetch, and no service of ours is reached. The router
        // loads its JWKS before it listens: an empty key set, so no token verifies.
        let closed = closed_port();
        let jwks = http::serve_empty_jwks();
        let config = || {
            chaos_router::load_config(&files.router_config, &files.overrides(closed, jwks))
                .expect("the committed router config loads")
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds a loopback port");
        listener
            .set_nonblocking(true)
            .expect("the listener goes non-blocking");
        // First: it installs the process-wide TLS provider Hive's subgraph clients need.
        let router = chaos_router::spawn(listener, config()).expect("the router starts");
        let addr = router.addr();
        // It serves until the process exits (its handle cannot be shared between threads).
        std::mem::forget(router);
        let hive = config().hive;
        let max_body = hive.limits.max_request_body_size.to_bytes() as usize;
        let pipeline = pipeline::Pipeline::start(hive);
        http::wait_until_ready(addr);
        Harness {
            pipeline,
            http: http::Client::new(addr, max_body),
        }
    })
}

/// A loopback port with no listener: bound, then released.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("binds a loopback port")
        .port()
}

/// The repository files the harness reads.
struct RepoFiles {
    router_config: PathBuf,
    supergraph: PathBuf,
    subgraph_names: Vec<String>,
}

impl RepoFiles {
    fn locate() -> Self {
        let root = crate_dir().join("..");
        let subgraph_names = std::fs::read_dir(root.join("schema/subgraphs"))
            .expect("schema/subgraphs is readable")
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "graphql")
                    .then(|| path.file_stem()?.to_str().map(str::to_string))?
            })
            .collect();
        Self {
            router_config: root.join("router/router.config.yaml"),
            supergraph: root.join("schema/supergraph.graphql"),
            subgraph_names,
        }
    }

    fn overrides(&self, closed_port: u16, jwks: SocketAddr) -> chaos_router::RouterOverrides {
        let url = format!("http://127.0.0.1:{closed_port}");
        chaos_router::RouterOverrides {
            supergraph_path: Some(self.supergraph.clone()),
            subgraph_urls: self
                .subgraph_names
                .iter()
                .map(|name| (name.clone(), format!("{url}/{name}/graphql")))
                .collect(),
            jwks_url: Some(format!("http://{jwks}/.well-known/jwks.json")),
            ..Default::default()
        }
    }
}

/// Starts what every input runs against (the router, Hive's pipeline), if not yet started;
/// the first [`check`] does it otherwise.
pub fn start() {
    harness();
}

/// This crate's folder in the checkout being run.
fn crate_dir() -> PathBuf {
    // Set by cargo at run time; a binary started directly (cargo-fuzz) falls back to the
    // checkout it was built from.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The seed corpus folder (`fuzz/corpus/request`).
pub fn seed_corpus_dir() -> PathBuf {
    crate_dir().join("corpus/request")
}

/// Where failing inputs are written (`fuzz/artifacts/request`, as cargo-fuzz does).
pub fn artifacts_dir() -> PathBuf {
    crate_dir().join("artifacts/request")
}

/// The composed supergraph's SDL, for the mutator's dictionary.
pub fn supergraph_sdl() -> String {
    std::fs::read_to_string(RepoFiles::locate().supergraph).expect("the supergraph is readable")
}
