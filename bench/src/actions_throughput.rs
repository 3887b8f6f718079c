//! `castSkill` and `useItem` throughput on PostgreSQL, through the router, at a few
//! concurrency levels.
//!
//! Starts the whole supergraph in this process with every relational service on its
//! own fresh database of the PostgreSQL server at `--postgres-url` (content and
//! analytics keep their embedded document store; events and live updates stay
//! in-process), then sets up through the router like a game client: a few players, and
//! `--casters` level-1 mages in pairs in one combat zone (each pair 10 units apart, so
//! each mage can Fireball its partner), each holding `--potions` health potions.
//!
//! - `castSkill`: Fireball at the partner. Fireball has a 3 s cooldown per actor, so a
//!   worker takes the caster whose cooldown ended first and waits if none has; that
//!   wait is not latency, and the pool caps throughput at `casters / 3.1 s` (the
//!   results say how much of the time workers waited). Every caster's MP is refilled
//!   (an admin mutation) before each pass.
//! - `useItem`: a health potion (inventory consumes it, chaos heals); each actor is
//!   used by one worker at a time, as one player would.
//!
//! For each (operation, concurrency): a warm-up, then a measured window; operations
//! per second, latency percentiles, errors by code, and CPU-ms per operation of this
//! process (router, subgraphs and load generator together) and of the PostgreSQL
//! server (postmaster and backends).
//!
//! ```sh
//! url=$(CHAOS_TEST_PG_PORT=55433 CHAOS_TEST_PG_DIR=/tmp/chaos-bench-pg scripts/postgres.sh)
//! cargo run --release -p chaos-bench -- actions-throughput --postgres-url "$url"
//! ```

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::ValueEnum;
use futures_util::{stream, StreamExt, TryStreamExt};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

use crate::graphql::{self, Endpoint};
use crate::latency::Summary;
use crate::load::{self, Done, LoadResult, OpError};
use crate::{procfs, report};

/// Parameters of the `castSkill` and `useItem` throughput benchmark.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Admin URL of the PostgreSQL server (`scripts/postgres.sh` prints one); the
    /// benchmark creates its databases there and drops them at the end.
    #[arg(long, env = "CHAOS_BENCH_POSTGRES_URL")]
    postgres_url: String,
    /// Operations to measure.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "cast-skill,use-item"
    )]
    operations: Vec<Operation>,
    /// Concurrent clients (closed loop); one measured pass per value and operation.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
    concurrency: Vec<usize>,
    /// Unmeasured warm-up before each window, seconds.
    #[arg(long, default_value_t = 3)]
    warmup_secs: u64,
    /// Measured window, seconds.
    #[arg(long, default_value_t = 15)]
    duration_secs: u64,
    /// Mages (an even number: they pair up).
    #[arg(long, default_value_t = 2000)]
    casters: usize,
    /// Players owning them (each registers and logs in; the mages are shared out).
    #[arg(long, default_value_t = 20)]
    players: usize,
    /// Health potions granted to each mage for `useItem`.
    #[arg(long, default_value_t = 30)]
    potions: i64,
    /// Connection pool size of each service's database.
    #[arg(long, default_value_t = 20)]
    pool: u32,
    /// Results file (JSON) for `bench/plot.py`.
    #[arg(long, default_value = "docs/benchmarks/actions-throughput.json")]
    out: PathBuf,
}

/// A measured mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Operation {
    /// `castSkill` (Fireball at an actor).
    CastSkill,
    /// `useItem` (a health potion).
    UseItem,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::CastSkill => "castSkill",
            Operation::UseItem => "useItem",
        }
    }
}

const CAST: &str = "mutation($a: ID!, $t: ID!, $k: String!) { castSkill(actorId: $a, skillId: \"fireball\", target: { actorId: $t }, idempotencyKey: $k) { id damage mpSpent targetHpAfter replayed } }";
const USE: &str = "mutation($a: ID!, $i: ID!, $k: String!) { useItem(actorId: $a, itemInstanceId: $i, idempotencyKey: $k) { useId remaining replayed } }";
const REFILL_MP: &str = "mutation($a: ID!) { setActorResources(actorId: $a, mp: 100000) { id } }";
/// Fireball's cooldown (3 s) plus a margin for clocks and the request's own time.
const CAST_EVERY: Duration = Duration::from_millis(3_100);

