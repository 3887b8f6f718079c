//! The processes under test: started with their output in a log file, stopped with
//! SIGTERM (then SIGKILL) when the benchmark ends or fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A started child process; stopped when dropped.
pub struct Service {
    name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Service {
    /// Starts `command` as `name`, its stdout and stderr appended to `<logs>/<name>.log`.
    pub fn spawn(name: &str, mut command: Command, logs: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(logs)?;
        let log = logs.join(format!("{name}.log"));
        let out = std::fs::File::create(&log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .map_err(|err| anyhow::anyhow!("cannot start {name} ({command:?}): {err}"))?;
        Ok(Self {
            name: name.to_string(),
            child: Some(child),
            log,
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Its log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Fails when the process has exited (with the end of its log).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        let Some(child) = self.child.as_mut() else {
            anyhow::bail!("{} was stopped", self.name);
        };
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            // Backtrace frames are indented; the messages are not.
            let tail: Vec<&str> = log
                .lines()
                .rev()
                .filter(|line| !line.starts_with("  "))
                .take(20)
                .collect();
            anyhow::bail!(
                "{} exited ({status}); last lines of {}:\n{}",
                self.name,
                self.log.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        Ok(())
    }

    /// SIGTERM, up to 10 s to exit, then SIGKILL.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Fails when something already listens on `127.0.0.1:port`.
pub fn ensure_port_free(port: u16) -> anyhow::Result<()> {
    std::net::TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .map_err(|err| anyhow::anyhow!("port {port} is taken ({err}): stop what listens there"))
}

/// Waits until `url` answers `{ __typename }` with data, checking that `service` still
/// runs.
pub async fn wait_for_graphql(
    service: &mut Service,
    url: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + timeout;
    loop {
        service.check_alive()?;
        let answer = http
            .post(url)
            .header("content-type", "application/json")
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
            .await;
        if let Ok(response) = answer {
            if let Ok(body) = response.json::<serde_json::Value>().await {
                if body["data"]["__typename"].is_string() {
                    return Ok(());
                }
            }
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{url} did not answer within {timeout:?} (log: {})",
            service.log().display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
