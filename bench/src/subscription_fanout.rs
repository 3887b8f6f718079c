//! Subscription fan-out, side by side in one run: N clients subscribe over
//! `graphql-transport-ws`, first directly at the streaming subgraph (baseline), then
//! through the router with the same selection, then through the router adding a field
//! another subgraph resolves for every event. A publisher sends M events at a steady
//! rate through the router; every client records when each arrives. Reports the
//! delivered ratio, publish-to-receive latency percentiles (from just before the
//! mutation is sent, so they include the mutation itself), the router/direct latency
//! ratio and the process's resident memory per subscriber (router and subgraphs share
//! this process, and later phases reuse memory the allocator kept from earlier ones, so
//! only the first phase's figure is a clean per-subscriber cost).
//!
//! Scenarios:
//! - `chat` (default): everyone on the `global` channel's `messageAdded`; the enriched
//!   phase adds `sender { name level }` (from chaos).
//! - `actor`: one actor's `actorUpdated`; the enriched phase adds `owner { username }`
//!   (from users).
//!
//! With `--server-process` the supergraph runs in a child process (this binary with
//! `subscription-fanout --serve`): subscribers and server then count against separate
//! open-file limits (each subscriber holds one socket on each side; the hard limit here
//! is 20 000 per process, so past ~9 000 subscribers one process cannot hold both), and
//! the RSS column measures the server alone instead of server and clients together.
//!
//! ```sh
//! cargo run --release -p chaos-bench -- subscription-fanout --subscribers 1000 --messages 20 --rate 10
//! cargo run --release -p chaos-bench -- subscription-fanout --scenario actor
//! cargo run --release -p chaos-bench -- subscription-fanout --subscribers 10000 --messages 10 --server-process --out docs/benchmarks/fanout-chat-10000.json
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chaos_supergraph::supergraph::RunningSupergraph;
use clap::ValueEnum;
use serde_json::json;
use subgraph_kit::testing::{GraphqlClient, WsClient};
use tokio::sync::Mutex;

use crate::{procfs, report};

/// Parameters of the subscription fan-out benchmark.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Concurrent WebSocket subscribers.
    #[arg(long, default_value_t = 200)]
    subscribers: usize,
    /// Changes published.
    #[arg(long, default_value_t = 20)]
    messages: usize,
    /// Events per second.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// What the subscribers follow.
    #[arg(long, value_enum, default_value_t = ScenarioKind::Chat)]
    scenario: ScenarioKind,
    /// Run the supergraph in a child process (see the module docs).
    #[arg(long)]
    server_process: bool,
    /// Also write the results as JSON here (for `bench/plot.py`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Internal: be the child of `--server-process` (start the supergraph, print its
    /// addresses as one JSON line, stop when stdin closes).
    #[arg(long, hide = true)]
    serve: bool,
}

/// What the subscribers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScenarioKind {
    /// The global chat channel.
    Chat,
    /// One actor's updates.
    Actor,
}

const GRANT: &str = "mutation($a: ID!, $k: String!) { grantExperience(actorId: $a, amount: 1, idempotencyKey: $k) { experienceAfter } }";
const SEND: &str = "mutation($c: ID!, $a: ID!, $t: String!) { sendMessage(channelId: $c, actorId: $a, text: $t) { id } }";
const CHANNEL: &str = "global";

/// The scenario's accounts and ids.
struct Scenario {
    kind: ScenarioKind,
    /// Subscribers connect as this player.
    token: String,
    /// Events are published with this token.
    publisher_token: String,
    actor: String,
}