/// The services with a relational database (content and analytics use documents).
const RELATIONAL: [&str; 11] = [
    "users",
    "chaos",
    "chat",
    "guild",
    "notifications",
    "inventory",
    "payment",
    "world",
    "anticheat",
    "matchmaking",
    "events",
];

/// One mage of the run.
struct Mage {
    token: Arc<str>,
    id: String,
    partner: String,
    /// Health potion stacks: (instance id, quantity left).
    potions: Mutex<Vec<(String, i64)>>,
}

/// Runs the benchmark on a runtime of its own.
pub fn run(args: Args) -> anyhow::Result<()> {
    // Before any thread starts: the load comes from one address and a few players, so
    // the router's per-IP and per-player request limits (0: off) would refuse most of it.
    std::env::set_var("CHAOS_RATE_LIMIT_PER_IP", "0");
    std::env::set_var("CHAOS_RATE_LIMIT_PER_PLAYER", "0");
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run_benchmark(args))
}

async fn run_benchmark(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.casters >= 2 && args.casters.is_multiple_of(2),
        "--casters must be an even number (pairs)"
    );
    subgraph_kit::telemetry::init(subgraph_kit::telemetry::LogFormat::Pretty, "error");
    let conditions = report::conditions();
    println!("conditions: {}", report::describe(&conditions));
    let run_id = graphql::unique("");
    let databases = create_databases(&args.postgres_url, &run_id).await?;
    let outcome = measure_all(&args, &databases, conditions).await;
    drop_databases(&args.postgres_url, &databases).await?;
    outcome
}

/// `CREATE DATABASE chaos_bench_<service>_<run>` for each relational service; their
/// URLs by service.
async fn create_databases(admin_url: &str, run_id: &str) -> anyhow::Result<Vec<(String, String)>> {
    let admin = Database::connect(admin_url).await?;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    let mut databases = Vec::new();
    for service in RELATIONAL {
        let name = format!("chaos_bench_{service}_{run_id}");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        databases.push((service.to_string(), format!("{base}/{name}")));
    }
    admin.close().await?;
    Ok(databases)
}

async fn drop_databases(admin_url: &str, databases: &[(String, String)]) -> anyhow::Result<()> {
    let admin = Database::connect(admin_url).await?;
    for (_, url) in databases {
        if let Some((_, name)) = url.rsplit_once('/') {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
        }
    }
    admin.close().await?;
    Ok(())
}

