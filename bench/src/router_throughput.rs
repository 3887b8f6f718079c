//! Router throughput and latency, side by side in one run against the same subgraphs:
//! our router (`chaos router`, Hive Router embedded, production config), Hive Gateway
//! (Node, `bench/gateway/`) serving the same committed supergraph, and one subgraph
//! queried directly.
//!
//! Processes (all on 127.0.0.1):
//! - `chaos all --port 4000`: every subgraph on 4001-4013, where the supergraph's
//!   `join__graph` URLs point (its own router on 4000 stays idle);
//! - `chaos router` on `--router-port` (4100), `router/router.config.yaml`;
//! - Hive Gateway on `--gateway-port` (4200), `bench/gateway/gateway.config.ts`.
//!
//! Queries, each client sending its own player's (`--players`, by default one per
//! client of the highest concurrency, so that no two requests in flight are identical:
//! both routers merge identical concurrent subgraph fetches, which one shared player
//! would turn into a deduplication benchmark):
//! - player: `me` (users) → actors with stats and resources (chaos) → inventory items
//!   (inventory) with their names (content), guild (guild), position (world): six
//!   subgraphs, four sequential fetch levels;
//! - actor: one actor's stats and resources, all from chaos, also sent to the chaos
//!   subgraph directly (the baseline).
//!
//! For every concurrency level and target: a warm-up, then a measured window of
//! closed-loop load; requests per second, latency percentiles, CPU-ms per request of
//! the serving process (router or gateway; the subgraph process for the direct
//! baseline), of the subgraph process and of this load generator (utime + stime
//! deltas from `/proc/<pid>/stat`), and at the end each process's peak RSS (`VmHWM`).
//!
//! ```sh
//! (cd bench/gateway && npm ci)
//! cargo build --release -p chaos-supergraph --bin chaos
//! cargo run --release -p chaos-bench -- router-throughput
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};

use crate::graphql::{self, Endpoint};
use crate::latency::Summary;
use crate::load::{self, LoadResult};
use crate::process::{self, Service};
use crate::{procfs, report};

/// Parameters of the router throughput benchmark.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Concurrent clients (closed loop); one measured pass per value and target.
    #[arg(long, value_delimiter = ',', default_value = "1,32")]
    concurrency: Vec<usize>,
    /// Unmeasured warm-up before each window, seconds.
    #[arg(long, default_value_t = 3)]
    warmup_secs: u64,
    /// Measured window, seconds.
    #[arg(long, default_value_t = 15)]
    duration_secs: u64,
    /// Players (each with a mage, items and a guild); client `i` queries as player
    /// `i % players`. Default: the highest concurrency.
    #[arg(long)]
    players: Option<usize>,
    /// Port of our router (`chaos router`).
    #[arg(long, default_value_t = 4100)]
    router_port: u16,
    /// Port of Hive Gateway.
    #[arg(long, default_value_t = 4200)]
    gateway_port: u16,
    /// The `chaos` binary; by default the one next to this benchmark
    /// (`cargo build --release -p chaos-supergraph --bin chaos`).
    #[arg(long)]
    chaos_bin: Option<PathBuf>,
    /// Results file (JSON) for `bench/plot.py`.
    #[arg(long, default_value = "docs/benchmarks/router-throughput.json")]
    out: PathBuf,
}

/// Where the supergraph's `join__graph` URLs point: the router port of `chaos all`
/// (its subgraphs take the next 13 ports).
const SUBGRAPH_BASE_PORT: u16 = 4000;
/// The chaos subgraph's port (`supergraph::SUBGRAPHS` order: users, chaos, …).
const CHAOS_SUBGRAPH_PORT: u16 = SUBGRAPH_BASE_PORT + 2;
const ADMIN_PASSWORD: &str = "bench-admin-password";

/// The seed's "get player data": six subgraphs.
const PLAYER_QUERY: &str = "query PlayerProfile { me { username actors { id name level class stats { derived { maxHp maxMp spellPower defense } } resources { hp { current max } mp { current max } } inventory { capacity used items { definitionId quantity definition { name } } } guild { name memberCount } position { zoneId x y } } } }";
/// One subgraph's part of it.
const ACTOR_QUERY: &str = "query Actor($id: ID!) { actor(id: $id) { id name level class stats { derived { maxHp maxMp spellPower defense } } resources { hp { current max } mp { current max } } } }";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    Router,
    Gateway,
    Direct,
}

