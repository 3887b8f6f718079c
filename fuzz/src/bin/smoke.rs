//! The fuzz smoke run of the test command, on stable: the seed corpus
//! (`fuzz/corpus/request/`), then deterministic mutations of it, through
//! [`chaos_fuzz::check`], until a count or a time bound, whichever comes first.
//!
//! ```text
//! chaos-fuzz-smoke [--inputs 20000] [--seconds 60] [--seed 0x5eed] [--http-every 4]
//! ```
//!
//! Every seed also goes over HTTP to the real router, and every `--http-every`-th
//! mutation. The run happens in a child process, which writes each input to a file before
//! running it: a failure (a panic on any thread, a dropped connection, a bad 5xx) and
//! also a crash that no panic hook sees (a stack overflow, an abort) leave the input in
//! `fuzz/artifacts/request/crash-…`, printed escaped, to replay with
//! `cargo run -p chaos-fuzz --bin request -- <file>` and to add to the corpus
//! once fixed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use chaos_fuzz::mutate::Mutator;
use chaos_fuzz::Stage;

const USAGE: &str =
    "usage: chaos-fuzz-smoke [--inputs 20000] [--seconds 60] [--seed 0x5eed] [--http-every 4]
  Runs fuzz/corpus/request/, then deterministic mutations of it, through the router's
  request path until --inputs inputs or --seconds seconds, whichever comes first; every
  seed and every --http-every-th mutation also over HTTP to the real router.";

/// Set in the child's environment to the in-flight input's file.
const WORKER_ENV: &str = "CHAOS_FUZZ_SMOKE_IN_FLIGHT";
/// Inputs longer than this are printed shortened.
const PRINT_LIMIT: usize = 2048;
/// How many inputs the mutator picks from (at least twice the seeds): the seeds and the
/// mutations that went deep.
const POOL_LIMIT: usize = 4096;
/// How long the child may take beyond `--seconds` (start-up, the last input).
const GRACE: Duration = Duration::from_secs(180);

struct Options {
    inputs: usize,
    seconds: u64,
    seed: u64,
    http_every: usize,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let mut options = Options {
            inputs: 20_000,
            seconds: 60,
            seed: 0x5eed,
            http_every: 4,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                return Err(String::new());
            }
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            let number = parse_number(&value).ok_or(format!("{flag}: not a number: {value}"))?;
            match flag.as_str() {
                "--inputs" => options.inputs = number as usize,
                "--seconds" => options.seconds = number,
                "--seed" => options.seed = number,
                "--http-every" => options.http_every = (number as usize).max(1),
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }
}

fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.replace('_', "").parse().ok(),
    }
}

fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(err) if err.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("{err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match std::env::var_os(WORKER_ENV) {
        Some(in_flight) => run(&options, Path::new(&in_flight)),
        None => supervise(&options),
    }
}

/// Runs the worker in a child process and reports a crash that killed it.
fn supervise(options: &Options) -> ExitCode {
    let artifacts = chaos_fuzz::artifacts_dir();
    if let Err(err) = std::fs::create_dir_all(&artifacts) {
        eprintln!("cannot create {}: {err}", artifacts.display());
        return ExitCode::FAILURE;
    }
    let in_flight = artifacts.join("in-flight");
    let started = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(WORKER_ENV, &in_flight)
            .spawn()
    });
    let mut child = match started {
        Ok(child) => child,
        Err(err) => {
            eprintln!("cannot start the fuzz worker: {err}");
            return ExitCode::FAILURE;
        }
    };
    let deadline = Instant::now() + Duration::from_secs(options.seconds) + GRACE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(err) => {
                eprintln!("cannot wait for the fuzz worker: {err}");
                return ExitCode::FAILURE;
            }
        }
    };
    match status {
        Some(status) if status.success() => ExitCode::SUCCESS,
        // The worker reported its failure itself.
        Some(status) if status.code() == Some(1) => ExitCode::FAILURE,
        other => {
            let what = match other {
                Some(status) => format!("the fuzz worker crashed ({status})"),
                None => "the fuzz worker hung and was killed".to_string(),
            };
            match std::fs::read(&in_flight) {
                Ok(input) => report(&what, &input),
                Err(_) => eprintln!("{what} before its first input"),
            }
            ExitCode::FAILURE
        }
    }
}

