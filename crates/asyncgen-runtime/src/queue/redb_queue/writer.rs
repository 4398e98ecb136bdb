//! Group commit: one thread owns every write to the store, takes all the operations waiting
//! for it, applies them in one redb transaction and commits it once with
//! `Durability::Immediate`, then answers each caller.
//!
//! Every caller is answered only after the commit that holds its operation has returned, so a
//! 2xx still means "durable"; but fifty concurrent requests cost one fsync instead of fifty.
//! Serialising writes on one thread is also what makes the dedupe check and the insert one
//! atomic step: two concurrent copies of an event meet in the same or consecutive transactions
//! and the second sees the first.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use redb::{Database, Durability, ReadableTable, ReadableTableMetadata, WriteTransaction};
use tokio::sync::{oneshot, watch};

use super::tables::{
    DEAD, DEDUPE, DEDUPE_EXPIRY, EVENTS, EventRow, HEADERS, META, NEXT_ID, READY, to_ms,
};
use crate::queue::{EnqueueOutcome, EventId, NewEvent, QueueError};

/// The most operations one transaction takes; bounds the latency a huge burst adds.
const MAX_BATCH: usize = 1024;
/// How often expired dedupe keys are purged, and how many at most per purge.
const PURGE_EVERY: Duration = Duration::from_secs(60);
const PURGE_MAX: usize = 1000;

/// A write operation for the writer thread.
pub(super) enum Request {
    Enqueue(NewEvent),
    Ack(u64),
    Retry {
        id: u64,
        due_ms: u64,
        error: String,
    },
    DeadLetter {
        id: u64,
        error: String,
    },
    /// One dead letter, or all of them.
    Replay(Option<u64>),
}

/// Where the writer sends an operation's result.
pub(super) enum Reply {
    Enqueue(oneshot::Sender<Result<EnqueueOutcome, QueueError>>),
    Unit(oneshot::Sender<Result<(), QueueError>>),
    Count(oneshot::Sender<Result<usize, QueueError>>),
}

enum Outcome {
    Enqueue(EnqueueOutcome),
    Unit(Result<(), QueueError>),
    Count(usize),
}

pub(super) struct Op {
    pub request: Request,
    pub reply: Reply,
}

/// The handle on the writer thread; dropping it lets the thread finish what was sent and
/// waits for it, so that the database is closed when the queue is dropped.
pub(super) struct Writer {
    tx: Option<mpsc::Sender<Op>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Writer {
    pub fn spawn(
        db: Arc<Database>,
        capacity: u64,
        signal: Arc<watch::Sender<u64>>,
    ) -> Result<Writer, QueueError> {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("asyncgen-queue-writer".into())
            .spawn(move || run(&db, capacity, &signal, &rx))
            .map_err(QueueError::backend)?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn send(&self, op: Op) -> Result<(), QueueError> {
        self.tx
            .as_ref()
            .ok_or(QueueError::Closed)?
            .send(op)
            .map_err(|_| QueueError::Closed)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take() {
            // A panic on the writer thread has already failed every pending operation; there
            // is nothing more to report here.
            let _ = thread.join();
        }
    }
}

fn run(db: &Database, capacity: u64, signal: &watch::Sender<u64>, rx: &mpsc::Receiver<Op>) {
    let mut last_purge: Option<Instant> = None;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let purge = last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY);
        let (requests, replies): (Vec<Request>, Vec<Reply>) =
            batch.into_iter().map(|op| (op.request, op.reply)).unzip();
        match commit(db, capacity, requests, purge) {
            Ok((outcomes, wake)) => {
                if purge {
                    last_purge = Some(Instant::now());
                }
                if wake {
                    signal.send_modify(|n| *n = n.wrapping_add(1));
                }
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    answer(reply, outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "queue commit failed");
                let e = QueueError::backend(e);
                for reply in replies {
                    fail(reply, e.clone());
                }
            }
        }
    }
}

// A caller that stopped waiting (its request was cancelled) is no error: its operation
// happened regardless, and `send` failing only says nobody reads the result.
fn answer(reply: Reply, outcome: Outcome) {
    match (reply, outcome) {
        (Reply::Enqueue(tx), Outcome::Enqueue(o)) => drop(tx.send(Ok(o))),
        (Reply::Unit(tx), Outcome::Unit(r)) => drop(tx.send(r)),
        (Reply::Count(tx), Outcome::Count(n)) => drop(tx.send(Ok(n))),
        (reply, _) => fail(reply, QueueError::Closed),
    }
}

fn fail(reply: Reply, e: QueueError) {
    match reply {
        Reply::Enqueue(tx) => drop(tx.send(Err(e))),
        Reply::Unit(tx) => drop(tx.send(Err(e))),
        Reply::Count(tx) => drop(tx.send(Err(e))),
    }
}

