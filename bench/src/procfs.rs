//! CPU time and memory of processes, from Linux's `/proc`.
//!
//! CPU time is `utime + stime` of `/proc/<pid>/stat` (every thread of the process),
//! so a delta over a measured window divided by the requests served in it is the
//! process's CPU cost per request. Peak memory is `VmHWM` of `/proc/<pid>/status`
//! (the resident set's high-water mark since the process started).

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on every
/// Linux this runs on, used when `getconf` is missing).
pub fn clock_ticks_per_sec() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// The `stat` fields after the command name (which may hold spaces and parentheses):
/// index 0 is field 3 (`state`) of proc(5).
fn stat_fields(pid: u32) -> std::io::Result<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| std::io::Error::other("malformed /proc/<pid>/stat"))?;
    // `state` is a letter; keep the numbers' positions by mapping it to 0.
    Ok(after_name
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect())
}

/// CPU time (user + system, all threads) `pid` has used so far; with `children`, also
/// that of its children that exited and were waited for (`cutime + cstime`).
pub fn cpu_time(pid: u32, ticks_per_sec: u64, children: bool) -> std::io::Result<Duration> {
    let fields = stat_fields(pid)?;
    // proc(5): utime is field 14, stime 15, cutime 16, cstime 17.
    let field = |n: usize| fields.get(n - 3).copied().unwrap_or(0);
    let mut ticks = field(14) + field(15);
    if children {
        ticks += field(16) + field(17);
    }
    Ok(Duration::from_secs_f64(
        ticks as f64 / ticks_per_sec.max(1) as f64,
    ))
}

/// A `Vm…:` line of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: u32, key: &str) -> std::io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no {key} in /proc/{pid}/status")))
}

/// Resident memory now (`VmRSS`), KiB.
pub fn rss_kib(pid: u32) -> std::io::Result<u64> {
    status_kib(pid, "VmRSS:")
}

/// Peak resident memory since start (`VmHWM`), KiB.
pub fn peak_rss_kib(pid: u32) -> std::io::Result<u64> {
    status_kib(pid, "VmHWM:")
}

/// The soft limit on open files of this process (`/proc/self/limits`).
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

fn processes() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|name| name.trim().to_string())
}

/// Whether a compiler (`rustc`, `cc1`, `cc1plus`) runs on this machine now: benchmark
/// figures taken meanwhile share the CPU with it, and the results say so.
pub fn compiler_running() -> bool {
    processes()
        .into_iter()
        .filter_map(comm)
        .any(|name| matches!(name.as_str(), "rustc" | "cc1" | "cc1plus"))
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// CPU cores online.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The PostgreSQL server listening on `port`: its postmaster, found by the `-p <port>`
/// of its command line (as `scripts/postgres.sh` starts it).
pub fn postgres_postmaster(port: u16) -> Option<u32> {
    let wanted = port.to_string();
    processes().into_iter().find(|pid| {
        comm(*pid).as_deref() == Some("postgres")
            && std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                args.windows(2)
                    .any(|pair| pair[0] == b"-p" && pair[1] == wanted.as_bytes())
            })
    })
}

fn parent(pid: u32) -> Option<u32> {
    // Field 4 (`ppid`).
    stat_fields(pid)
        .ok()?
        .get(1)
        .and_then(|ppid| u32::try_from(*ppid).ok())
}

/// CPU time of a PostgreSQL server: its postmaster (with the backends that exited)
/// plus every live backend and auxiliary process.
pub fn postgres_cpu_time(postmaster: u32, ticks_per_sec: u64) -> Duration {
    let mut total = cpu_time(postmaster, ticks_per_sec, true).unwrap_or_default();
    for pid in processes() {
        if pid != postmaster && parent(pid) == Some(postmaster) {
            total += cpu_time(pid, ticks_per_sec, false).unwrap_or_default();
        }
    }
    total
}

/// Watches, twice a second, whether a compiler runs on the machine (see
/// [`compiler_running`]) while a measured window is open.
pub struct CompilerWatch {
    seen: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl CompilerWatch {
    /// Starts watching.
    pub fn start() -> Self {
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                if compiler_running() {
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        Self { seen, task }
    }

    /// Stops watching; whether a compiler was seen.
    pub fn stop(self) -> bool {
        self.task.abort();
        self.seen.load(std::sync::atomic::Ordering::Relaxed)
    }
}