/// The run itself: seeds, then mutations, within the bounds.
fn run(options: &Options, in_flight: &Path) -> ExitCode {
    let seeds = match load_corpus(&chaos_fuzz::seed_corpus_dir()) {
        Ok(seeds) if !seeds.is_empty() => seeds,
        Ok(_) => {
            eprintln!("the seed corpus is empty");
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("cannot read the seed corpus: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut mutator = Mutator::new(options.seed, &chaos_fuzz::supergraph_sdl());
    let warm_up = Instant::now();
    chaos_fuzz::start();
    println!(
        "router and Hive pipeline ready in {:.1}s; {} seeds, then mutations (seed {:#x}) until {} inputs or {}s",
        warm_up.elapsed().as_secs_f64(),
        seeds.len(),
        options.seed,
        options.inputs,
        options.seconds
    );

    let started = Instant::now();
    let bound = Duration::from_secs(options.seconds);
    let mut stages: BTreeMap<Stage, usize> = BTreeMap::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut pool = seeds.clone();
    let pool_limit = POOL_LIMIT.max(2 * seeds.len());
    let mut done = 0;
    while done < options.inputs && started.elapsed() < bound {
        let is_seed = done < seeds.len();
        let input = match seeds.get(done) {
            Some(seed) => seed.clone(),
            None => mutator.mutate(&pool),
        };
        if let Err(err) = std::fs::write(in_flight, &input) {
            eprintln!("cannot write {}: {err}", in_flight.display());
            return ExitCode::FAILURE;
        }
        let over_http = is_seed || done % options.http_every == 0;
        let checked = std::panic::catch_unwind(|| chaos_fuzz::check(&input, over_http));
        let outcome = match checked {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(failure)) => {
                report(&format!("input #{done} failed: {failure}"), &input);
                return ExitCode::FAILURE;
            }
            Err(payload) => {
                report(
                    &format!(
                        "input #{done} panicked: {}",
                        chaos_fuzz::panics::message(&*payload)
                    ),
                    &input,
                );
                return ExitCode::FAILURE;
            }
        };
        // The only feedback: a mutation that got past validation is mutated further, so
        // later inputs start deep more often.
        if !is_seed && outcome.stage >= Stage::Variables {
            if pool.len() < pool_limit {
                pool.push(input);
            } else {
                pool[seeds.len() + done % (pool_limit - seeds.len())] = input;
            }
        }
        *stages.entry(outcome.stage).or_default() += 1;
        if let Some(status) = outcome.http_status {
            *statuses.entry(status).or_default() += 1;
        }
        done += 1;
    }
    let _ = std::fs::remove_file(in_flight);

    let elapsed = started.elapsed().as_secs_f64();
    let bound_hit = if done < options.inputs {
        "time"
    } else {
        "count"
    };
    println!(
        "fuzz smoke: {done} inputs ({} seeds, {} mutations) in {elapsed:.1}s ({:.0}/s, {bound_hit} bound), no panic",
        done.min(seeds.len()),
        done.saturating_sub(seeds.len()),
        done as f64 / elapsed.max(0.001),
    );
    println!("  Hive pipeline:");
    for stage in Stage::ALL {
        let count = stages.get(&stage).copied().unwrap_or(0);
        println!("    {count:>6}  {}", stage.describe());
    }
    let over_http: usize = statuses.values().sum();
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(status, count)| format!("{status}: {count}"))
        .collect();
    println!("  over HTTP: {over_http} ({})", statuses.join(", "));
    ExitCode::SUCCESS
}

fn load_corpus(dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    paths.retain(|path| path.is_file());
    paths.sort();
    paths.iter().map(std::fs::read).collect()
}

/// Prints a failure with its input and writes the input where cargo-fuzz would.
fn report(what: &str, input: &[u8]) {
    let name = format!("crash-{:016x}", fnv1a(input));
    let path = chaos_fuzz::artifacts_dir().join(&name);
    let written = std::fs::create_dir_all(chaos_fuzz::artifacts_dir())
        .and_then(|()| std::fs::write(&path, input));
    eprintln!("\nFUZZ FAILURE: {what}");
    if input.len() <= PRINT_LIMIT {
        eprintln!(
            "input ({} bytes), escaped:\n{}",
            input.len(),
            input.escape_ascii()
        );
    } else {
        let (head, tail) = (
            &input[..PRINT_LIMIT / 2],
            &input[input.len() - PRINT_LIMIT / 4..],
        );
        eprintln!(
            "input ({} bytes; the file has all of them), escaped:\n{} [… {} bytes …] {}",
            input.len(),
            head.escape_ascii(),
            input.len() - head.len() - tail.len(),
            tail.escape_ascii()
        );
    }
    if input.len() <= 512 {
        let hex: String = input.iter().map(|byte| format!("{byte:02x}")).collect();
        eprintln!("hex: {hex}");
    }
    match written {
        Ok(()) => eprintln!(
            "written to {}\nreplay: cargo run -p chaos-fuzz --bin request -- {}\n\
             once fixed, add it to fuzz/corpus/request/ so every run checks it",
            path.display(),
            path.display()
        ),
        Err(err) => eprintln!("(could not write it to {}: {err})", path.display()),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
