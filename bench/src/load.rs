//! A closed-loop load generator: `concurrency` workers each run one operation after
//! another, as fast as the target answers. The caller opens and closes a measured
//! window (after a warm-up); operations that finish inside it count, with their
//! latency. Closing the window does not wait for operations in flight, so the caller
//! can read CPU counters at the window's exact edges, then [`Load::finish`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

/// What one worker saw inside the window.
#[derive(Default)]
struct WorkerTally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
    first_error: Option<String>,
    waited: Duration,
}

/// What one operation reports: its result, and how long of it was spent waiting on the
/// client's side (e.g. for a caster whose cooldown ends), which is not latency.
pub struct Done {
    /// Success, or the failure to count.
    pub result: Result<(), OpError>,
    /// Client-side waiting before the request was sent.
    pub waited: Duration,
}

impl From<Result<(), OpError>> for Done {
    fn from(result: Result<(), OpError>) -> Self {
        Self {
            result,
            waited: Duration::ZERO,
        }
    }
}

/// One operation's failure: a short code to count by (e.g. the GraphQL error's
/// `extensions.code`) and a detail to show once.
#[derive(Debug, Clone)]
pub struct OpError {
    /// Counted by.
    pub code: String,
    /// Shown for the first error of a run.
    pub detail: String,
}

impl OpError {
    /// An error counted under `code`.
    pub fn new(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            detail: detail.into(),
        }
    }
}

/// What the window measured.
#[derive(Debug, Default)]
pub struct LoadResult {
    /// Latencies of the operations that succeeded inside the window.
    pub latencies: Vec<Duration>,
    /// Failures inside the window, by code.
    pub errors: BTreeMap<String, u64>,
    /// The first failure's detail, if any.
    pub first_error: Option<String>,
    /// How long the window was open.
    pub window: Duration,
    /// Client-side waiting inside the window, summed over the workers.
    pub waited: Duration,
}

impl LoadResult {
    /// Successful operations inside the window.
    pub fn ok(&self) -> u64 {
        self.latencies.len() as u64
    }

    /// Failed operations inside the window.
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Successful operations per second.
    pub fn throughput(&self) -> f64 {
        self.ok() as f64 / self.window.as_secs_f64().max(1e-9)
    }
}

/// Workers running an operation in a loop.
pub struct Load {
    recording: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<WorkerTally>>,
    window_start: Option<Instant>,
    window: Duration,
}

impl Load {
    /// Starts `concurrency` workers, each calling `op(worker index)` in a loop.
    pub fn start<F, Fut>(concurrency: usize, op: F) -> Self
    where
        F: Fn(usize) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Done> + Send + 'static,
    {
        let recording = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let op = Arc::new(op);
        let workers = (0..concurrency)
            .map(|worker| {
                let (recording, stop, op) = (recording.clone(), stop.clone(), op.clone());
                tokio::spawn(async move {
                    let mut tally = WorkerTally::default();
                    while !stop.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        let done = op(worker).await;
                        let latency = started.elapsed().saturating_sub(done.waited);
                        if !recording.load(Ordering::Relaxed) {
                            continue;
                        }
                        tally.waited += done.waited;
                        match done.result {
                            Ok(()) => tally.latencies.push(latency),
                            Err(err) => {
                                *tally.errors.entry(err.code).or_default() += 1;
                                tally.first_error.get_or_insert(err.detail);
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        Self {
            recording,
            stop,
            workers,
            window_start: None,
            window: Duration::ZERO,
        }
    }

    /// Opens the measured window (operations finishing from now on count).
    pub fn open_window(&mut self) {
        self.window_start = Some(Instant::now());
        self.recording.store(true, Ordering::Relaxed);
    }

    /// Closes the window; operations still in flight no longer count.
    pub fn close_window(&mut self) {
        self.recording.store(false, Ordering::Relaxed);
        self.window = self.window_start.map_or(Duration::ZERO, |at| at.elapsed());
    }

    /// Stops the workers (letting their current operation finish) and collects the
    /// window's results.
    pub async fn finish(self) -> anyhow::Result<LoadResult> {
        self.stop.store(true, Ordering::Relaxed);
        let mut result = LoadResult {
            window: self.window,
            ..LoadResult::default()
        };
        for worker in self.workers {
            let tally = worker.await?;
            result.latencies.extend(tally.latencies);
            result.waited += tally.waited;
            for (code, count) in tally.errors {
                *result.errors.entry(code).or_default() += count;
            }
            if result.first_error.is_none() {
                result.first_error = tally.first_error;
            }
        }
        Ok(result)
    }
}

/// Runs `op` with `concurrency` workers: `warmup` unmeasured, then a `duration` window.
/// `at_edges` is called right after the window opens and right after it closes (e.g. to
/// read CPU counters).
pub async fn run<F, Fut>(
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    op: F,
    mut at_edges: impl FnMut(),
) -> anyhow::Result<LoadResult>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Done> + Send + 'static,
{
    let mut load = Load::start(concurrency, op);
    tokio::time::sleep(warmup).await;
    load.open_window();
    at_edges();
    tokio::time::sleep(duration).await;
    load.close_window();
    at_edges();
    load.finish().await
}
