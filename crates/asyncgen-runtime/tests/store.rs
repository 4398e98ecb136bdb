//! The store under queued delivery, through the `EventQueue` API a broker-backed queue would
//! implement too: durability across a reopen, one lease at a time, stale leases refused,
//! atomic deduplication, stored times, and the work signal.

#![cfg(feature = "receiver")]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use asyncgen_runtime::queue::{
    DedupeEntry, EnqueueOutcome, EventQueue, NewEvent, QueueError, QueueOptions, RedbQueue,
};
use asyncgen_runtime::receiver::EventHeaders;
use bytes::Bytes;

const HOUR: Duration = Duration::from_secs(3600);

fn event(id: &str) -> NewEvent {
    NewEvent {
        route: "events".into(),
        payload: Bytes::from(format!(r#"{{"id":"{id}"}}"#)),
        headers: EventHeaders::new(),
        received_at: SystemTime::now(),
        dedupe: None,
    }
}

#[tokio::test]
async fn queued_and_leased_events_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.redb");
    let queue = RedbQueue::open(&path, QueueOptions::default()).unwrap();
    for n in 0..5 {
        let outcome = queue.enqueue(event(&format!("e{n}"))).await.unwrap();
        assert!(matches!(outcome, EnqueueOutcome::Enqueued(_)));
    }
    let leased = queue.lease(2, Duration::from_secs(600)).await.unwrap();
    assert_eq!(leased.len(), 2);
    // A leased event is not leased twice.
    let rest = queue.lease(10, Duration::from_secs(600)).await.unwrap();
    assert_eq!(rest.len(), 3);
    assert!(
        queue
            .lease(10, Duration::from_secs(600))
            .await
            .unwrap()
            .is_empty()
    );
    drop(queue); // the "crash": leases held, nothing acked

    let queue = RedbQueue::open(&path, QueueOptions::default()).unwrap();
    assert_eq!(queue.pending().await.unwrap(), 5);
    let again = queue.lease(10, Duration::from_secs(600)).await.unwrap();
    let ids: HashSet<_> = again.iter().map(|e| e.payload.clone()).collect();
    assert_eq!(ids.len(), 5);
    assert!(again.iter().all(|e| e.attempt == 1));
    queue.ack(again[0].lease.clone()).await.unwrap();
    // Settling twice, or with a stale lease, is refused.
    assert!(queue.ack(again[0].lease.clone()).await.is_err());
    drop(again);
    drop(queue);

    let queue = RedbQueue::open(&path, QueueOptions::default()).unwrap();
    assert_eq!(queue.pending().await.unwrap(), 4);
}

#[tokio::test]
async fn dedupe_is_atomic_in_the_store() {
    // Below the HTTP layer: concurrent enqueues of one key store it exactly once.
    let dir = tempfile::tempdir().unwrap();
    let queue =
        Arc::new(RedbQueue::open(dir.path().join("q.redb"), QueueOptions::default()).unwrap());
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut e = event("same");
            e.dedupe = Some(DedupeEntry {
                key: "events\u{1f}same".into(),
                ttl: Duration::from_secs(3600),
            });
            queue.enqueue(e).await.unwrap()
        }));
    }
    let mut enqueued = 0;
    for t in tasks {
        match t.await.unwrap() {
            EnqueueOutcome::Enqueued(_) => enqueued += 1,
            EnqueueOutcome::Duplicate => {}
            EnqueueOutcome::Full => panic!("not full"),
        }
    }
    assert_eq!(enqueued, 1);
    assert_eq!(queue.pending().await.unwrap(), 1);
}

/// A lease that expired belongs to nobody: the event is leased again under a new token, and
/// the old holder can no longer ack, retry or dead-letter it. The times stored with an event
/// come back to the millisecond.
#[tokio::test]
async fn a_stale_lease_cannot_settle_and_times_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let queue = RedbQueue::open(dir.path().join("q.redb"), QueueOptions::default()).unwrap();
    assert_eq!(format!("{queue:?}"), "RedbQueue { .. }");
    let received_at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let mut e = event("stale");
    e.received_at = received_at;
    queue.enqueue(e).await.unwrap();

    // Leased for no time at all: expired by the next lease, whatever the machine's speed.
    let first = queue.lease(1, Duration::ZERO).await.unwrap().remove(0);
    assert_eq!(first.received_at, received_at);
    let second = queue
        .lease(1, Duration::from_secs(600))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(second.lease.id, first.lease.id);
    assert_ne!(second.lease.token, first.lease.token);
    let lost = |r: Result<(), QueueError>| matches!(r, Err(QueueError::LeaseLost(id)) if id == first.lease.id);
    assert!(lost(queue.ack(first.lease.clone()).await));
    assert!(lost(
        queue
            .retry_at(first.lease.clone(), SystemTime::now(), "late".into())
            .await
    ));
    assert!(lost(
        queue.dead_letter(first.lease.clone(), "late".into()).await
    ));
    assert!(lost(queue.release(first.lease.clone()).await));
    assert_eq!(queue.pending().await.unwrap(), 1);

    // The holder dead-letters it: the dead letter keeps the times.
    let before = SystemTime::now();
    queue
        .dead_letter(second.lease, "gave up".into())
        .await
        .unwrap();
    let dead = queue.list_dead_letters().await.unwrap().remove(0);
    assert_eq!(dead.received_at, received_at);
    assert!(dead.dead_at + Duration::from_millis(1) > before, "{dead:?}");
    assert!(dead.dead_at <= SystemTime::now(), "{dead:?}");
    assert_eq!((dead.attempts, dead.error.as_str()), (1, "gave up"));
}