/// Applies `requests` in one durable transaction. Returns each request's outcome and whether
/// events became due (to wake workers). Any storage error aborts the whole transaction.
fn commit(
    db: &Database,
    capacity: u64,
    requests: Vec<Request>,
    purge: bool,
) -> Result<(Vec<Outcome>, bool), redb::Error> {
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::Immediate)?;
    let now_ms = to_ms(SystemTime::now());
    let mut wake = false;
    let mut outcomes = Vec::with_capacity(requests.len());
    for request in requests {
        let outcome = match request {
            Request::Enqueue(event) => {
                let o = enqueue(&txn, capacity, event)?;
                wake |= matches!(o, EnqueueOutcome::Enqueued(_));
                Outcome::Enqueue(o)
            }
            Request::Ack(id) => Outcome::Unit(ack(&txn, id)?),
            Request::Retry { id, due_ms, error } => {
                let r = retry(&txn, id, due_ms, error)?;
                wake |= r.is_ok();
                Outcome::Unit(r)
            }
            Request::DeadLetter { id, error } => {
                Outcome::Unit(dead_letter(&txn, id, error, now_ms)?)
            }
            Request::Replay(which) => {
                let n = replay(&txn, which, now_ms)?;
                wake |= n > 0;
                Outcome::Count(n)
            }
        };
        outcomes.push(outcome);
    }
    if purge {
        purge_dedupe(&txn, now_ms)?;
    }
    txn.commit()?;
    Ok((outcomes, wake))
}

fn enqueue(
    txn: &WriteTransaction,
    capacity: u64,
    event: NewEvent,
) -> Result<EnqueueOutcome, redb::Error> {
    let received_ms = to_ms(event.received_at);
    let now_ms = to_ms(SystemTime::now());
    let mut dedupe = txn.open_table(DEDUPE)?;
    let mut expiry = txn.open_table(DEDUPE_EXPIRY)?;
    if let Some(d) = &event.dedupe {
        let stored = dedupe.get(d.key.as_str())?.map(|g| g.value());
        match stored {
            Some(expires) if expires > now_ms => return Ok(EnqueueOutcome::Duplicate),
            Some(expired) => {
                expiry.remove((expired, d.key.as_str()))?;
            }
            None => {}
        }
    }
    let mut events = txn.open_table(EVENTS)?;
    if events.len()? >= capacity {
        return Ok(EnqueueOutcome::Full);
    }
    let mut meta = txn.open_table(META)?;
    let id = meta.get(NEXT_ID)?.map_or(1, |g| g.value());
    meta.insert(NEXT_ID, id + 1)?;
    let row = EventRow {
        route: event.route,
        payload: event.payload.to_vec(),
        received_ms,
        failures: 0,
        due_ms: now_ms,
        dedupe_key: event.dedupe.as_ref().map(|d| d.key.clone()),
        last_error: None,
    };
    events.insert(id, row.as_value())?;
    txn.open_table(READY)?.insert((now_ms, id), ())?;
    if !event.headers.is_empty() {
        // Serializing a list of string pairs cannot fail.
        let headers = serde_json::to_vec(&event.headers).unwrap_or_default();
        txn.open_table(HEADERS)?.insert(id, headers.as_slice())?;
    }
    if let Some(d) = &event.dedupe {
        let ttl_ms = u64::try_from(d.ttl.as_millis()).unwrap_or(u64::MAX);
        let expires = received_ms.saturating_add(ttl_ms);
        dedupe.insert(d.key.as_str(), expires)?;
        expiry.insert((expires, d.key.as_str()), ())?;
    }
    Ok(EnqueueOutcome::Enqueued(EventId::new(id.to_string())))
}

/// Removes an event and its index entry; `None` if there is no such event.
fn take_event(txn: &WriteTransaction, id: u64) -> Result<Option<EventRow>, redb::Error> {
    let mut events = txn.open_table(EVENTS)?;
    let Some(row) = events.remove(id)?.map(|g| EventRow::from_value(g.value())) else {
        return Ok(None);
    };
    txn.open_table(READY)?.remove((row.due_ms, id))?;
    Ok(Some(row))
}

fn not_found(id: u64) -> QueueError {
    QueueError::NotFound(EventId::new(id.to_string()))
}

fn ack(txn: &WriteTransaction, id: u64) -> Result<Result<(), QueueError>, redb::Error> {
    if take_event(txn, id)?.is_none() {
        return Ok(Err(not_found(id)));
    }
    txn.open_table(HEADERS)?.remove(id)?;
    Ok(Ok(()))
}

fn retry(
    txn: &WriteTransaction,
    id: u64,
    due_ms: u64,
    error: String,
) -> Result<Result<(), QueueError>, redb::Error> {
    let Some(mut row) = take_event(txn, id)? else {
        return Ok(Err(not_found(id)));
    };
    row.failures = row.failures.saturating_add(1);
    row.due_ms = due_ms;
    row.last_error = Some(error);
    txn.open_table(EVENTS)?.insert(id, row.as_value())?;
    txn.open_table(READY)?.insert((due_ms, id), ())?;
    Ok(Ok(()))
}

