//! [`RedbQueue`]: the embedded, crash-safe [`EventQueue`], one redb file per receiver.
//!
//! Writes go through the group-commit thread (`writer`); leases are held in memory, because
//! redb locks its file to one process: any lease found in the store after an open would belong
//! to a dead process, so not storing them at all gives the same result (every stored event is
//! due again after a restart) without a write per lease.

mod tables;
mod writer;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata};
use tokio::sync::{oneshot, watch};

use self::tables::{
    DEAD, DEDUPE, DEDUPE_EXPIRY, EVENTS, EventRow, HEADERS, META, READY, SCHEMA_VERSION, VERSION,
    from_ms, to_ms,
};
use self::writer::{Op, Reply, Request, Writer};
use super::{
    BoxFuture, DeadLetter, EnqueueOutcome, EventId, EventQueue, Lease, LeasedEvent, NewEvent,
    QueueError, WorkSignal,
};
use crate::receiver::EventHeaders;

/// Settings of a [`RedbQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueOptions {
    /// The most events stored at once (queued, waiting for a retry or leased; dead letters
    /// excluded). An enqueue beyond it is refused, which a receiver answers with 503.
    pub capacity: u64,
}

impl QueueOptions {
    /// The default capacity, 100 000 events.
    pub const DEFAULT_CAPACITY: u64 = 100_000;

