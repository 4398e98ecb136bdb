//! The durable queue between "answered 2xx" and "handled": the [`EventQueue`] trait the
//! receiver and its workers speak, and [`RedbQueue`], the embedded implementation used by
//! default. A broker-backed queue can implement the same trait later; nothing in the receiver
//! assumes one process or keeps state outside the queue that correctness depends on.
//!
//! Semantics every implementation provides:
//!
//! - [`EventQueue::enqueue`] returns only once the event is durable (a 2xx may follow), and
//!   records the event's dedupe key in the same atomic step, so two concurrent deliveries of
//!   one event store it once;
//! - [`EventQueue::lease`] hands an event to one worker at a time; the event stays stored until
//!   [`EventQueue::ack`], so an event leased when the process dies is leased again after a
//!   restart (at-least-once delivery);
//! - a failed attempt is rescheduled ([`EventQueue::retry_at`]) or moved to the dead letters
//!   ([`EventQueue::dead_letter`]), which can be listed and replayed.

#[cfg(feature = "queue-postgres")]
mod postgres;
mod redb_queue;

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::sync::watch;

#[cfg(feature = "queue-postgres")]
pub use self::postgres::PostgresQueue;
pub use self::redb_queue::{QueueOptions, RedbQueue};
use crate::receiver::EventHeaders;

/// The queue a fleet shares, from its URL: `postgres://user:password@host:port/database` (or
/// `postgresql://`). Each receiver and worker process connects to the same one.
#[cfg(feature = "queue-postgres")]
pub async fn connect(url: &str, options: QueueOptions) -> Result<Arc<dyn EventQueue>, QueueError> {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("postgres" | "postgresql") => {
            Ok(Arc::new(PostgresQueue::connect(url, options).await?))
        }
        _ => Err(QueueError::InvalidOptions(
            "a queue URL starts with postgres:// (the embedded queue takes a data directory)"
                .into(),
        )),
    }
}

/// A boxed future, so that [`EventQueue`] can be used as `dyn EventQueue`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A durable queue of verified events.
///
/// Ids and lease tokens are opaque strings so that a backend may use its own (a broker's
/// message id and receipt handle).
pub trait EventQueue: Send + Sync + 'static {
    /// Stores `event` durably, unless it is a duplicate (its dedupe key was stored before and
    /// has not expired) or the queue is full. Must be atomic with respect to concurrent
    /// enqueues of the same dedupe key.
    fn enqueue(&self, event: NewEvent) -> BoxFuture<'_, Result<EnqueueOutcome, QueueError>>;

    /// Up to `max` events of `routes` that are due and not leased, each leased for
    /// `lease_for`: until then no other lease returns it. Events of other routes stay for the
    /// processes that know them (a rolling deploy's newer routes). Returns an empty list at once
    /// when nothing is due (wait on [`EventQueue::work_signal`] or poll).
    fn lease<'a>(
        &'a self,
        max: usize,
        lease_for: Duration,
        routes: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<LeasedEvent>, QueueError>>;

    /// The lease still holds: it now runs until `lease_for` from now (a worker's heartbeat
    /// while its handler runs). [`QueueError::LeaseLost`] when it expired and was taken, or
    /// the event was settled.
    fn extend<'a>(
        &'a self,
        lease: &'a Lease,
        lease_for: Duration,
    ) -> BoxFuture<'a, Result<(), QueueError>>;

    /// A signal that fires when events may have become due; a backend without one returns
    /// [`WorkSignal::none`] and workers poll.
    fn work_signal(&self) -> WorkSignal;

    /// The leased event was handled: remove it. Durable when this returns.
    fn ack(&self, lease: Lease) -> BoxFuture<'_, Result<(), QueueError>>;

    /// The attempt failed: count it, record `error`, and make the event due again at `at`.
    fn retry_at(
        &self,
        lease: Lease,
        at: SystemTime,
        error: String,
    ) -> BoxFuture<'_, Result<(), QueueError>>;

    /// Give the lease back without counting an attempt (shutdown): the event is due at once.
    fn release(&self, lease: Lease) -> BoxFuture<'_, Result<(), QueueError>>;

    /// The final attempt failed: move the event to the dead letters with `error`.
    fn dead_letter(&self, lease: Lease, error: String) -> BoxFuture<'_, Result<(), QueueError>>;

    /// Every dead letter, oldest first.
    fn list_dead_letters(&self) -> BoxFuture<'_, Result<Vec<DeadLetter>, QueueError>>;

    /// Moves one dead letter back into the queue, due at once with its attempts reset;
    /// `false` if there is no such dead letter. Replays ignore the capacity: a person asked.
    fn replay_dead_letter(&self, id: EventId) -> BoxFuture<'_, Result<bool, QueueError>>;

    /// Replays every dead letter; returns how many.
    fn replay_all_dead_letters(&self) -> BoxFuture<'_, Result<usize, QueueError>>;

    /// How many events are stored and not dead (queued, waiting for a retry, or leased).
    fn pending(&self) -> BoxFuture<'_, Result<u64, QueueError>>;
}

/// An event's id in its queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(String);