impl Server {
    fn key(self) -> &'static str {
        match self {
            Server::Router => "router",
            Server::Gateway => "gateway",
            Server::Direct => "direct",
        }
    }
}

/// One thing measured: a query sent to a server.
struct Target {
    label: &'static str,
    server: Server,
    query_name: &'static str,
    endpoint: Endpoint,
    /// The request body of each player.
    bodies: Arc<[Vec<u8>]>,
}

/// The processes of the run.
struct Processes {
    subgraphs: Service,
    router: Service,
    gateway: Service,
}

impl Processes {
    fn serving(&self, server: Server) -> u32 {
        match server {
            Server::Router => self.router.pid(),
            Server::Gateway => self.gateway.pid(),
            Server::Direct => self.subgraphs.pid(),
        }
    }
}

/// CPU time of (serving process, subgraph process, this process).
type CpuSample = (Duration, Duration, Duration);

/// What one pass measured.
struct Pass {
    label: &'static str,
    server: Server,
    query_name: &'static str,
    concurrency: usize,
    result: LoadResult,
    latency: Summary,
    /// CPU time used in the window: serving, subgraphs, load generator.
    cpu: CpuSample,
    /// Whether a compiler ran on the machine during the pass.
    compiler: bool,
}

impl Pass {
    fn per_request_ms(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e3 / self.result.ok().max(1) as f64
    }

    fn to_json(&self) -> Value {
        json!({
            "target": self.label,
            "server": self.server.key(),
            "query": self.query_name,
            "concurrency": self.concurrency,
            "rps": self.result.throughput(),
            "ok": self.result.ok(),
            "errors": self.result.errors,
            "window_s": self.result.window.as_secs_f64(),
            "latency": self.latency.to_json(),
            "cpu_ms_per_request": {
                "serving": self.per_request_ms(self.cpu.0),
                "subgraphs": self.per_request_ms(self.cpu.1),
                "load_generator": self.per_request_ms(self.cpu.2),
            },
            "serving_cores_busy": self.cpu.0.as_secs_f64() / self.result.window.as_secs_f64().max(1e-9),
            "compiler_running": self.compiler,
        })
    }
}

/// Runs the benchmark on a runtime of its own.
pub fn run(args: Args) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run_benchmark(args))
}