    /// Options with this capacity.
    pub const fn with_capacity(capacity: u64) -> Self {
        QueueOptions { capacity }
    }
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

/// An [`EventQueue`] in one redb database file.
///
/// Every enqueue, ack, retry and dead-lettering is committed with `Durability::Immediate`
/// before it returns, sharing commits between concurrent callers (group commit). Opening the
/// file after a crash recovers the last committed state; every event in it is due again.
/// Dropping the queue finishes pending writes and closes the file.
pub struct RedbQueue {
    inner: Arc<Inner>,
}

struct Inner {
    // Declared before `db` so that the writer thread (which holds its own handle on the
    // database) is joined before the database closes.
    writer: Writer,
    db: Arc<Database>,
    leases: Mutex<HashMap<u64, Held>>,
    next_token: AtomicU64,
    signal: Arc<watch::Sender<u64>>,
}

#[derive(Debug, Clone, Copy)]
struct Held {
    token: u64,
    expires: Instant,
}

impl RedbQueue {
    /// Opens the store at `path`, creating it if absent (its directory must exist).
    pub fn open(path: impl AsRef<Path>, options: QueueOptions) -> Result<RedbQueue, QueueError> {
        if options.capacity == 0 {
            return Err(QueueError::InvalidOptions(
                "a capacity of 0 refuses every event".into(),
            ));
        }
        let db = Database::create(path.as_ref()).map_err(QueueError::backend)?;
        init(&db)?;
        let db = Arc::new(db);
        let (signal, _) = watch::channel(0);
        let signal = Arc::new(signal);
        let writer = Writer::spawn(db.clone(), options.capacity, signal.clone())?;
        Ok(RedbQueue {
            inner: Arc::new(Inner {
                writer,
                db,
                leases: Mutex::new(HashMap::new()),
                next_token: AtomicU64::new(1),
                signal,
            }),
        })
    }
}

/// The headers stored with event `id` (none for most events).
fn stored_headers(
    table: &redb::ReadOnlyTable<u64, &'static [u8]>,
    id: u64,
) -> Result<EventHeaders, QueueError> {
    let Some(stored) = table.get(id).map_err(QueueError::backend)? else {
        return Ok(EventHeaders::new());
    };
    // Written by `enqueue` from the same type: unreadable only if the file was damaged, which
    // the decoder then reports as the event's failure rather than the whole queue's.
    Ok(serde_json::from_slice(stored.value()).unwrap_or_else(|e| {
        tracing::error!(id, error = %e, "the headers stored with an event are unreadable");
        EventHeaders::new()
    }))
}

/// Creates the tables of a new store and checks the version of an existing one.
fn init(db: &Database) -> Result<(), QueueError> {
    let txn = db.begin_write().map_err(QueueError::backend)?;
    {
        let mut meta = txn.open_table(META).map_err(QueueError::backend)?;
        let version = meta
            .get(VERSION)
            .map_err(QueueError::backend)?
            .map(|g| g.value());
        match version {
            None => {
                meta.insert(VERSION, SCHEMA_VERSION)
                    .map_err(QueueError::backend)?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(other) => {
                return Err(QueueError::Incompatible(format!(
                    "store schema version {other}, this version reads {SCHEMA_VERSION}"
                )));
            }
        }
        // Opening creates: afterwards readers never meet a missing table.
        txn.open_table(EVENTS).map_err(QueueError::backend)?;
        txn.open_table(READY).map_err(QueueError::backend)?;
        txn.open_table(DEAD).map_err(QueueError::backend)?;
        txn.open_table(DEDUPE).map_err(QueueError::backend)?;
        txn.open_table(DEDUPE_EXPIRY).map_err(QueueError::backend)?;
        txn.open_table(HEADERS).map_err(QueueError::backend)?;
    }
    txn.commit().map_err(QueueError::backend)
}

impl Inner {
    fn leases(&self) -> MutexGuard<'_, HashMap<u64, Held>> {
        // The map stays consistent even if a holder panicked: every update is one insert or
        // remove.
        self.leases.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn write<T>(
        &self,
        request: Request,
        reply: impl FnOnce(oneshot::Sender<Result<T, QueueError>>) -> Reply,
    ) -> Result<T, QueueError> {
        let (tx, rx) = oneshot::channel();
        self.writer.send(Op {
            request,
            reply: reply(tx),
        })?;
        rx.await.map_err(|_| QueueError::Closed)?
    }

    /// Checks that `lease` is held and pins it, so that it cannot expire and be leased to
    /// another worker while the settling write is in flight.
    fn pin(&self, lease: &Lease) -> Result<u64, QueueError> {
        let lost = || QueueError::LeaseLost(lease.id.clone());
        let id: u64 = lease.id.as_str().parse().map_err(|_| lost())?;
        let token: u64 = lease.token.parse().map_err(|_| lost())?;
        let mut leases = self.leases();
        match leases.get_mut(&id) {
            Some(held) if held.token == token => {
                held.expires = far_future();
                Ok(id)
            }
            _ => Err(lost()),
        }
    }

    /// Drops the lease once its write is settled (or has failed: the event is then still
    /// stored, and due again).
    fn unpin(&self, id: u64) {
        self.leases().remove(&id);
    }

    /// Moves the deadline of a lease still held.
    fn extend(&self, lease: &Lease, lease_for: Duration) -> Result<(), QueueError> {
        let lost = || QueueError::LeaseLost(lease.id.clone());
        let id: u64 = lease.id.as_str().parse().map_err(|_| lost())?;
        let token: u64 = lease.token.parse().map_err(|_| lost())?;
        let now = Instant::now();
        let mut leases = self.leases();
        match leases.get_mut(&id) {
            Some(held) if held.token == token && held.expires > now => {
                held.expires = now.checked_add(lease_for).unwrap_or_else(far_future);
                Ok(())
            }
            _ => Err(lost()),
        }
    }

    fn lease_now(
        &self,
        max: usize,
        lease_for: Duration,
        routes: &[String],
    ) -> Result<Vec<LeasedEvent>, QueueError> {
        let now_ms = to_ms(SystemTime::now());
        let now = Instant::now();
        let expires = now.checked_add(lease_for).unwrap_or_else(far_future);
        // Held across the read so that a settle cannot drop a lease between this snapshot and
        // the check below (which would hand out an event already acked).
        let mut leases = self.leases();
        leases.retain(|_, held| held.expires > now);
        let txn = self.db.begin_read().map_err(QueueError::backend)?;
        let ready = txn.open_table(READY).map_err(QueueError::backend)?;
        let events = txn.open_table(EVENTS).map_err(QueueError::backend)?;
        let headers = txn.open_table(HEADERS).map_err(QueueError::backend)?;
        let mut out = Vec::new();
        for entry in ready
            .range((0, 0)..=(now_ms, u64::MAX))
            .map_err(QueueError::backend)?
        {
            if out.len() >= max {
                break;
            }
            let (key, _) = entry.map_err(QueueError::backend)?;
            let (_, id) = key.value();
            if leases.contains_key(&id) {
                continue;
            }
            let Some(row) = events.get(id).map_err(QueueError::backend)? else {
                continue;
            };
            let row = EventRow::from_value(row.value());
            if !routes.contains(&row.route) {
                continue;
            }
            let token = self.next_token.fetch_add(1, Ordering::Relaxed);
            leases.insert(id, Held { token, expires });
            out.push(LeasedEvent {
                lease: Lease {
                    id: EventId::new(id.to_string()),
                    token: token.to_string(),
                },
                route: row.route,
                payload: Bytes::from(row.payload),
                headers: stored_headers(&headers, id)?,
                received_at: from_ms(row.received_ms),
                attempt: row.failures.saturating_add(1),
                last_error: row.last_error,
            });
        }
        Ok(out)
    }

    fn dead_letters(&self) -> Result<Vec<DeadLetter>, QueueError> {
        let txn = self.db.begin_read().map_err(QueueError::backend)?;
        let dead = txn.open_table(DEAD).map_err(QueueError::backend)?;
        let headers = txn.open_table(HEADERS).map_err(QueueError::backend)?;
        let mut out = Vec::new();
        for entry in dead.iter().map_err(QueueError::backend)? {
            let (id, row) = entry.map_err(QueueError::backend)?;
            let (route, payload, received_ms, attempts, error, dead_ms, _dedupe) = row.value();
            out.push(DeadLetter {
                id: EventId::new(id.value().to_string()),
                route: route.to_owned(),
                payload: Bytes::copy_from_slice(payload),
                headers: stored_headers(&headers, id.value())?,
                received_at: from_ms(received_ms),
                attempts,
                error: error.to_owned(),
                dead_at: from_ms(dead_ms),
            });
        }
        Ok(out)
    }

    fn pending(&self) -> Result<u64, QueueError> {
        let txn = self.db.begin_read().map_err(QueueError::backend)?;
        let events = txn.open_table(EVENTS).map_err(QueueError::backend)?;
        events.len().map_err(QueueError::backend)
    }
}

/// A lease deadline that never comes (`Instant` has no maximum).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Runs a read on the blocking pool: redb reads may touch the disk.
async fn blocking<T: Send + 'static>(
    inner: &Arc<Inner>,
    f: impl FnOnce(&Inner) -> Result<T, QueueError> + Send + 'static,
) -> Result<T, QueueError> {
    let inner = inner.clone();
    tokio::task::spawn_blocking(move || f(&inner))
        .await
        .map_err(|_| QueueError::Closed)?
}

impl EventQueue for RedbQueue {
    fn enqueue(&self, event: NewEvent) -> BoxFuture<'_, Result<EnqueueOutcome, QueueError>> {
        Box::pin(self.inner.write(Request::Enqueue(event), Reply::Enqueue))
    }