fn dead_letter(
    txn: &WriteTransaction,
    id: u64,
    error: String,
    now_ms: u64,
) -> Result<Result<(), QueueError>, redb::Error> {
    let Some(row) = take_event(txn, id)? else {
        return Ok(Err(not_found(id)));
    };
    txn.open_table(DEAD)?.insert(
        id,
        (
            row.route.as_str(),
            row.payload.as_slice(),
            row.received_ms,
            row.failures.saturating_add(1),
            error.as_str(),
            now_ms,
            row.dedupe_key.as_deref(),
        ),
    )?;
    Ok(Ok(()))
}

fn replay(txn: &WriteTransaction, which: Option<u64>, now_ms: u64) -> Result<usize, redb::Error> {
    let mut dead = txn.open_table(DEAD)?;
    let ids: Vec<u64> = match which {
        Some(id) => vec![id],
        None => dead
            .iter()?
            .map(|entry| entry.map(|(k, _)| k.value()))
            .collect::<Result<_, _>>()?,
    };
    let mut events = txn.open_table(EVENTS)?;
    let mut ready = txn.open_table(READY)?;
    let mut replayed = 0;
    for id in ids {
        let Some(guard) = dead.remove(id)? else {
            continue;
        };
        let (route, payload, received_ms, _attempts, _error, _dead_ms, dedupe_key) = guard.value();
        // Attempts start again from zero: a replay follows a fix, and deserves the whole
        // retry schedule.
        events.insert(
            id,
            (route, payload, received_ms, 0, now_ms, dedupe_key, None),
        )?;
        ready.insert((now_ms, id), ())?;
        replayed += 1;
    }
    Ok(replayed)
}

fn purge_dedupe(txn: &WriteTransaction, now_ms: u64) -> Result<(), redb::Error> {
    let mut expiry = txn.open_table(DEDUPE_EXPIRY)?;
    let expired: Vec<(u64, String)> = expiry
        .range((0, "")..(now_ms, ""))?
        .take(PURGE_MAX)
        .map(|entry| entry.map(|(k, _)| (k.value().0, k.value().1.to_owned())))
        .collect::<Result<_, _>>()?;
    let mut dedupe = txn.open_table(DEDUPE)?;
    for (expires, key) in &expired {
        expiry.remove((*expires, key.as_str()))?;
        dedupe.remove(key.as_str())?;
    }
    if !expired.is_empty() {
        tracing::debug!(count = expired.len(), "purged expired dedupe keys");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::DedupeEntry;
    use bytes::Bytes;
    use redb::ReadableDatabase as _;

    /// When a commit fails, every caller of its batch hears the storage error itself, not just
    /// that the queue went away.
    #[test]
    fn a_failed_commit_tells_each_caller_why() {
        let why = || QueueError::Incompatible("disk".into());
        let is_why = |e: &QueueError| matches!(e, QueueError::Incompatible(w) if w == "disk");
        let (tx, mut rx) = oneshot::channel();
        fail(Reply::Unit(tx), why());
        assert!(matches!(rx.try_recv(), Ok(Err(e)) if is_why(&e)));
        let (tx, mut rx) = oneshot::channel();
        fail(Reply::Enqueue(tx), why());
        assert!(matches!(rx.try_recv(), Ok(Err(e)) if is_why(&e)));
        let (tx, mut rx) = oneshot::channel();
        fail(Reply::Count(tx), why());
        assert!(matches!(rx.try_recv(), Ok(Err(e)) if is_why(&e)));
    }

    /// Expired dedupe keys are purged, so the store does not keep every key it ever saw; keys
    /// still in force stay.
    #[test]
    fn expired_dedupe_keys_are_purged() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Database::create(dir.path().join("q.redb")).expect("store");
        super::super::init(&db).expect("tables");
        let event = |key: &str, received_at: SystemTime| {
            Request::Enqueue(NewEvent {
                route: "events".into(),
                payload: Bytes::from_static(b"{}"),
                headers: Default::default(),
                received_at,
                dedupe: Some(DedupeEntry {
                    key: key.into(),
                    ttl: Duration::from_secs(3600),
                }),
            })
        };
        let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let requests = vec![
            event("expired", long_ago),
            event("in-force", SystemTime::now()),
        ];
        commit(&db, 10, requests, false).expect("enqueued");
        let keys = |db: &Database| {
            let txn = db.begin_read().expect("read");
            let dedupe = txn.open_table(DEDUPE).expect("dedupe");
            let expiry = txn.open_table(DEDUPE_EXPIRY).expect("expiry");
            let names: Vec<String> = dedupe
                .iter()
                .expect("iter")
                .map(|e| e.expect("row").0.value().to_owned())
                .collect();
            (names, expiry.len().expect("len"))
        };
        assert_eq!(keys(&db), (vec!["expired".into(), "in-force".into()], 2));
        commit(&db, 10, Vec::new(), true).expect("purged");
        assert_eq!(keys(&db), (vec!["in-force".into()], 1));
    }
}