async fn run_benchmark(args: Args) -> anyhow::Result<()> {
    let conditions = report::conditions();
    println!("conditions: {}", report::describe(&conditions));
    let repo = std::env::current_dir()?;
    anyhow::ensure!(
        repo.join("schema/supergraph.graphql").is_file(),
        "run from the repository root (schema/supergraph.graphql not found)"
    );
    let chaos_bin = match args.chaos_bin.clone() {
        Some(path) => path,
        None => std::env::current_exe()?.with_file_name("chaos"),
    };
    anyhow::ensure!(
        chaos_bin.is_file(),
        "{} not found: cargo build --release -p chaos-supergraph --bin chaos",
        chaos_bin.display()
    );
    let gateway_dir = repo.join("bench/gateway");
    let gateway_bin = gateway_dir.join("node_modules/.bin/hive-gateway");
    anyhow::ensure!(
        gateway_bin.exists(),
        "Hive Gateway is not installed: (cd bench/gateway && npm ci)"
    );
    for port in
        (SUBGRAPH_BASE_PORT..=SUBGRAPH_BASE_PORT + 13).chain([args.router_port, args.gateway_port])
    {
        process::ensure_port_free(port)?;
    }

    let work = std::env::temp_dir().join(graphql::unique("chaos-bench-router-"));
    let logs = work.join("logs");
    println!("logs: {}", logs.display());
    let mut processes = start_processes(&args, &repo, &chaos_bin, &gateway_dir, &work).await?;

    let router = Endpoint::new(format!("http://127.0.0.1:{}/graphql", args.router_port));
    let gateway = Endpoint::new(format!("http://127.0.0.1:{}/graphql", args.gateway_port));
    let direct = Endpoint::new(format!("http://127.0.0.1:{CHAOS_SUBGRAPH_PORT}/graphql"));
    let player_count = args
        .players
        .unwrap_or_else(|| args.concurrency.iter().copied().max().unwrap_or(1))
        .max(1);
    let started = std::time::Instant::now();
    let admin = graphql::login(&router, "admin", ADMIN_PASSWORD).await?;
    let players: Vec<BenchPlayer> = futures_util::stream::iter(0..player_count)
        .map(|_| set_up_player(&router, &admin))
        .buffered(4)
        .try_collect()
        .await?;
    println!(
        "{player_count} players set up in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let player_bodies: Arc<[Vec<u8>]> = players
        .iter()
        .map(|_| serde_json::to_vec(&json!({ "query": PLAYER_QUERY })))
        .collect::<Result<_, _>>()?;
    let actor_bodies: Arc<[Vec<u8>]> = players
        .iter()
        .map(|player| {
            serde_json::to_vec(
                &json!({ "query": ACTOR_QUERY, "variables": { "id": player.actor } }),
            )
        })
        .collect::<Result<_, _>>()?;
    let targets = vec![
        Target {
            label: "router: player query (6 subgraphs)",
            server: Server::Router,
            query_name: "player",
            endpoint: router.clone(),
            bodies: player_bodies.clone(),
        },
        Target {
            label: "Hive Gateway: player query (6 subgraphs)",
            server: Server::Gateway,
            query_name: "player",
            endpoint: gateway.clone(),
            bodies: player_bodies,
        },
        Target {
            label: "router: actor query (chaos only)",
            server: Server::Router,
            query_name: "actor",
            endpoint: router.clone(),
            bodies: actor_bodies.clone(),
        },
        Target {
            label: "Hive Gateway: actor query (chaos only)",
            server: Server::Gateway,
            query_name: "actor",
            endpoint: gateway.clone(),
            bodies: actor_bodies.clone(),
        },
        Target {
            label: "chaos subgraph direct: actor query",
            server: Server::Direct,
            query_name: "actor",
            endpoint: direct,
            bodies: actor_bodies,
        },
    ];
    check_answers(&targets, &players[0].token).await?;

    let ticks = procfs::clock_ticks_per_sec();
    let mut tokens: Arc<[Arc<str>]> = players.iter().map(|p| p.token.clone()).collect();
    let mut tokens_from = std::time::Instant::now();
    let mut passes = Vec::new();
    for &concurrency in &args.concurrency {
        for target in &targets {
            // Access tokens live 15 minutes: fresh ones for a long run.
            if tokens_from.elapsed() > Duration::from_secs(10 * 60) {
                tokens = log_in_all(&router, &players).await?;
                tokens_from = std::time::Instant::now();
            }
            processes.subgraphs.check_alive()?;
            processes.router.check_alive()?;
            processes.gateway.check_alive()?;
            let pids = (
                processes.serving(target.server),
                processes.subgraphs.pid(),
                std::process::id(),
            );
            let pass = measure(&args, target, concurrency, tokens.clone(), pids, ticks).await?;
            println!(
                "  {:<42} c={:<3} {:>8.1} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}{}",
                pass.label,
                concurrency,
                pass.result.throughput(),
                pass.latency.p50,
                pass.latency.p99,
                pass.result.failed(),
                if pass.compiler {
                    "  (a compiler was running)"
                } else {
                    ""
                }
            );
            if let Some(error) = &pass.result.first_error {
                println!("    first error: {}", truncate(error, 300));
            }
            passes.push(pass);
        }
    }

    let peak_rss_mib = |pid: u32| procfs::peak_rss_kib(pid).unwrap_or(0) as f64 / 1024.0;
    let peaks = json!({
        "router": peak_rss_mib(processes.router.pid()),
        "gateway": peak_rss_mib(processes.gateway.pid()),
        "subgraphs": peak_rss_mib(processes.subgraphs.pid()),
    });
    print_table(&passes, &peaks);
    let ratios = print_ratios(&passes);
    report::write(
        &args.out,
        "router-throughput",
        conditions,
        json!({
            "config": {
                "warmup_s": args.warmup_secs,
                "duration_s": args.duration_secs,
                "concurrency": args.concurrency,
                "players": player_count,
                "player_query": PLAYER_QUERY,
                "actor_query": ACTOR_QUERY,
                "gateway": "@graphql-hive/gateway (bench/gateway/package-lock.json)",
            },
            "peak_rss_mib": peaks,
            "passes": passes.iter().map(Pass::to_json).collect::<Vec<_>>(),
            "ratios": ratios,
        }),
    )?;
    processes.gateway.stop();
    processes.router.stop();
    processes.subgraphs.stop();
    let _ = std::fs::remove_dir_all(work.join("data"));
    Ok(())
}

async fn start_processes(
    args: &Args,
    repo: &Path,
    chaos_bin: &Path,
    gateway_dir: &Path,
    work: &Path,
) -> anyhow::Result<Processes> {
    let logs = work.join("logs");
    let mut subgraphs = Command::new(chaos_bin);
    subgraphs
        .current_dir(repo)
        .args([
            "all",
            "--port",
            &SUBGRAPH_BASE_PORT.to_string(),
            "--data-dir",
        ])
        .arg(work.join("data"))
        .env("CHAOS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("CHAOS_RATE_LIMIT_PER_PLAYER", "0")
        .env("CHAOS_RATE_LIMIT_PER_IP", "0")
        .env("RUST_LOG", "warn");
    let mut subgraphs = Service::spawn("subgraphs", subgraphs, &logs)?;
    // `chaos all` starts its router after every subgraph answers.
    process::wait_for_graphql(
        &mut subgraphs,
        &format!("http://127.0.0.1:{SUBGRAPH_BASE_PORT}/graphql"),
        Duration::from_secs(120),
    )
    .await?;

    let mut router = Command::new(chaos_bin);
    router
        .current_dir(repo)
        .args(["router", "--config", "router/router.config.yaml"])
        .env("CHAOS_ROUTER_PORT", args.router_port.to_string())
        // The load comes from a few players on one address: the router's per-player and
        // per-IP request limits (0: off) would refuse most of it.
        .env("CHAOS_RATE_LIMIT_PER_PLAYER", "0")
        .env("CHAOS_RATE_LIMIT_PER_IP", "0")
        .env("RUST_LOG", "warn");
    let mut router = Service::spawn("router", router, &logs)?;
    process::wait_for_graphql(
        &mut router,
        &format!("http://127.0.0.1:{}/graphql", args.router_port),
        Duration::from_secs(60),
    )
    .await?;

    // `node` itself (not npx) so that the pid is the process serving.
    let mut gateway = Command::new("node");
    gateway
        .current_dir(gateway_dir)
        .arg(std::fs::canonicalize(
            gateway_dir.join("node_modules/.bin/hive-gateway"),
        )?)
        .args([
            "supergraph",
            "../../schema/supergraph.graphql",
            "-c",
            "gateway.config.ts",
        ])
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &args.gateway_port.to_string(),
        ])
        .env("NODE_ENV", "production");
    let mut gateway = Service::spawn("gateway", gateway, &logs)?;
    process::wait_for_graphql(
        &mut gateway,
        &format!("http://127.0.0.1:{}/graphql", args.gateway_port),
        Duration::from_secs(60),
    )
    .await?;
    Ok(Processes {
        subgraphs,
        router,
        gateway,
    })
}