    fn lease<'a>(
        &'a self,
        max: usize,
        lease_for: Duration,
        routes: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<LeasedEvent>, QueueError>> {
        let routes = routes.to_vec();
        Box::pin(blocking(&self.inner, move |inner| {
            inner.lease_now(max, lease_for, &routes)
        }))
    }

    fn extend<'a>(
        &'a self,
        lease: &'a Lease,
        lease_for: Duration,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(async move { self.inner.extend(lease, lease_for) })
    }

    fn work_signal(&self) -> WorkSignal {
        WorkSignal::from_watch(self.inner.signal.subscribe())
    }

    fn ack(&self, lease: Lease) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            let id = self.inner.pin(&lease)?;
            let result = self.inner.write(Request::Ack(id), Reply::Unit).await;
            self.inner.unpin(id);
            result
        })
    }

    fn retry_at(
        &self,
        lease: Lease,
        at: SystemTime,
        error: String,
    ) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            let id = self.inner.pin(&lease)?;
            let request = Request::Retry {
                id,
                due_ms: to_ms(at),
                error,
            };
            let result = self.inner.write(request, Reply::Unit).await;
            self.inner.unpin(id);
            result
        })
    }

    fn release(&self, lease: Lease) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            let id = self.inner.pin(&lease)?;
            self.inner.unpin(id);
            self.inner.signal.send_modify(|n| *n = n.wrapping_add(1));
            Ok(())
        })
    }

    fn dead_letter(&self, lease: Lease, error: String) -> BoxFuture<'_, Result<(), QueueError>> {
        Box::pin(async move {
            let id = self.inner.pin(&lease)?;
            let result = self
                .inner
                .write(Request::DeadLetter { id, error }, Reply::Unit)
                .await;
            self.inner.unpin(id);
            result
        })
    }

    fn list_dead_letters(&self) -> BoxFuture<'_, Result<Vec<DeadLetter>, QueueError>> {
        Box::pin(blocking(&self.inner, Inner::dead_letters))
    }

    fn replay_dead_letter(&self, id: EventId) -> BoxFuture<'_, Result<bool, QueueError>> {
        Box::pin(async move {
            let Ok(id) = id.as_str().parse::<u64>() else {
                return Ok(false);
            };
            let n = self
                .inner
                .write(Request::Replay(Some(id)), Reply::Count)
                .await?;
            Ok(n > 0)
        })
    }

    fn replay_all_dead_letters(&self) -> BoxFuture<'_, Result<usize, QueueError>> {
        Box::pin(self.inner.write(Request::Replay(None), Reply::Count))
    }

    fn pending(&self) -> BoxFuture<'_, Result<u64, QueueError>> {
        Box::pin(blocking(&self.inner, Inner::pending))
    }
}

impl std::fmt::Debug for RedbQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbQueue").finish_non_exhaustive()
    }
}
