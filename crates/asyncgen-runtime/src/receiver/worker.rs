//! The worker pool of queued delivery: each worker leases one event at a time, decodes and
//! handles it on its own task, and settles the lease: ack on success, a retry with backoff or a
//! dead letter on failure, a release when shutdown interrupts it.
//!
//! A worker waits for its ack to be durable before taking the next event, so at most one
//! event per worker can have been handled without its ack reaching the store when the process
//! dies; those few are handled again after a restart (at-least-once).

use std::sync::Arc;
use std::time::SystemTime;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Shared;
use super::endpoint::{RunError, joined, spawn_run};
use crate::queue::{EventQueue, LeasedEvent, QueueError};

/// Starts `shared.settings.workers` workers on the current tokio runtime.
pub(crate) fn spawn(
    shared: &Arc<Shared>,
    queue: &Arc<dyn EventQueue>,
    shutdown: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    (0..shared.settings.workers)
        .map(|n| {
            let worker = Worker {
                n,
                shared: shared.clone(),
                queue: queue.clone(),
                shutdown: shutdown.clone(),
            };
            tokio::spawn(worker.run())
        })
        .collect()
}

struct Worker {
    n: usize,
    shared: Arc<Shared>,
    queue: Arc<dyn EventQueue>,
    shutdown: CancellationToken,
}

impl Worker {
    async fn run(self) {
        let settings = &self.shared.settings;
        // Short, and extended while the handler runs ([`Worker::process`]): a process that
        // dies gives its events back within one lease.
        let lease_for = settings.lease;
        // Only the routes this process knows: another's (a newer release's) stay queued for it.
        let mut routes: Vec<String> = self.shared.routes.keys().cloned().collect();
        routes.sort();
        let mut signal = self.queue.work_signal();
        tracing::debug!(worker = self.n, "worker started");
        while !self.shutdown.is_cancelled() {
            signal.mark_seen();
            let leased = match self.queue.lease(1, lease_for, &routes).await {
                Ok(leased) => leased,
                Err(e) => {
                    tracing::error!(worker = self.n, error = %e, "could not lease events");
                    Vec::new()
                }
            };
            if leased.is_empty() {
                tokio::select! {
                    () = self.shutdown.cancelled() => break,
                    () = signal.changed() => {}
                    () = tokio::time::sleep(settings.poll_interval) => {}
                }
                continue;
            }
            for event in leased {
                self.process(event).await;
            }
        }
        tracing::debug!(worker = self.n, "worker stopped");
    }

    async fn process(&self, event: LeasedEvent) {
        let settings = &self.shared.settings;
        let LeasedEvent {
            lease,
            route,
            payload,
            headers,
            attempt,
            ..
        } = event;
        let Some(state) = self.shared.routes.get(&route) else {
            // Stored by a configuration that had this route: keep it for a replay once the
            // route is back, rather than dropping it.
            let error = format!("no route `{route}` is configured");
            self.settle(self.queue.dead_letter(lease, error.clone()).await, &route);
            tracing::error!(worker = self.n, %route, %error, "event moved to the dead letters");
            return;
        };

        let mut task = spawn_run(state.endpoint.clone(), payload, headers);
        let deadline = tokio::time::sleep(settings.handler_timeout);
        tokio::pin!(deadline);
        // Three beats per lease; never a zero period (a lease of a few nanoseconds is allowed
        // with no shutdown grace, and a zero-period interval panics).
        let period = (settings.lease / 3).max(std::time::Duration::from_millis(1));
        let mut heartbeat = tokio::time::interval(period);
        // The first tick is at once: the lease was just taken, so the first beat is one period
        // on (a beat per event would be a database round trip per event).
        heartbeat.tick().await;
        let result = loop {
            tokio::select! {
                r = &mut task => break joined(r),
                () = &mut deadline => {
                    task.abort();
                    break Err(RunError::Handler("the handler timed out".into()));
                }
                _ = heartbeat.tick() => match self.queue.extend(&lease, settings.lease).await {
                    Ok(()) => {}
                    Err(QueueError::LeaseLost(_)) => {
                        // Another worker may hold it now: this attempt must not settle it.
                        task.abort();
                        tracing::error!(worker = self.n, %route, id = %lease.id,
                            "lost the lease while the handler ran; the attempt is abandoned");
                        return;
                    }
                    Err(e) => tracing::warn!(worker = self.n, %route, id = %lease.id, error = %e,
                        "could not extend a lease; trying again at the next heartbeat"),
                },
                () = self.shutdown.cancelled() => {
                    match tokio::time::timeout(settings.shutdown_grace, &mut task).await {
                        Ok(r) => break joined(r),
                        Err(_) => {
                            task.abort();
                            tracing::info!(worker = self.n, %route, id = %lease.id,
                                "shutting down: handler abandoned, event returned to the queue");
                            self.settle(self.queue.release(lease).await, &route);
                            return;
                        }
                    }
                }
            }
        };

        let id = lease.id.clone();
        match result {
            // Routes whose provider reads a reply never queue: nobody would read it here.
            Ok(_reply) => {
                self.settle(self.queue.ack(lease).await, &route);
                tracing::debug!(worker = self.n, %route, %id, attempt, "event handled");
            }
            Err(RunError::Decode(e)) => {
                // It decoded when it was received, so the decoder changed since: retrying
                // cannot help, a replay after a fix can.
                let error = format!("the stored payload no longer decodes: {e}");
                tracing::error!(worker = self.n, %route, %id, %error, "event moved to the dead letters");
                self.settle(self.queue.dead_letter(lease, error).await, &route);
            }
            Err(RunError::Handler(e)) => {
                let error = e.to_string();
                let delay = if e.is_permanent() {
                    None
                } else {
                    settings.retry.delay_after(attempt)
                };
                match delay {
                    Some(delay) => {
                        tracing::warn!(worker = self.n, %route, %id, attempt, %error, ?delay,
                            "handler failed; will retry");
                        let at = SystemTime::now() + delay;
                        self.settle(self.queue.retry_at(lease, at, error).await, &route);
                    }
                    None => {
                        tracing::error!(worker = self.n, %route, %id, attempt, %error,
                            "handler failed; event moved to the dead letters");
                        self.settle(self.queue.dead_letter(lease, error).await, &route);
                    }
                }
            }
        }
    }

    /// A settle that fails leaves the event stored and due again: it will be handled again,
    /// which at-least-once delivery allows. Worth a log line, not a stop.
    fn settle(&self, result: Result<(), crate::queue::QueueError>, route: &str) {
        if let Err(e) = result {
            tracing::error!(worker = self.n, %route, error = %e,
                "could not settle an event's lease; it will be handled again");
        }
    }
}