/// The queue's work signal fires whenever an event may have become due: one was stored, a
/// failed attempt was rescheduled, a lease was given back, a dead letter was replayed. Each
/// fires before the call returns, so a consumer that waits on the signal misses none.
#[tokio::test]
async fn the_work_signal_fires_when_events_become_due() {
    use futures_util::FutureExt as _;

    let dir = tempfile::tempdir().unwrap();
    let queue = RedbQueue::open(dir.path().join("q.redb"), QueueOptions::default()).unwrap();
    let mut signal = queue.work_signal();
    signal.mark_seen();
    let mut fired = |what: &str| {
        assert!(
            signal.changed().now_or_never().is_some(),
            "no signal after {what}"
        );
    };

    queue.enqueue(event("s")).await.unwrap();
    fired("an enqueue");
    let lease = || async { queue.lease(1, HOUR).await.unwrap().remove(0).lease };
    queue
        .retry_at(lease().await, SystemTime::now(), "again".into())
        .await
        .unwrap();
    fired("a retry");
    queue.release(lease().await).await.unwrap();
    fired("a release");
    queue
        .dead_letter(lease().await, "dead".into())
        .await
        .unwrap();
    assert_eq!(queue.replay_all_dead_letters().await.unwrap(), 1);
    fired("a replay");
}

/// The headers a route's decoder reads (its event-type header) are stored with the event and
/// come back with every lease, after a retry, in the dead letters, after a replay and after a
/// reopen; an event stored without any comes back without any.
#[tokio::test]
async fn stored_headers_follow_the_event_until_its_ack() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.redb");
    let queue = RedbQueue::open(&path, QueueOptions::default()).unwrap();
    let typed = EventHeaders::new().with("X-Shopify-Topic", "orders/create");
    let mut with = event("with");
    with.headers = typed.clone();
    queue.enqueue(with).await.unwrap();
    queue.enqueue(event("without")).await.unwrap();
    let leased = queue.lease(2, HOUR).await.unwrap();
    let headers_of = |events: &[asyncgen_runtime::queue::LeasedEvent], id: &str| {
        events
            .iter()
            .find(|e| e.payload == format!(r#"{{"id":"{id}"}}"#))
            .map(|e| e.headers.clone())
            .unwrap()
    };
    assert_eq!(headers_of(&leased, "with"), typed);
    assert_eq!(
        headers_of(&leased, "with").get("x-shopify-topic"),
        Some("orders/create")
    );
    assert!(headers_of(&leased, "without").is_empty());

    let with_lease = |events: &[asyncgen_runtime::queue::LeasedEvent]| {
        events
            .iter()
            .find(|e| !e.headers.is_empty())
            .unwrap()
            .lease
            .clone()
    };
    queue
        .retry_at(with_lease(&leased), SystemTime::now(), "again".into())
        .await
        .unwrap();
    let retried = queue.lease(2, HOUR).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].headers, typed);
    queue
        .dead_letter(retried[0].lease.clone(), "gave up".into())
        .await
        .unwrap();
    drop(retried);
    drop(leased);
    drop(queue);

    let queue = RedbQueue::open(&path, QueueOptions::default()).unwrap();
    let dead = queue.list_dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].headers, typed);
    assert!(queue.replay_dead_letter(dead[0].id.clone()).await.unwrap());
    let replayed = queue.lease(2, HOUR).await.unwrap();
    let mine = replayed.iter().find(|e| !e.headers.is_empty()).unwrap();
    assert_eq!(mine.headers, typed);
    queue.ack(mine.lease.clone()).await.unwrap();
    drop(queue);

    // Acked: its headers went with it, and a later event reusing no id sees none.
    let db = redb::Database::open(&path).unwrap();
    let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
    let table: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("headers");
    let stored = txn.open_table(table).unwrap();
    assert_eq!(redb::ReadableTableMetadata::len(&stored).unwrap(), 0);
}
