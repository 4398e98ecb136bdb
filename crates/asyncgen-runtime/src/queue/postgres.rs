//! [`PostgresQueue`]: the [`EventQueue`] of a fleet, in one PostgreSQL database that every
//! receiver and worker process shares (feature `queue-postgres`).
//!
//! The established PostgreSQL job queues (River, Oban, graphile-worker) set the pattern: an
//! enqueue and its dedupe key commit in one transaction before the 2xx; leases are rows taken
//! with `FOR UPDATE SKIP LOCKED`, so two processes never hold one event, and carry a token and a
//! deadline in the row, so a dead process's events are due again once the deadline passes;
//! every settle names the token and changes nothing when the lease was lost; `NOTIFY` wakes idle
//! workers in every process.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::sync::watch;
use tokio_postgres::{NoTls, Row};

use super::{
    BoxFuture, DeadLetter, EnqueueOutcome, EventId, EventQueue, Lease, LeasedEvent, NewEvent,
    QueueError, QueueOptions, WorkSignal,
};
use crate::receiver::EventHeaders;

/// Bumped when the tables change; a database of a newer version is refused, not misread.
const SCHEMA_VERSION: i64 = 1;

/// Serialises schema creation between processes that start at once.
const MIGRATION_LOCK: i64 = 0x6173_796e_6367_656e; // "asyncgen"