async fn measure_all(
    args: &Args,
    databases: &[(String, String)],
    conditions: Value,
) -> anyhow::Result<()> {
    let data = std::env::temp_dir().join(graphql::unique("chaos-bench-actions-"));
    let mut config = chaos_supergraph::cli::embedded_config(&data)?;
    let url = |service: &str| {
        databases
            .iter()
            .find(|(name, _)| name == service)
            .map(|(_, url)| subgraph_kit::settings::DatabaseSettings {
                url: subgraph_kit::secret::Secret::new(url.clone()),
                max_connections: args.pool,
            })
            .expect("a database per relational service")
    };
    config.users.database = url("users");
    config.chaos.database = url("chaos");
    config.chat.database = url("chat");
    config.guild.database = url("guild");
    config.notifications.database = url("notifications");
    config.inventory.database = url("inventory");
    config.payment.database = url("payment");
    config.world.database = url("world");
    config.anticheat.database = url("anticheat");
    config.matchmaking.database = url("matchmaking");
    config.events.database = url("events");
    // A few players own every mage.
    config.chaos.rules.max_actors_per_user = i32::try_from(args.casters)?;
    // Potions: every stack of every mage fits.
    config.inventory.rules.bag_capacity = config
        .inventory
        .rules
        .bag_capacity
        .max(i32::try_from(args.potions / 20 + 5)?);
    // Production's router: no introspection, no GraphiQL.
    config.developer_tools = false;
    let admin_password =
        std::env::var("CHAOS_ADMIN_PASSWORD").unwrap_or_else(|_| "chaos-admin".to_string());

    let started = Instant::now();
    let listeners = chaos_supergraph::supergraph::Listeners::bind("127.0.0.1", 0).await?;
    let running = chaos_supergraph::supergraph::start(config, listeners).await?;
    println!(
        "supergraph on PostgreSQL up in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let router = Endpoint::new(running.graphql_url());
    let admin = graphql::login(&router, "admin", &admin_password).await?;

    let started = Instant::now();
    let mages = set_up_mages(args, &router, &admin).await?;
    println!(
        "{} mages of {} players set up in {:.1} s",
        mages.len(),
        args.players,
        started.elapsed().as_secs_f64()
    );

    let ticks = procfs::clock_ticks_per_sec();
    let postmaster = postgres_port(&args.postgres_url).and_then(procfs::postgres_postmaster);
    if postmaster.is_none() {
        println!("PostgreSQL's processes not found on this machine: its CPU is not measured");
    }
    let mut passes = Vec::new();
    for &operation in &args.operations {
        for &concurrency in &args.concurrency {
            if operation == Operation::CastSkill {
                refill_mp(&router, &admin, &mages).await?;
            }
            let pass = measure(
                args,
                operation,
                concurrency,
                &router,
                &mages,
                ticks,
                postmaster,
            )
            .await?;
            println!(
                "  {:<10} c={:<3} {:>7.1} ops/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {:?}  waited {:.0}%{}",
                operation.name(),
                concurrency,
                pass.result.throughput(),
                pass.latency.p50,
                pass.latency.p99,
                pass.result.errors,
                pass.waited_share() * 100.0,
                if pass.compiler {
                    "  (a compiler was running)"
                } else {
                    ""
                }
            );
            if let Some(error) = &pass.result.first_error {
                println!("    first error: {}", &error[..error.len().min(300)]);
            }
            passes.push(pass);
        }
    }
    print_table(&passes);
    report::write(
        &args.out,
        "actions-throughput",
        conditions,
        json!({
            "config": {
                "warmup_s": args.warmup_secs,
                "duration_s": args.duration_secs,
                "casters": args.casters,
                "players": args.players,
                "potions": args.potions,
                "pool_per_service": args.pool,
                "max_casts_per_second": args.casters as f64 / CAST_EVERY.as_secs_f64(),
                "cast": CAST,
                "use": USE,
            },
            "passes": passes.iter().map(Pass::to_json).collect::<Vec<_>>(),
        }),
    )?;
    running.stop().await?;
    let _ = std::fs::remove_dir_all(data);
    Ok(())
}

/// The port of a `postgres://user@host:port/db` URL.
fn postgres_port(url: &str) -> Option<u16> {
    let host = url.split_once('@').map_or(url, |(_, rest)| rest);
    let host = host.split('/').next()?;
    host.rsplit_once(':')?.1.parse().ok()
}

/// Players, their mages in pairs in a fresh combat zone, potions.
async fn set_up_mages(
    args: &Args,
    router: &Endpoint,
    admin: &str,
) -> anyhow::Result<Vec<Arc<Mage>>> {
    let mut tokens: Vec<Arc<str>> = Vec::new();
    for _ in 0..args.players.max(1) {
        let username = graphql::register(router, "bench").await?;
        tokens.push(
            graphql::login(router, &username, graphql::PASSWORD)
                .await?
                .into(),
        );
    }
    // One player's creates go one at a time (concurrent ones race for the same actor
    // slot); players in parallel. Mage i belongs to player i % players.
    let players = tokens.len();
    let per_player: Vec<Vec<String>> = stream::iter(tokens.iter().enumerate())
        .map(|(p, token)| async move {
            let mut ids = Vec::new();
            for _ in (p..args.casters).step_by(players) {
                ids.push(graphql::create_actor(router, token, "MAGE").await?);
            }
            Ok::<_, anyhow::Error>(ids)
        })
        .buffered(8)
        .try_collect()
        .await?;
    let ids: Vec<String> = (0..args.casters)
        .map(|i| per_player[i % players][i / players].clone())
        .collect();
    let zone = graphql::unique("bench_arena_");
    graphql::publish_zone(router, admin, &zone).await?;
    // Pair k stands at a point of a square grid over the 1000 x 1000 zone, its two
    // mages 10 units apart (Fireball reaches 30).
    let columns = ((args.casters / 2) as f64).sqrt().ceil().max(1.0) as usize;
    let spacing = 940.0 / columns as f64;
    let place = "mutation($a: ID!, $z: ID!, $x: Float!, $y: Float!) { placeActor(actorId: $a, zoneId: $z, x: $x, y: $y) { zoneId } }";
    stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let pair = i / 2;
            let x = 20.0 + (pair % columns) as f64 * spacing + (i % 2) as f64 * 10.0;
            let y = 20.0 + (pair / columns) as f64 * spacing;
            let zone = zone.clone();
            async move {
                router
                    .must(
                        Some(admin),
                        place,
                        json!({ "a": id, "z": zone, "x": x, "y": y }),
                    )
                    .await
            }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await?;
    let potions: Vec<Vec<(String, i64)>> = stream::iter(ids.iter())
        .map(|id| async move {
            let granted =
                graphql::grant_item(router, admin, id, "health_potion", args.potions).await?;
            Ok::<_, anyhow::Error>(
                granted["stacks"]
                    .as_array()
                    .map(|stacks| {
                        stacks
                            .iter()
                            .filter_map(|s| {
                                Some((s["id"].as_str()?.to_string(), s["quantity"].as_i64()?))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .buffered(8)
        .try_collect()
        .await?;
    Ok(ids
        .iter()
        .zip(potions)
        .enumerate()
        .map(|(i, (id, potions))| {
            Arc::new(Mage {
                token: tokens[i % tokens.len()].clone(),
                id: id.clone(),
                partner: ids[i ^ 1].clone(),
                potions: Mutex::new(potions),
            })
        })
        .collect())
}

async fn refill_mp(router: &Endpoint, admin: &str, mages: &[Arc<Mage>]) -> anyhow::Result<()> {
    stream::iter(mages)
        .map(|mage| router.must(Some(admin), REFILL_MP, json!({ "a": mage.id })))
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Casters by when their cooldown ends, soonest first.
type CasterQueue = Mutex<BinaryHeap<Reverse<(Instant, usize)>>>;

/// What one pass measured.
struct Pass {
    operation: Operation,
    concurrency: usize,
    result: LoadResult,
    latency: Summary,
    /// CPU time in the window: this process, PostgreSQL.
    cpu: (Duration, Option<Duration>),
    /// Whether a compiler ran on the machine during the pass.
    compiler: bool,
}

impl Pass {
    fn per_op_ms(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e3 / self.result.ok().max(1) as f64
    }

    /// Share of the workers' time spent waiting for a caster off cooldown.
    fn waited_share(&self) -> f64 {
        self.result.waited.as_secs_f64()
            / (self.result.window.as_secs_f64() * self.concurrency as f64).max(1e-9)
    }

    fn to_json(&self) -> Value {
        json!({
            "operation": self.operation.name(),
            "concurrency": self.concurrency,
            "ops_per_s": self.result.throughput(),
            "ok": self.result.ok(),
            "errors": self.result.errors,
            "window_s": self.result.window.as_secs_f64(),
            "waited_share": self.waited_share(),
            "compiler_running": self.compiler,
            "latency": self.latency.to_json(),
            "cpu_ms_per_op": {
                "supergraph_process": self.per_op_ms(self.cpu.0),
                "postgres": self.cpu.1.map(|cpu| self.per_op_ms(cpu)),
            },
        })
    }
}

async fn measure(
    args: &Args,
    operation: Operation,
    concurrency: usize,
    router: &Endpoint,
    mages: &[Arc<Mage>],
    ticks: u64,
    postmaster: Option<u32>,
) -> anyhow::Result<Pass> {
    let me = std::process::id();
    let mut samples = Vec::new();
    let sample = || {
        (
            procfs::cpu_time(me, ticks, false).unwrap_or_default(),
            postmaster.map(|pid| procfs::postgres_cpu_time(pid, ticks)),
        )
    };
    let warmup = Duration::from_secs(args.warmup_secs);
    let duration = Duration::from_secs(args.duration_secs);
    let mages: Arc<[Arc<Mage>]> = mages.into();
    let watch = procfs::CompilerWatch::start();
    let router = router.clone();
    let mut result = match operation {
        Operation::CastSkill => {
            let now = Instant::now();
            let queue: Arc<CasterQueue> = Arc::new(Mutex::new(
                (0..mages.len()).map(|i| Reverse((now, i))).collect(),
            ));
            load::run(
                concurrency,
                warmup,
                duration,
                move |_| cast_once(router.clone(), mages.clone(), queue.clone()),
                || samples.push(sample()),
            )
            .await?
        }
        Operation::UseItem => {
            let queue: Arc<Mutex<VecDeque<usize>>> =
                Arc::new(Mutex::new((0..mages.len()).collect()));
            load::run(
                concurrency,
                warmup,
                duration,
                move |_| use_once(router.clone(), mages.clone(), queue.clone()),
                || samples.push(sample()),
            )
            .await?
        }
    };
    let compiler = watch.stop();
    let [start, end] = samples[..] else {
        anyhow::bail!("the window's CPU samples are missing");
    };
    Ok(Pass {
        compiler,
        operation,
        concurrency,
        latency: Summary::of(&mut result.latencies),
        result,
        cpu: (
            end.0.saturating_sub(start.0),
            end.1
                .zip(start.1)
                .map(|(end, start)| end.saturating_sub(start)),
        ),
    })
}

/// The caster whose cooldown ends first casts Fireball at its partner (after waiting
/// for the cooldown if it has not ended).
async fn cast_once(router: Endpoint, mages: Arc<[Arc<Mage>]>, queue: Arc<CasterQueue>) -> Done {
    let next = queue
        .lock()
        .expect("the queue lock is never poisoned")
        .pop();
    let Some(Reverse((ready_at, index))) = next else {
        // More workers than casters: nothing to do for a moment.
        tokio::time::sleep(Duration::from_millis(10)).await;
        return Done {
            result: Ok(()),
            waited: Duration::from_millis(10),
        };
    };
    let waited = ready_at.saturating_duration_since(Instant::now());
    tokio::time::sleep(waited).await;
    let mage = &mages[index];
    let result = router
        .call(
            Some(&mage.token),
            CAST,
            json!({ "a": mage.id, "t": mage.partner, "k": graphql::unique("cast-") }),
        )
        .await
        .map(drop);
    queue
        .lock()
        .expect("the queue lock is never poisoned")
        .push(Reverse((Instant::now() + CAST_EVERY, index)));
    Done { result, waited }
}

/// The next actor in line drinks a potion from its first non-empty stack.
async fn use_once(
    router: Endpoint,
    mages: Arc<[Arc<Mage>]>,
    queue: Arc<Mutex<VecDeque<usize>>>,
) -> Done {
    let next = queue
        .lock()
        .expect("the queue lock is never poisoned")
        .pop_front();
    let Some(index) = next else {
        tokio::time::sleep(Duration::from_millis(10)).await;
        return Done {
            result: Err(OpError::new(
                "NO_POTIONS_LEFT",
                "every mage drank every potion",
            )),
            waited: Duration::ZERO,
        };
    };
    let mage = &mages[index];
    let stack = mage
        .potions
        .lock()
        .expect("the potion lock is never poisoned")
        .iter()
        .find(|(_, left)| *left > 0)
        .map(|(id, _)| id.clone());
    let Some(stack) = stack else {
        // This mage is out of potions; it leaves the line.
        return Done {
            result: Err(OpError::new("NO_POTIONS_LEFT", "a mage drank every potion")),
            waited: Duration::ZERO,
        };
    };
    let used = router
        .call(
            Some(&mage.token),
            USE,
            json!({ "a": mage.id, "i": stack, "k": graphql::unique("use-") }),
        )
        .await;
    let remaining = match &used {
        Ok(data) => data["useItem"]["remaining"].as_i64().unwrap_or(0),
        Err(err) if err.code == "STACK_EMPTY" => 0,
        Err(_) => 1,
    };
    if let Some(entry) = mage
        .potions
        .lock()
        .expect("the potion lock is never poisoned")
        .iter_mut()
        .find(|(id, _)| *id == stack)
    {
        entry.1 = remaining;
    }
    queue
        .lock()
        .expect("the queue lock is never poisoned")
        .push_back(index);
    Done {
        result: used.map(drop),
        waited: Duration::ZERO,
    }
}

fn print_table(passes: &[Pass]) {
    println!();
    println!("| operation | clients | ops/s | p50 | p95 | p99 | errors | waited for a caster | CPU-ms/op (supergraph process) | CPU-ms/op (PostgreSQL) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for pass in passes {
        println!(
            "| `{}`{} | {} | {:.1} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {} | {:.2} | {} |",
            pass.operation.name(),
            if pass.compiler { " ¹" } else { "" },
            pass.concurrency,
            pass.result.throughput(),
            pass.latency.p50,
            pass.latency.p95,
            pass.latency.p99,
            pass.result.failed(),
            if pass.operation == Operation::CastSkill {
                format!("{:.0}%", pass.waited_share() * 100.0)
            } else {
                "—".to_string()
            },
            pass.per_op_ms(pass.cpu.0),
            pass.cpu.1.map_or("—".to_string(), |cpu| format!(
                "{:.2}",
                pass.per_op_ms(cpu)
            )),
        );
    }
    if passes.iter().any(|p| p.compiler) {
        println!("\n¹ a compiler was running on the machine during this pass");
    }
}