impl Scenario {
    /// (label, subgraph, selection) of each phase.
    fn phases(&self) -> [(&'static str, &'static str, &'static str); 3] {
        match self.kind {
            ScenarioKind::Chat => [
                ("chat subgraph (direct)", "chat", "subscription($c: ID!) { messageAdded(channelId: $c) { text } }"),
                ("router, same selection", "router", "subscription($c: ID!) { messageAdded(channelId: $c) { text } }"),
                ("router, + sender from chaos", "router", "subscription($c: ID!) { messageAdded(channelId: $c) { text sender { name level } } }"),
            ],
            ScenarioKind::Actor => [
                ("chaos subgraph (direct)", "chaos", "subscription($a: ID!) { actorUpdated(actorId: $a) { experience } }"),
                ("router, same selection", "router", "subscription($a: ID!) { actorUpdated(actorId: $a) { experience } }"),
                ("router, + owner from users", "router", "subscription($a: ID!) { actorUpdated(actorId: $a) { experience owner { username } } }"),
            ],
        }
    }

    fn variables(&self) -> serde_json::Value {
        match self.kind {
            ScenarioKind::Chat => json!({ "c": CHANNEL }),
            ScenarioKind::Actor => json!({ "a": self.actor }),
        }
    }

    /// Publishes event number `seq` through the router.
    async fn publish(&self, client: &GraphqlClient, seq: i64) {
        let (query, variables) = match self.kind {
            ScenarioKind::Chat => (
                SEND,
                json!({ "c": CHANNEL, "a": self.actor, "t": format!("bench-{seq}") }),
            ),
            ScenarioKind::Actor => (
                GRANT,
                json!({ "a": self.actor, "k": format!("bench-{seq}") }),
            ),
        };
        client
            .as_user(&self.publisher_token, query, variables)
            .await
            .data();
    }
}

impl ScenarioKind {
    /// The sequence number an arrival carries.
    fn sequence(self, message: &serde_json::Value) -> Option<i64> {
        let data = &message["payload"]["data"];
        match self {
            ScenarioKind::Chat => data["messageAdded"]["text"]
                .as_str()?
                .strip_prefix("bench-")?
                .parse()
                .ok(),
            // Experience rises by one per grant from zero.
            ScenarioKind::Actor => data["actorUpdated"]["experience"].as_i64(),
        }
    }
}

/// One measured pass against one endpoint.
struct Phase<'a> {
    url: &'a str,
    query: &'a str,
    scenario: &'a Scenario,
    client: &'a GraphqlClient,
    /// The process serving the subscriptions (for its RSS).
    server_pid: u32,
}

/// What one pass measured.
struct PhaseResult {
    delivered: usize,
    expected: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    connect: Duration,
    rss_per_subscriber_kib: f64,
}

impl PhaseResult {
    fn row(&self, args: &Args) -> String {
        format!(
            "{} | {} | {} | {}/{} ({:.2}%) | {:.1} ms | {:.1} ms | {:.1} ms | {:.2} s | {:.1} KiB",
            args.subscribers,
            args.messages,
            args.rate,
            self.delivered,
            self.expected,
            100.0 * self.delivered as f64 / self.expected.max(1) as f64,
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3,
            self.connect.as_secs_f64(),
            self.rss_per_subscriber_kib,
        )
    }
}

impl Phase<'_> {
    /// Subscribes, publishes `args.messages` events numbered from `first`, and collects
    /// every arrival.
    async fn run(&self, args: &Args, first: i64) -> anyhow::Result<PhaseResult> {
        let rss_before = rss_kib(self.server_pid);
        let connect_started = Instant::now();
        let mut clients = Vec::with_capacity(args.subscribers);
        for i in 0..args.subscribers {
            let mut ws = WsClient::connect(
                self.url,
                json!({ "Authorization": format!("Bearer {}", self.scenario.token) }),
            )
            .await
            .map_err(|err| anyhow::anyhow!("subscriber {i}: {err}"))?;
            ws.subscribe("s", self.query, self.scenario.variables())
                .await;
            clients.push(ws);
        }
        let connect = connect_started.elapsed();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_per_subscriber_kib = rss_kib(self.server_pid).saturating_sub(rss_before) as f64
            / args.subscribers.max(1) as f64;

        // sequence number → when the event was sent
        let sent: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
        let kind = self.scenario.kind;
        let receivers: Vec<_> = clients
            .into_iter()
            .map(|mut ws| {
                let sent = sent.clone();
                let expected = args.messages;
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(expected);
                    while latencies.len() < expected {
                        let Some(message) = ws.next_message().await else {
                            break;
                        };
                        let Some(seq) = kind.sequence(&message) else {
                            continue;
                        };
                        if let Some(at) = sent.lock().await.get(&seq) {
                            latencies.push(at.elapsed());
                        }
                    }
                    ws.complete("s").await;
                    latencies
                })
            })
            .collect();

        let interval = Duration::from_secs_f64(1.0 / args.rate);
        for n in 0..args.messages as i64 {
            let seq = first + n;
            sent.lock().await.insert(seq, Instant::now());
            self.scenario.publish(self.client, seq).await;
            tokio::time::sleep(interval).await;
        }
        let mut latencies = Vec::new();
        for receiver in receivers {
            latencies.extend(receiver.await?);
        }
        latencies.sort();
        Ok(PhaseResult {
            delivered: latencies.len(),
            expected: args.subscribers * args.messages,
            p50: percentile(&latencies, 0.5),
            p99: percentile(&latencies, 0.99),
            max: latencies.last().copied().unwrap_or_default(),
            connect,
            rss_per_subscriber_kib,
        })
    }
}