/// The channel `NOTIFY` wakes workers on.
const CHANNEL: &str = "asyncgen_events";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS asyncgen_meta (
    key text PRIMARY KEY,
    value bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS asyncgen_events (
    id bigserial PRIMARY KEY,
    route text NOT NULL,
    payload bytea NOT NULL,
    headers jsonb,
    received_at timestamptz NOT NULL,
    failures integer NOT NULL DEFAULT 0,
    due_at timestamptz NOT NULL,
    last_error text,
    lease_token bigint,
    leased_until timestamptz,
    dead_at timestamptz
);
CREATE INDEX IF NOT EXISTS asyncgen_events_due ON asyncgen_events (due_at, id)
    WHERE dead_at IS NULL;
CREATE INDEX IF NOT EXISTS asyncgen_events_dead ON asyncgen_events (dead_at, id)
    WHERE dead_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS asyncgen_dedupe (
    key text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS asyncgen_dedupe_expiry ON asyncgen_dedupe (expires_at);
";

/// An [`EventQueue`] in a PostgreSQL database shared by every process of a fleet.
///
/// Cloning is cheap and shares the connection pool and the listener.
#[derive(Clone)]
pub struct PostgresQueue {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    capacity: i64,
    signal: watch::Sender<u64>,
    /// Stops the listener task when the last handle goes.
    listener: tokio::task::AbortHandle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl PostgresQueue {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`),
    /// creates or checks its tables, and listens for new events. Must run inside a tokio
    /// runtime.
    pub async fn connect(url: &str, options: QueueOptions) -> Result<PostgresQueue, QueueError> {
        if options.capacity == 0 {
            return Err(QueueError::InvalidOptions(
                "a capacity of 0 refuses every event".into(),
            ));
        }
        let capacity = i64::try_from(options.capacity).unwrap_or(i64::MAX);
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| QueueError::InvalidOptions(format!("the queue URL: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(16)
            .build()
            .map_err(|e| QueueError::InvalidOptions(e.to_string()))?;
        migrate(&pool).await?;
        let (signal, _) = watch::channel(0u64);
        let listener = tokio::spawn(listen(config, signal.clone())).abort_handle();
        Ok(PostgresQueue {
            inner: Arc::new(Inner {
                pool,
                capacity,
                signal,
                listener,
            }),
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, QueueError> {
        self.inner.pool.get().await.map_err(QueueError::backend)
    }

    async fn enqueue_now(&self, event: NewEvent) -> Result<EnqueueOutcome, QueueError> {
        let mut client = self.client().await?;
        let txn = client.transaction().await.map_err(QueueError::backend)?;
        let received_at = event.received_at;
        if let Some(d) = &event.dedupe {
            let expires = received_at + d.ttl;
            // The key is taken when absent or expired; a copy of a live key inserts nothing.
            let taken = txn
                .query_opt(
                    "INSERT INTO asyncgen_dedupe (key, expires_at) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at
                     WHERE asyncgen_dedupe.expires_at <= now()
                     RETURNING key",
                    &[&d.key, &expires],
                )
                .await
                .map_err(QueueError::backend)?;
            if taken.is_none() {
                return Ok(EnqueueOutcome::Duplicate);
            }
        }
        let pending: i64 = txn
            .query_one(
                "SELECT count(*) FROM asyncgen_events WHERE dead_at IS NULL",
                &[],
            )
            .await
            .map_err(QueueError::backend)?
            .get(0);
        if pending >= self.inner.capacity {
            // Dropping the transaction rolls the dedupe key back: a retry may store it.
            return Ok(EnqueueOutcome::Full);
        }
        let headers = (!event.headers.is_empty())
            .then(|| serde_json::to_value(&event.headers))
            .transpose()
            .map_err(QueueError::backend)?;
        let id: i64 = txn
            .query_one(
                "INSERT INTO asyncgen_events (route, payload, headers, received_at, due_at)
                 VALUES ($1, $2, $3, $4, now()) RETURNING id",
                &[
                    &event.route,
                    &event.payload.as_ref(),
                    &headers,
                    &received_at,
                ],
            )
            .await
            .map_err(QueueError::backend)?
            .get(0);
        txn.execute(&format!("NOTIFY {CHANNEL}"), &[])
            .await
            .map_err(QueueError::backend)?;
        txn.commit().await.map_err(QueueError::backend)?;
        Ok(EnqueueOutcome::Enqueued(EventId::new(id.to_string())))
    }

    async fn lease_now(
        &self,
        max: usize,
        lease_for: Duration,
        routes: &[String],
    ) -> Result<Vec<LeasedEvent>, QueueError> {
        let client = self.client().await?;
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let lease_secs = lease_for.as_secs_f64();
        // A fresh token per lease: a settle with an earlier one finds nothing to change.
        let rows = client
            .query(
                "UPDATE asyncgen_events AS e
                 SET lease_token = (random() * 9.2e18)::bigint,
                     leased_until = now() + make_interval(secs => $2)
                 FROM (
                     SELECT id FROM asyncgen_events
                     WHERE dead_at IS NULL AND due_at <= now()
                       AND (leased_until IS NULL OR leased_until < now())
                       AND route = ANY($3)
                     ORDER BY due_at, id
                     LIMIT $1
                     FOR UPDATE SKIP LOCKED
                 ) AS due
                 WHERE e.id = due.id
                 RETURNING e.id, e.lease_token, e.route, e.payload, e.headers, e.received_at,
                           e.failures, e.last_error, e.due_at",
                &[&max, &lease_secs, &routes],
            )
            .await
            .map_err(QueueError::backend)?;
        let mut out: Vec<(SystemTime, i64, LeasedEvent)> = rows
            .iter()
            .map(|row| {
                let id: i64 = row.get("id");
                let token: i64 = row.get("lease_token");
                let failures: i32 = row.get("failures");
                let event = LeasedEvent {
                    lease: Lease {
                        id: EventId::new(id.to_string()),
                        token: token.to_string(),
                    },
                    route: row.get("route"),
                    payload: Bytes::from(row.get::<_, Vec<u8>>("payload")),
                    headers: headers_of(row),
                    received_at: row.get("received_at"),
                    attempt: u32::try_from(failures).unwrap_or(0).saturating_add(1),
                    last_error: row.get("last_error"),
                };
                (row.get("due_at"), id, event)
            })
            .collect();
        // `RETURNING` keeps no order: due first, as the embedded queue hands them out.
        out.sort_by_key(|(due, id, _)| (*due, *id));
        Ok(out.into_iter().map(|(_, _, e)| e).collect())
    }

    /// Runs `sql` (which names the event `$1` and the token `$2`, and may use `$3`, `$4`) on
    /// the leased event; `LeaseLost` when the lease is no longer held.
    async fn settle(
        &self,
        lease: &Lease,
        sql: &str,
        extra: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<(), QueueError> {
        let lost = || QueueError::LeaseLost(lease.id.clone());
        let id: i64 = lease.id.as_str().parse().map_err(|_| lost())?;
        let token: i64 = lease.token.parse().map_err(|_| lost())?;
        let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&id, &token];
        params.extend_from_slice(extra);
        let client = self.client().await?;
        let changed = client
            .execute(sql, &params)
            .await
            .map_err(QueueError::backend)?;
        if changed == 0 {
            return Err(lost());
        }
        Ok(())
    }

    async fn notify(&self) -> Result<(), QueueError> {
        let client = self.client().await?;
        client
            .batch_execute(&format!("NOTIFY {CHANNEL}"))
            .await
            .map_err(QueueError::backend)
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, QueueError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, route, payload, headers, received_at, failures, last_error, dead_at
                 FROM asyncgen_events WHERE dead_at IS NOT NULL ORDER BY dead_at, id",
                &[],
            )
            .await
            .map_err(QueueError::backend)?;
        Ok(rows
            .iter()
            .map(|row| DeadLetter {
                id: EventId::new(row.get::<_, i64>("id").to_string()),
                route: row.get("route"),
                payload: Bytes::from(row.get::<_, Vec<u8>>("payload")),
                headers: headers_of(row),
                received_at: row.get("received_at"),
                attempts: u32::try_from(row.get::<_, i32>("failures")).unwrap_or(0),
                error: row
                    .get::<_, Option<String>>("last_error")
                    .unwrap_or_default(),
                dead_at: row.get("dead_at"),
            })
            .collect())
    }

    async fn replay(&self, id: Option<i64>) -> Result<usize, QueueError> {
        let client = self.client().await?;
        // Attempts start again from zero: a replay follows a fix, and deserves the whole
        // retry schedule.
        let n = client
            .execute(
                "UPDATE asyncgen_events
                 SET dead_at = NULL, failures = 0, last_error = NULL, due_at = now(),
                     lease_token = NULL, leased_until = NULL
                 WHERE dead_at IS NOT NULL AND ($1::bigint IS NULL OR id = $1)",
                &[&id],
            )
            .await
            .map_err(QueueError::backend)?;
        // An operator's act, rare: a wake-up when nothing was replayed costs nothing.
        self.notify().await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn pending_now(&self) -> Result<u64, QueueError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM asyncgen_events WHERE dead_at IS NULL",
                &[],
            )
            .await
            .map_err(QueueError::backend)?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The headers stored with an event; none when the column is empty or unreadable.
fn headers_of(row: &Row) -> EventHeaders {
    row.get::<_, Option<serde_json::Value>>("headers")
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Creates the tables, or checks the version of existing ones, under an advisory lock so
/// that processes starting at once do not race.
async fn migrate(pool: &Pool) -> Result<(), QueueError> {
    let mut client = pool.get().await.map_err(QueueError::backend)?;
    let txn = client.transaction().await.map_err(QueueError::backend)?;
    txn.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(QueueError::backend)?;
    // Schema statements lock the tables even when they change nothing (`CREATE INDEX IF NOT
    // EXISTS` takes a share lock): run against a live queue, they deadlock with enqueues that
    // hold the dedupe table and wait for the events table. So they run only on a database
    // without the tables.
    let created: bool = txn
        .query_one("SELECT to_regclass('asyncgen_meta') IS NOT NULL", &[])
        .await
        .map_err(QueueError::backend)?
        .get(0);
    if !created {
        txn.batch_execute(SCHEMA)
            .await
            .map_err(QueueError::backend)?;
    }
    let version: Option<i64> = txn
        .query_opt(
            "SELECT value FROM asyncgen_meta WHERE key = 'schema_version'",
            &[],
        )
        .await
        .map_err(QueueError::backend)?
        .map(|row| row.get(0));
    match version {
        None => {
            txn.execute(
                "INSERT INTO asyncgen_meta (key, value) VALUES ('schema_version', $1)",
                &[&SCHEMA_VERSION],
            )
            .await
            .map_err(QueueError::backend)?;
        }
        Some(SCHEMA_VERSION) => {}
        Some(other) => {
            return Err(QueueError::Incompatible(format!(
                "database schema version {other}, this version reads {SCHEMA_VERSION}"
            )));
        }
    }
    txn.commit().await.map_err(QueueError::backend)
}

/// Holds a `LISTEN` connection and bumps `signal` on every notification; reconnects after a
/// failure (a database restart), bumping once so workers look for what they missed.
async fn listen(config: tokio_postgres::Config, signal: watch::Sender<u64>) {
    use backon::BackoffBuilder as _;
    use futures_util::StreamExt as _;
    let bump = || signal.send_modify(|n| *n = n.wrapping_add(1));
    let backoff = backon::ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(5))
        .with_jitter()
        .without_max_times();
    let mut delays = backoff.build();
    loop {
        match config.connect(NoTls).await {
            Ok((client, mut connection)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let driver = tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(_)) => {
                                if tx.send(()).is_err() {
                                    break;
                                }
                            }
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                });
                if client
                    .batch_execute(&format!("LISTEN {CHANNEL}"))
                    .await
                    .is_ok()
                {
                    delays = backoff.build();
                    bump();
                    while rx.recv().await.is_some() {
                        bump();
                    }
                }
                driver.abort();
                tracing::warn!("the queue's notification connection closed; reconnecting");
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not listen for queue notifications; retrying");
            }
        }
        tokio::time::sleep(delays.next().unwrap_or(Duration::from_secs(5))).await;
    }
}