/// One of the benchmark's players.
struct BenchPlayer {
    username: String,
    token: Arc<str>,
    actor: String,
}

/// A mage with a few items, leading a guild; through the router like a client.
async fn set_up_player(router: &Endpoint, admin: &str) -> anyhow::Result<BenchPlayer> {
    let username = graphql::register(router, "bench").await?;
    let token = graphql::login(router, &username, graphql::PASSWORD).await?;
    let actor = graphql::create_actor(router, &token, "MAGE").await?;
    graphql::grant_item(router, admin, &actor, "health_potion", 5).await?;
    graphql::grant_item(router, admin, &actor, "iron_ore", 3).await?;
    router
        .must(
            Some(&token),
            "mutation($a: ID!, $n: String!) { createGuild(actorId: $a, name: $n) { id } }",
            json!({ "a": actor, "n": graphql::unique("Bench Guild ") }),
        )
        .await?;
    Ok(BenchPlayer {
        username,
        token: token.into(),
        actor,
    })
}

/// Fresh access tokens for every player.
async fn log_in_all(router: &Endpoint, players: &[BenchPlayer]) -> anyhow::Result<Arc<[Arc<str>]>> {
    let mut tokens = Vec::with_capacity(players.len());
    for player in players {
        tokens.push(
            graphql::login(router, &player.username, graphql::PASSWORD)
                .await?
                .into(),
        );
    }
    Ok(tokens.into())
}