fn rss_kib(pid: u32) -> u64 {
    procfs::rss_kib(pid).unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Runs the benchmark (or, with `--serve`, the child of `--server-process`) on a
/// runtime of its own.
pub fn run(args: Args) -> anyhow::Result<()> {
    // Before any thread starts (a `--server-process` child inherits them): every
    // subscriber connects from one address as one player, so the router's per-IP and
    // per-player request limits (0: off) would refuse most of them.
    std::env::set_var("CHAOS_RATE_LIMIT_PER_IP", "0");
    std::env::set_var("CHAOS_RATE_LIMIT_PER_PLAYER", "0");
    subgraph_kit::telemetry::init(subgraph_kit::telemetry::LogFormat::Pretty, "error");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.serve {
        runtime.block_on(serve())
    } else {
        runtime.block_on(run_benchmark(args))
    }
}

/// The supergraph of a run: in this process, or in a child (`--server-process`).
enum Server {
    InProcess {
        running: Box<RunningSupergraph>,
        data: PathBuf,
    },
    Child(Child),
}

/// Where the router and the subgraphs listen (`host:port`).
#[derive(serde::Deserialize, serde::Serialize)]
struct Addresses {
    router: String,
    subgraphs: BTreeMap<String, String>,
}

/// Starts the supergraph on fresh SQLite files with the chat rate limit lifted.
async fn start_supergraph() -> anyhow::Result<(RunningSupergraph, PathBuf)> {
    let data = std::env::temp_dir().join(format!("chaos-bench-{}", uuid::Uuid::new_v4().simple()));
    let mut config = chaos_supergraph::cli::embedded_config(&data)?;
    // The publisher sends at the benchmark's rate, not a player's.
    config.chat.rules.rate_limit_messages = u64::MAX;
    let listeners = chaos_supergraph::supergraph::Listeners::bind("127.0.0.1", 0).await?;
    let running = chaos_supergraph::supergraph::start(config, listeners).await?;
    Ok((running, data))
}

fn addresses(running: &RunningSupergraph) -> Addresses {
    Addresses {
        router: running.router_addr().to_string(),
        subgraphs: running
            .subgraphs
            .iter()
            .map(|(name, addr)| (name.to_string(), addr.to_string()))
            .collect(),
    }
}

/// `--serve`: the child's side of `--server-process`.
async fn serve() -> anyhow::Result<()> {
    let (running, data) = start_supergraph().await?;
    println!("{}", serde_json::to_string(&addresses(&running))?);
    // The parent closes our stdin when it is done (or dies).
    tokio::task::spawn_blocking(|| {
        let mut sink = [0u8; 64];
        while std::io::stdin().read(&mut sink).is_ok_and(|n| n > 0) {}
    })
    .await?;
    running.stop().await?;
    let _ = std::fs::remove_dir_all(data);
    Ok(())
}

impl Server {
    async fn start(separate_process: bool) -> anyhow::Result<(Self, Addresses)> {
        if !separate_process {
            let (running, data) = start_supergraph().await?;
            let addresses = addresses(&running);
            return Ok((
                Server::InProcess {
                    running: Box::new(running),
                    data,
                },
                addresses,
            ));
        }
        let mut child = Command::new(std::env::current_exe()?)
            .args(["subscription-fanout", "--serve"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .map(|_| line)
        })
        .await??;
        let addresses: Addresses = serde_json::from_str(line.trim())
            .map_err(|err| anyhow::anyhow!("the server process did not start ({err}): {line:?}"))?;
        Ok((Server::Child(child), addresses))
    }

    fn pid(&self) -> u32 {
        match self {
            Server::InProcess { .. } => std::process::id(),
            Server::Child(child) => child.id(),
        }
    }

    async fn stop(self) -> anyhow::Result<()> {
        match self {
            Server::InProcess { running, data } => {
                running.stop().await?;
                let _ = std::fs::remove_dir_all(data);
            }
            Server::Child(mut child) => {
                // Closing its stdin stops it.
                drop(child.stdin.take());
                tokio::task::spawn_blocking(move || child.wait()).await??;
            }
        }
        Ok(())
    }
}

async fn run_benchmark(args: Args) -> anyhow::Result<()> {
    let conditions = report::conditions();
    if !args.server_process {
        // One socket per subscriber on each side, in this one process.
        let needed = 2 * args.subscribers as u64 + 500;
        if let Some(limit) = procfs::open_files_limit().filter(|limit| *limit < needed) {
            anyhow::bail!(
                "{} subscribers need ~{needed} open files in one process, the limit is {limit}: \
                 add --server-process (or raise `ulimit -n`)",
                args.subscribers
            );
        }
    }
    let watch = procfs::CompilerWatch::start();
    let (server, addresses) = Server::start(args.server_process).await?;
    let client = GraphqlClient::new(format!("http://{}/graphql", addresses.router));

    let login =
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let admin = client
        .anonymous(login, json!({ "u": "admin", "p": "chaos-admin" }))
        .await;
    let admin_token = admin.data()["login"]["accessToken"]
        .as_str()
        .expect("admin token")
        .to_string();
    let name = format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    client
        .anonymous(
            "mutation($u: String!, $e: String!) { register(username: $u, email: $e, password: \"bench-password\") { id } }",
            json!({ "u": name, "e": format!("{name}@bench.local") }),
        )
        .await
        .data();
    let player = client
        .anonymous(login, json!({ "u": name, "p": "bench-password" }))
        .await;
    let token = player.data()["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_string();
    let created = client
        .as_user(
            &token,
            "mutation($n: String!) { createActor(name: $n, class: MAGE) { id } }",
            json!({ "n": name }),
        )
        .await;
    let actor = created.data()["createActor"]["id"]
        .as_str()
        .expect("actor")
        .to_string();
    let scenario = match args.scenario {
        ScenarioKind::Chat => {
            client
                .as_user(
                    &token,
                    "mutation($a: ID!, $c: ID!) { joinChannel(actorId: $a, channelId: $c) { id } }",
                    json!({ "a": actor, "c": CHANNEL }),
                )
                .await
                .data();
            Scenario {
                kind: ScenarioKind::Chat,
                token: token.clone(),
                publisher_token: token,
                actor,
            }
        }
        ScenarioKind::Actor => Scenario {
            kind: ScenarioKind::Actor,
            token,
            publisher_token: admin_token,
            actor,
        },
    };

    println!("conditions: {}", report::describe(&conditions));
    println!("| target | subscribers | messages | rate/s | delivered | p50 | p99 | max | connect all | RSS per subscriber |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut p50s = Vec::new();
    let mut rows = Vec::new();
    let mut next = 1;
    for (label, target, query) in scenario.phases() {
        let url = match target {
            "router" => format!("ws://{}/graphql", addresses.router),
            subgraph => format!("ws://{}/graphql", addresses.subgraphs[subgraph]),
        };
        let phase = Phase {
            url: &url,
            query,
            scenario: &scenario,
            client: &client,
            server_pid: server.pid(),
        };
        let result = phase.run(&args, next).await?;
        next += args.messages as i64;
        p50s.push(result.p50);
        println!("| {label} | {} |", result.row(&args));
        rows.push(json!({
            "target": label,
            "delivered": result.delivered,
            "expected": result.expected,
            "p50_ms": result.p50.as_secs_f64() * 1e3,
            "p99_ms": result.p99.as_secs_f64() * 1e3,
            "max_ms": result.max.as_secs_f64() * 1e3,
            "connect_s": result.connect.as_secs_f64(),
            "rss_per_subscriber_kib": result.rss_per_subscriber_kib,
        }));
    }
    if let [direct, router, enriched] = p50s[..] {
        let ratio = |x: Duration| x.as_secs_f64() / direct.as_secs_f64().max(1e-9);
        println!(
            "\np50 vs direct: router {:.2}x, router + field from another subgraph {:.2}x",
            ratio(router),
            ratio(enriched)
        );
    }
    server.stop().await?;
    let compiler = watch.stop();
    if compiler {
        println!("a compiler was running on the machine during this run");
    }
    if let Some(out) = &args.out {
        report::write(
            out,
            "subscription-fanout",
            conditions,
            json!({
                "config": {
                    "scenario": format!("{:?}", args.scenario).to_lowercase(),
                    "subscribers": args.subscribers,
                    "messages": args.messages,
                    "rate": args.rate,
                    "server_process": args.server_process,
                },
                "compiler_running_during_run": compiler,
                "phases": rows,
            }),
        )?;
    }
    Ok(())
}