impl EventQueue for PostgresQueue {
    fn enqueue(&self, event: NewEvent) -> BoxFuture<'_, Result<EnqueueOutcome, QueueError>> {
        Box::pin(self.enqueue_now(event))
    }

    fn lease<'a>(
        &'a self,
        max: usize,
        lease_for: Duration,
        routes: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<LeasedEvent>, QueueError>> {
        Box::pin(self.lease_now(max, lease_for, routes))
    }

    fn extend<'a>(
        &'a self,
        lease: &'a Lease,
        lease_for: Duration,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(async move {
            self.settle(
                lease,
                "UPDATE asyncgen_events
                 SET leased_until = now() + make_interval(secs => $3)
                 WHERE id = $1 AND lease_token = $2 AND dead_at IS NULL
                   AND leased_until >= now()",
                &[&lease_for.as_secs_f64()],
            )
            .await
        })
    }

    fn work_signal(&self) -> WorkSignal {
        WorkSignal::from_watch(self.inner.signal.subscribe())
    }

    fn ack(&self, lease: Lease) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            self.settle(
                &lease,
                "DELETE FROM asyncgen_events
                 WHERE id = $1 AND lease_token = $2 AND dead_at IS NULL",
                &[],
            )
            .await
        })
    }

    fn retry_at(
        &self,
        lease: Lease,
        at: SystemTime,
        error: String,
    ) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            self.settle(
                &lease,
                "UPDATE asyncgen_events
                 SET failures = failures + 1, due_at = $3, last_error = $4,
                     lease_token = NULL, leased_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND dead_at IS NULL",
                &[&at, &error],
            )
            .await?;
            if at <= SystemTime::now() {
                self.notify().await?;
            }
            Ok(())
        })
    }

    fn release(&self, lease: Lease) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            self.settle(
                &lease,
                "UPDATE asyncgen_events SET lease_token = NULL, leased_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND dead_at IS NULL",
                &[],
            )
            .await?;
            self.notify().await
        })
    }

    fn dead_letter(&self, lease: Lease, error: String) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            self.settle(
                &lease,
                "UPDATE asyncgen_events
                 SET failures = failures + 1, last_error = $3, dead_at = now(),
                     lease_token = NULL, leased_until = NULL
                 WHERE id = $1 AND lease_token = $2 AND dead_at IS NULL",
                &[&error],
            )
            .await
        })
    }

    fn list_dead_letters(&self) -> BoxFuture<'_, Result<Vec<DeadLetter>, QueueError>> {
        Box::pin(self.dead_letters())
    }

    fn replay_dead_letter(&self, id: EventId) -> BoxFuture<'_, Result<bool, QueueError>> {
        Box::pin(async move {
            let Ok(id) = id.as_str().parse::<i64>() else {
                return Ok(false);
            };
            Ok(self.replay(Some(id)).await? > 0)
        })
    }

    fn replay_all_dead_letters(&self) -> BoxFuture<'_, Result<usize, QueueError>> {
        Box::pin(self.replay(None))
    }

    fn pending(&self) -> BoxFuture<'_, Result<u64, QueueError>> {
        Box::pin(self.pending_now())
    }
}

impl std::fmt::Debug for PostgresQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresQueue")
            .field("capacity", &self.inner.capacity)
            .finish_non_exhaustive()
    }
}