/// Every target answers without errors, and the router and the gateway answer each
/// query with the same data.
async fn check_answers(targets: &[Target], token: &str) -> anyhow::Result<()> {
    let mut answers: Vec<(&Target, Value)> = Vec::new();
    for target in targets {
        let bytes = target
            .endpoint
            .send_raw(Some(token), target.bodies[0].clone())
            .await
            .map_err(|err| anyhow::anyhow!("{}: {} ({})", target.label, err.code, err.detail))?;
        let body: Value = serde_json::from_slice(&bytes)?;
        answers.push((target, body["data"].clone()));
    }
    for (i, (target, data)) in answers.iter().enumerate() {
        let other = answers[i + 1..].iter().find(|(other, _)| {
            other.query_name == target.query_name && other.server != target.server
        });
        if let Some((other, other_data)) = other {
            if let Some(difference) = first_difference(data, other_data, "data") {
                println!(
                    "note: {} and {} answer differently at {difference}",
                    target.label, other.label
                );
            }
        }
    }
    let player = &answers[0].1["me"]["actors"][0];
    anyhow::ensure!(
        player["inventory"]["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
            && player["guild"]["name"].is_string()
            && player["position"]["zoneId"].is_string(),
        "the player query does not reach every subgraph: {player}"
    );
    Ok(())
}

/// The path of the first place where `a` and `b` differ, with both values there.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let there = format!("{path}.{key}");
                match y.get(key) {
                    Some(other) => {
                        if let Some(found) = first_difference(value, other, &there) {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{there}: {value} vs (missing)")),
                }
            }
            y.keys()
                .find(|key| !x.contains_key(*key))
                .map(|key| format!("{path}.{key}: (missing) vs {}", y[key]))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        // JavaScript writes 500.0 as 500.
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

async fn measure(
    args: &Args,
    target: &Target,
    concurrency: usize,
    tokens: Arc<[Arc<str>]>,
    (serving, subgraphs, me): (u32, u32, u32),
    ticks: u64,
) -> anyhow::Result<Pass> {
    let endpoint = target.endpoint.clone();
    let bodies = target.bodies.clone();
    let mut samples: Vec<CpuSample> = Vec::new();
    let cpu = |pid: u32| procfs::cpu_time(pid, ticks, false).unwrap_or_default();
    let watch = procfs::CompilerWatch::start();
    let mut result = load::run(
        concurrency,
        Duration::from_secs(args.warmup_secs),
        Duration::from_secs(args.duration_secs),
        move |worker| {
            let player = worker % bodies.len().min(tokens.len()).max(1);
            let (endpoint, body, token) = (
                endpoint.clone(),
                bodies[player].clone(),
                tokens[player].clone(),
            );
            async move { endpoint.send_raw(Some(&token), body).await.map(drop).into() }
        },
        || samples.push((cpu(serving), cpu(subgraphs), cpu(me))),
    )
    .await?;
    let compiler = watch.stop();
    let [start, end] = samples[..] else {
        anyhow::bail!("the window's CPU samples are missing");
    };
    Ok(Pass {
        compiler,
        label: target.label,
        server: target.server,
        query_name: target.query_name,
        concurrency,
        latency: Summary::of(&mut result.latencies),
        result,
        cpu: (
            end.0.saturating_sub(start.0),
            end.1.saturating_sub(start.1),
            end.2.saturating_sub(start.2),
        ),
    })
}

fn print_table(passes: &[Pass], peaks: &Value) {
    println!();
    println!("| target | clients | req/s | p50 | p95 | p99 | errors | CPU-ms/req (serving) | CPU-ms/req (subgraphs) | CPU-ms/req (load gen) | peak RSS (serving) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for pass in passes {
        let peak = match pass.server {
            Server::Router => &peaks["router"],
            Server::Gateway => &peaks["gateway"],
            Server::Direct => &peaks["subgraphs"],
        };
        println!(
            "| {}{} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {} | {:.3} | {:.3} | {:.3} | {:.0} MiB |",
            pass.label,
            if pass.compiler { " ¹" } else { "" },
            pass.concurrency,
            pass.result.throughput(),
            pass.latency.p50,
            pass.latency.p95,
            pass.latency.p99,
            pass.result.failed(),
            pass.per_request_ms(pass.cpu.0),
            pass.per_request_ms(pass.cpu.1),
            pass.per_request_ms(pass.cpu.2),
            peak.as_f64().unwrap_or(0.0),
        );
    }
    if passes.iter().any(|p| p.compiler) {
        println!("\n¹ a compiler was running on the machine during this pass");
    }
    println!("\nPeak RSS (VmHWM): router {:.0} MiB, Hive Gateway {:.0} MiB, subgraph process (13 subgraphs + idle router) {:.0} MiB",
        peaks["router"].as_f64().unwrap_or(0.0),
        peaks["gateway"].as_f64().unwrap_or(0.0),
        peaks["subgraphs"].as_f64().unwrap_or(0.0));
}

/// Router vs gateway (same query) and router vs direct (actor query), per concurrency.
fn print_ratios(passes: &[Pass]) -> Value {
    let find = |server: Server, query: &str, concurrency: usize| {
        passes
            .iter()
            .find(|p| p.server == server && p.query_name == query && p.concurrency == concurrency)
    };
    let mut concurrencies: Vec<usize> = passes.iter().map(|p| p.concurrency).collect();
    concurrencies.dedup();
    let mut rows = Vec::new();
    println!();
    for concurrency in concurrencies {
        for (query, other_server) in [
            ("player", Server::Gateway),
            ("actor", Server::Gateway),
            ("actor", Server::Direct),
        ] {
            let (Some(router), Some(other)) = (
                find(Server::Router, query, concurrency),
                find(other_server, query, concurrency),
            ) else {
                continue;
            };
            let rps = router.result.throughput() / other.result.throughput().max(1e-9);
            let p50 = router.latency.p50 / other.latency.p50.max(1e-9);
            let p99 = router.latency.p99 / other.latency.p99.max(1e-9);
            let cpu =
                router.per_request_ms(router.cpu.0) / other.per_request_ms(other.cpu.0).max(1e-9);
            println!(
                "c={concurrency:<3} {query:<6} router vs {:<7}: req/s {rps:.2}x, p50 {p50:.2}x, p99 {p99:.2}x, serving CPU-ms/req {cpu:.2}x",
                other_server.key()
            );
            rows.push(json!({
                "concurrency": concurrency, "query": query, "versus": other_server.key(),
                "rps": rps, "p50": p50, "p99": p99, "cpu_ms_per_request": cpu,
            }));
        }
        // The player query through the router vs the single-subgraph baseline.
        if let (Some(router), Some(direct)) = (
            find(Server::Router, "player", concurrency),
            find(Server::Direct, "actor", concurrency),
        ) {
            let rps = router.result.throughput() / direct.result.throughput().max(1e-9);
            let p50 = router.latency.p50 / direct.latency.p50.max(1e-9);
            println!("c={concurrency:<3} router player query vs direct actor query: req/s {rps:.2}x, p50 {p50:.2}x");
            rows.push(json!({
                "concurrency": concurrency, "query": "player vs actor", "versus": "direct",
                "rps": rps, "p50": p50,
            }));
        }
    }
    Value::Array(rows)
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}