impl EventId {
    /// An id as the backend writes it.
    pub fn new(id: impl Into<String>) -> Self {
        EventId(id.into())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A verified event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The id of the route that received it; the worker finds the endpoint by it.
    pub route: String,
    /// The verified payload bytes.
    pub payload: Bytes,
    /// The request headers the route's decoder reads (its event-type header), stored with the
    /// payload.
    pub headers: EventHeaders,
    /// When the request arrived.
    pub received_at: SystemTime,
    /// Suppress later copies of this event.
    pub dedupe: Option<DedupeEntry>,
}

/// A dedupe key and how long it suppresses copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupeEntry {
    /// The key, already scoped to its route by the receiver.
    pub key: String,
    /// How long after `received_at` a copy is still a duplicate.
    pub ttl: Duration,
}

/// What [`EventQueue::enqueue`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnqueueOutcome {
    /// Stored durably under this id.
    Enqueued(EventId),
    /// A copy of an event already stored: nothing was written.
    Duplicate,
    /// The queue is at capacity: nothing was written.
    Full,
}

/// The right to ack, retry, release or dead-letter one leased event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The event.
    pub id: EventId,
    /// Tells this lease from an earlier, expired one on the same event.
    pub token: String,
}

/// An event handed to a worker.
#[derive(Debug, Clone)]
pub struct LeasedEvent {
    /// The lease to settle.
    pub lease: Lease,
    /// The route that received it.
    pub route: String,
    /// The verified payload bytes.
    pub payload: Bytes,
    /// The headers stored with it.
    pub headers: EventHeaders,
    /// When the request arrived.
    pub received_at: SystemTime,
    /// Which attempt this is, from 1 (earlier failed attempts plus one).
    pub attempt: u32,
    /// The error of the previous attempt, if any.
    pub last_error: Option<String>,
}

/// An event whose attempts are exhausted, kept for inspection and replay.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// Its id (pass it to `replay_dead_letter`).
    pub id: EventId,
    /// The route that received it.
    pub route: String,
    /// The verified payload bytes.
    pub payload: Bytes,
    /// The headers stored with it.
    pub headers: EventHeaders,
    /// When the request arrived.
    pub received_at: SystemTime,
    /// How many attempts failed.
    pub attempts: u32,
    /// The last attempt's error.
    pub error: String,
    /// When it was given up.
    pub dead_at: SystemTime,
}

/// Wakes idle workers when a backend knows that events became due.
#[derive(Debug)]
pub struct WorkSignal(Option<watch::Receiver<u64>>);

impl WorkSignal {
    /// No signal: workers only poll.
    pub fn none() -> Self {
        WorkSignal(None)
    }

    /// A signal that fires whenever the watched counter changes.
    pub fn from_watch(rx: watch::Receiver<u64>) -> Self {
        WorkSignal(Some(rx))
    }

    /// Forgets changes so far; call before looking for work so that no change in between is
    /// missed.
    pub fn mark_seen(&mut self) {
        if let Some(rx) = &mut self.0 {
            rx.borrow_and_update();
        }
    }

    /// Resolves at the next change after [`WorkSignal::mark_seen`]; never, without a signal.
    pub async fn changed(&mut self) {
        match &mut self.0 {
            Some(rx) => {
                if rx.changed().await.is_err() {
                    // The queue is gone; leave waking to the caller's poll timer.
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    }
}

/// A queue operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The storage failed; the operation may not have happened.
    #[error("queue storage failed: {0}")]
    Backend(#[source] Arc<dyn StdError + Send + Sync>),
    /// The queue has shut down.
    #[error("the queue is closed")]
    Closed,
    /// The lease expired (and the event may be leased again) or was settled already.
    #[error("the lease on event {0} is no longer held")]
    LeaseLost(EventId),
    /// No such event.
    #[error("no event {0}")]
    NotFound(EventId),
    /// The store was written by an incompatible version.
    #[error("incompatible queue store: {0}")]
    Incompatible(String),
    /// The queue's options are unusable.
    #[error("invalid queue options: {0}")]
    InvalidOptions(String),
}

impl QueueError {
    /// Wraps a backend error.
    pub fn backend(error: impl StdError + Send + Sync + 'static) -> Self {
        QueueError::Backend(Arc::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;

    /// Ids and errors name the event as the backend wrote its id: what an operator searches
    /// the logs and the dead letters for.
    #[test]
    fn ids_display_as_written() {
        let id = EventId::new("42");
        assert_eq!(id.to_string(), "42");
        assert_eq!(id.as_str(), "42");
        assert_eq!(QueueError::NotFound(id.clone()).to_string(), "no event 42");
        assert_eq!(
            QueueError::LeaseLost(id).to_string(),
            "the lease on event 42 is no longer held"
        );
    }

    /// A worker marks the signal seen before it looks for work, then waits: a change made
    /// before the mark does not wake it again, one made after does, and a signal whose queue
    /// is gone, or no signal at all, never wakes it (its poll timer does).
    #[test]
    fn a_signal_wakes_only_for_changes_after_the_mark() {
        let (tx, rx) = watch::channel(0u64);
        let mut signal = WorkSignal::from_watch(rx);
        tx.send_modify(|n| *n += 1);
        signal.mark_seen();
        assert!(signal.changed().now_or_never().is_none());
        tx.send_modify(|n| *n += 1);
        assert!(signal.changed().now_or_never().is_some());
        // Seen by `changed` itself: no second wake for the same change.
        assert!(signal.changed().now_or_never().is_none());

        drop(tx);
        assert!(signal.changed().now_or_never().is_none());
        assert!(WorkSignal::none().changed().now_or_never().is_none());
    }
}
