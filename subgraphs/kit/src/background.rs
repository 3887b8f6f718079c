//! Background work a service runs beside its HTTP app (outbox relays, event consumers),
//! stopped cleanly with the service.

use std::future::Future;

use tokio_util::sync::CancellationToken;

/// A running background task; dropping it asks the task to stop.
pub struct BackgroundTask {
    name: &'static str,
    stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl BackgroundTask {
    /// Spawns `work`, which must return soon after its token is cancelled.
    pub fn spawn<F, Fut>(name: &'static str, work: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let stop = CancellationToken::new();
        let task = tokio::spawn(work(stop.clone()));
        Self {
            name,
            stop,
            task: Some(task),
        }
    }

    /// Asks the task to stop and waits for it.
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            if let Err(err) = task.await {
                tracing::error!(task = self.name, cause = %err, "background task failed");
            }
        }
    }
}

impl Drop for BackgroundTask {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Stops every task, in order.
pub async fn stop_all(tasks: Vec<BackgroundTask>) {
    for task in tasks {
        task.stop().await;
    }
}
