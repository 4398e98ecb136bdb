//! One conformance suite for every queue backend, through `Arc<dyn EventQueue>`: the embedded
//! redb file and a PostgreSQL database (a server this test starts on a free loopback port, in a
//! temporary directory, and stops). The same behaviour is asserted once: durability across a
//! reopen, one holder per lease, stale leases refused, atomic deduplication, the capacity,
//! retries, dead letters and replays, stored headers and times, the work signal, leases taken
//! by route and extended by heartbeats.

#![cfg(feature = "queue-postgres")]

mod postgres_server;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use asyncgen_runtime::queue::{
    DedupeEntry, EnqueueOutcome, EventQueue, LeasedEvent, NewEvent, PostgresQueue, QueueError,
    QueueOptions, RedbQueue,
};
use asyncgen_runtime::receiver::EventHeaders;
use bytes::Bytes;

const HOUR: Duration = Duration::from_secs(3600);
/// Bounds every wait; only reached when a case fails.
const LIMIT: Duration = Duration::from_secs(30);

/// Where one case's queue lives; opening it twice reaches the same events.
enum Store {
    Redb(PathBuf),
    Postgres(String),
}

impl Store {
    async fn open(&self, capacity: u64) -> Arc<dyn EventQueue> {
        let options = QueueOptions::with_capacity(capacity);
        match self {
            Store::Redb(path) => Arc::new(RedbQueue::open(path, options).expect("redb store")),
            Store::Postgres(url) => Arc::new(
                PostgresQueue::connect(url, options)
                    .await
                    .expect("postgres store"),
            ),
        }
    }
}

/// The routes the tests' workers know.
fn routes() -> Vec<String> {
    vec!["events".to_owned()]
}

fn event(id: &str) -> NewEvent {
    NewEvent {
        route: "events".into(),
        payload: Bytes::from(format!(r#"{{"id":"{id}"}}"#)),
        headers: EventHeaders::new(),
        received_at: SystemTime::now(),
        dedupe: None,
    }
}

fn id_of(e: &LeasedEvent) -> String {
    let v: serde_json::Value = serde_json::from_slice(&e.payload).expect("JSON");
    v["id"].as_str().expect("an id").to_owned()
}

/// Leases until `n` events are held in all (leases that the previous holder lost expire on
/// the backend's clock), bounded by [`LIMIT`].
async fn lease_all(queue: &dyn EventQueue, n: usize) -> Vec<LeasedEvent> {
    let mut held = Vec::new();
    for _ in 0..(LIMIT.as_millis() / 20) {
        held.extend(queue.lease(n, HOUR, &routes()).await.expect("lease"));
        if held.len() >= n {
            return held;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("leased {} of {n} events", held.len());
}

/// Events stored and not acked survive the process: after a reopen every one is handed out
/// again (a lease held by the dead process expires), each once; an acked one is gone, and
/// settling it twice is refused.
async fn events_survive_a_reopen_and_lost_leases_come_back(store: &Store) {
    {
        let queue = store.open(100).await;
        for n in 0..5 {
            let outcome = queue.enqueue(event(&format!("e{n}"))).await.unwrap();
            assert!(matches!(outcome, EnqueueOutcome::Enqueued(_)));
        }
        // Leases a dead process held expire (PostgreSQL keeps them in the rows; the embedded
        // queue, in memory, forgets them with the process).
        let short = Duration::from_secs(2);
        let held = queue.lease(2, short, &routes()).await.unwrap();
        assert_eq!(held.len(), 2);
        // A leased event is not leased twice while its lease holds.
        let rest = queue.lease(10, short, &routes()).await.unwrap();
        assert_eq!(rest.len(), 3);
        assert!(queue.lease(10, short, &routes()).await.unwrap().is_empty());
    } // the "crash": leases held, nothing acked

    let queue = store.open(100).await;
    assert_eq!(queue.pending().await.unwrap(), 5);
    let again = lease_all(queue.as_ref(), 5).await;
    let ids: HashSet<String> = again.iter().map(id_of).collect();
    assert_eq!(ids.len(), 5, "each event once");
    queue.ack(again[0].lease.clone()).await.unwrap();
    assert!(queue.ack(again[0].lease.clone()).await.is_err());
    drop(queue);
    let queue = store.open(100).await;
    assert_eq!(queue.pending().await.unwrap(), 4);
}

/// Concurrent enqueues of one dedupe key store it exactly once; once the key has expired a
/// copy is stored again.
async fn dedupe_is_atomic(store: &Store) {
    let queue = store.open(100).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut e = event("same");
            e.dedupe = Some(DedupeEntry {
                key: "events\u{1f}same".into(),
                ttl: HOUR,
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
    let expired = |key: &str| {
        let mut e = event(key);
        e.received_at = SystemTime::now() - 2 * HOUR;
        e.dedupe = Some(DedupeEntry {
            key: key.into(),
            ttl: HOUR,
        });
        e
    };
    assert!(matches!(
        queue.enqueue(expired("old")).await.unwrap(),
        EnqueueOutcome::Enqueued(_)
    ));
    assert!(matches!(
        queue.enqueue(expired("old")).await.unwrap(),
        EnqueueOutcome::Enqueued(_)
    ));
    assert_eq!(queue.pending().await.unwrap(), 3);
}

/// A lease that expired belongs to nobody: the event is leased again under a new token, and
/// the old holder can no longer ack, retry, release or dead-letter it. The times stored with
/// an event come back to the millisecond.
async fn a_stale_lease_cannot_settle(store: &Store) {
    let queue = store.open(100).await;
    let received_at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let mut e = event("stale");
    e.received_at = received_at;
    queue.enqueue(e).await.unwrap();

    let first = queue
        .lease(1, Duration::ZERO, &routes())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(first.received_at, received_at);
    assert_eq!(first.attempt, 1);
    let second = lease_all(queue.as_ref(), 1).await.remove(0);
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

    let before = SystemTime::now() - Duration::from_secs(1);
    queue
        .dead_letter(second.lease, "gave up".into())
        .await
        .unwrap();
    let dead = queue.list_dead_letters().await.unwrap().remove(0);
    assert_eq!(dead.received_at, received_at);
    assert!(dead.dead_at >= before, "{dead:?}");
    assert!(dead.dead_at <= SystemTime::now() + Duration::from_secs(1));
    assert_eq!((dead.attempts, dead.error.as_str()), (1, "gave up"));
    assert_eq!(queue.pending().await.unwrap(), 0);
}

/// Beyond the capacity an enqueue is refused without storing anything (its dedupe key
/// included, so the provider's retry is stored once there is room); dead letters do not count.
async fn the_capacity_refuses_without_storing(store: &Store) {
    let queue = store.open(2).await;
    let keyed = |id: &str| {
        let mut e = event(id);
        e.dedupe = Some(DedupeEntry {
            key: id.into(),
            ttl: HOUR,
        });
        e
    };
    queue.enqueue(keyed("a")).await.unwrap();
    queue.enqueue(keyed("b")).await.unwrap();
    assert_eq!(
        queue.enqueue(keyed("c")).await.unwrap(),
        EnqueueOutcome::Full
    );
    let held = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    queue.dead_letter(held.lease, "dead".into()).await.unwrap();
    assert!(matches!(
        queue.enqueue(keyed("c")).await.unwrap(),
        EnqueueOutcome::Enqueued(_)
    ));
    assert_eq!(queue.pending().await.unwrap(), 2);
}

/// A failed attempt is due again at its time, not before, with the attempt counted and its
/// error kept; a released lease is due at once and counts nothing.
async fn retries_wait_for_their_time(store: &Store) {
    let queue = store.open(100).await;
    queue.enqueue(event("r")).await.unwrap();
    let first = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    let due = SystemTime::now() + Duration::from_millis(600);
    queue
        .retry_at(first.lease, due, "downstream down".into())
        .await
        .unwrap();
    assert!(
        queue.lease(1, HOUR, &routes()).await.unwrap().is_empty(),
        "not yet due"
    );
    let second = lease_all(queue.as_ref(), 1).await.remove(0);
    assert!(SystemTime::now() + Duration::from_millis(50) >= due);
    assert_eq!(second.attempt, 2);
    assert_eq!(second.last_error.as_deref(), Some("downstream down"));
    queue.release(second.lease).await.unwrap();
    let third = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    assert_eq!(third.attempt, 2, "a release counts no attempt");
    queue.ack(third.lease).await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 0);
}

/// Dead letters are listed oldest first, replayed one by id (an unknown id replays nothing)
/// or all at once, due at once with their attempts reset.
async fn dead_letters_replay(store: &Store) {
    let queue = store.open(100).await;
    for id in ["d1", "d2", "d3"] {
        queue.enqueue(event(id)).await.unwrap();
        let held = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
        queue
            .dead_letter(held.lease, format!("{id} failed"))
            .await
            .unwrap();
    }
    let dead = queue.list_dead_letters().await.unwrap();
    let errors: Vec<&str> = dead.iter().map(|d| d.error.as_str()).collect();
    assert_eq!(errors, ["d1 failed", "d2 failed", "d3 failed"]);
    assert_eq!(queue.pending().await.unwrap(), 0);
    assert!(
        !queue
            .replay_dead_letter(asyncgen_runtime::queue::EventId::new("999999"))
            .await
            .unwrap()
    );
    assert!(queue.replay_dead_letter(dead[1].id.clone()).await.unwrap());
    assert!(!queue.replay_dead_letter(dead[1].id.clone()).await.unwrap());
    let replayed = queue.lease(5, HOUR, &routes()).await.unwrap();
    assert_eq!(replayed.iter().map(id_of).collect::<Vec<_>>(), ["d2"]);
    assert_eq!(replayed[0].attempt, 1);
    assert_eq!(queue.replay_all_dead_letters().await.unwrap(), 2);
    assert_eq!(queue.pending().await.unwrap(), 3);
    assert!(queue.list_dead_letters().await.unwrap().is_empty());
}

/// The headers a route's decoder reads are stored with the event and come back with every
/// lease, after a retry, in the dead letters and after a replay; an event stored without any
/// comes back without any.
async fn stored_headers_follow_the_event(store: &Store) {
    let queue = store.open(100).await;
    let typed = EventHeaders::new().with("X-Shopify-Topic", "orders/create");
    let mut with = event("with");
    with.headers = typed.clone();
    queue.enqueue(with).await.unwrap();
    queue.enqueue(event("without")).await.unwrap();
    let leased = queue.lease(2, HOUR, &routes()).await.unwrap();
    let find = |events: &[LeasedEvent], id: &str| {
        events.iter().find(|e| id_of(e) == id).cloned().expect(id)
    };
    assert_eq!(find(&leased, "with").headers, typed);
    assert!(find(&leased, "without").headers.is_empty());
    queue
        .retry_at(
            find(&leased, "with").lease,
            SystemTime::now(),
            "again".into(),
        )
        .await
        .unwrap();
    let retried = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    assert_eq!(retried.headers, typed);
    queue
        .dead_letter(retried.lease, "gave up".into())
        .await
        .unwrap();
    let dead = queue.list_dead_letters().await.unwrap().remove(0);
    assert_eq!(dead.headers, typed);
    assert!(queue.replay_dead_letter(dead.id).await.unwrap());
    assert_eq!(
        queue
            .lease(1, HOUR, &routes())
            .await
            .unwrap()
            .remove(0)
            .headers,
        typed
    );
}

/// The work signal fires when an event may have become due: one was stored, a failed attempt
/// is due again at once, a lease was given back, a dead letter was replayed.
async fn the_work_signal_fires(store: &Store) {
    let queue = store.open(100).await;
    let mut signal = queue.work_signal();
    let fired = async |signal: &mut asyncgen_runtime::queue::WorkSignal, what: &str| {
        tokio::time::timeout(LIMIT, signal.changed())
            .await
            .unwrap_or_else(|_| panic!("no signal after {what}"));
    };
    // A backend that listens on a connection may signal once when it is ready.
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal.mark_seen();
    queue.enqueue(event("s")).await.unwrap();
    fired(&mut signal, "an enqueue").await;
    let held = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    signal.mark_seen();
    queue
        .retry_at(held.lease, SystemTime::now(), "again".into())
        .await
        .unwrap();
    fired(&mut signal, "a retry due at once").await;
    let held = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    signal.mark_seen();
    queue.release(held.lease).await.unwrap();
    fired(&mut signal, "a release").await;
    let held = queue.lease(1, HOUR, &routes()).await.unwrap().remove(0);
    queue.dead_letter(held.lease, "dead".into()).await.unwrap();
    signal.mark_seen();
    assert_eq!(queue.replay_all_dead_letters().await.unwrap(), 1);
    fired(&mut signal, "a replay").await;
}

/// A worker leases only the routes it knows: an event of a route it does not (a newer
/// release's) stays queued for a process that does.
async fn leases_take_only_known_routes(store: &Store) {
    let queue = store.open(100).await;
    let mut newer = event("n");
    newer.route = "newer".into();
    queue.enqueue(newer).await.unwrap();
    queue.enqueue(event("e")).await.unwrap();
    let known = queue.lease(10, HOUR, &routes()).await.unwrap();
    assert_eq!(known.iter().map(id_of).collect::<Vec<_>>(), ["e"]);
    assert!(queue.lease(10, HOUR, &routes()).await.unwrap().is_empty());
    let newer = queue
        .lease(10, HOUR, &["newer".to_owned(), "events".to_owned()])
        .await
        .unwrap();
    assert_eq!(newer.iter().map(id_of).collect::<Vec<_>>(), ["n"]);
    assert_eq!(newer[0].route, "newer");
}

/// A heartbeat keeps a lease past its first deadline; a lease that expired (whether or not
/// another worker took the event since) cannot be extended, and the new holder's can.
async fn heartbeats_extend_only_held_leases(store: &Store) {
    let queue = store.open(100).await;
    queue.enqueue(event("h")).await.unwrap();
    let short = Duration::from_millis(400);
    let held = queue.lease(1, short, &routes()).await.unwrap().remove(0);
    queue.extend(&held.lease, HOUR).await.unwrap();
    tokio::time::sleep(short + Duration::from_millis(200)).await;
    assert!(
        queue.lease(1, HOUR, &routes()).await.unwrap().is_empty(),
        "extended: still held"
    );
    queue.release(held.lease).await.unwrap();

    let lapsed = queue
        .lease(1, Duration::ZERO, &routes())
        .await
        .unwrap()
        .remove(0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let lost = |r: Result<(), QueueError>| matches!(r, Err(QueueError::LeaseLost(_)));
    assert!(lost(queue.extend(&lapsed.lease, HOUR).await), "expired");
    let taker = lease_all(queue.as_ref(), 1).await.remove(0);
    assert!(lost(queue.extend(&lapsed.lease, HOUR).await), "taken");
    queue.extend(&taker.lease, HOUR).await.unwrap();
    queue.ack(taker.lease.clone()).await.unwrap();
    assert!(lost(queue.extend(&taker.lease, HOUR).await), "settled");
}

/// Runs every case, each on a store of its own from `store`.
async fn conforms(mut store: impl AsyncFnMut(&str) -> Store) {
    events_survive_a_reopen_and_lost_leases_come_back(&store("reopen").await).await;
    dedupe_is_atomic(&store("dedupe").await).await;
    a_stale_lease_cannot_settle(&store("stale").await).await;
    the_capacity_refuses_without_storing(&store("capacity").await).await;
    retries_wait_for_their_time(&store("retries").await).await;
    dead_letters_replay(&store("dead").await).await;
    stored_headers_follow_the_event(&store("headers").await).await;
    the_work_signal_fires(&store("signal").await).await;
    leases_take_only_known_routes(&store("routes").await).await;
    heartbeats_extend_only_held_leases(&store("heartbeat").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_queue_conforms() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().to_owned();
    conforms(async |case| Store::Redb(root.join(format!("{case}.redb")))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_queue_conforms() {
    let Some(server) = postgres_server::PostgresServer::start() else {
        return;
    };
    conforms(async |case| Store::Postgres(server.database(case).await)).await;
}

/// A fleet's queue is named by its URL; another scheme, or a database that does not answer, is
/// an error that says so rather than a receiver without a queue.
#[tokio::test]
async fn a_queue_is_connected_by_its_url() {
    let options = QueueOptions::default();
    let Err(refused) = asyncgen_runtime::queue::connect("redis://127.0.0.1/0", options).await
    else {
        panic!("not a queue URL")
    };
    assert!(refused.to_string().contains("postgres://"), "{refused}");
    let Some(server) = postgres_server::PostgresServer::start() else {
        return;
    };
    let url = server.database("by_url").await;
    let direct = PostgresQueue::connect(&url, QueueOptions::with_capacity(7))
        .await
        .expect("connected");
    assert_eq!(format!("{direct:?}"), "PostgresQueue { capacity: 7, .. }");
    drop(direct);
    let queue =
        asyncgen_runtime::queue::connect(&url.replace("postgres://", "postgresql://"), options)
            .await
            .expect("connected");
    queue.enqueue(event("u")).await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 1);
    // The queue listens on a connection of its own, closed with its last handle.
    let listening = async || {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        let driver = tokio::spawn(connection);
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'",
                &[],
            )
            .await
            .expect("count")
            .get(0);
        drop(client);
        let _ = driver.await;
        n
    };
    let mut seen = 0;
    for _ in 0..100 {
        seen = listening().await;
        if seen == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 1, "one listener while the queue is open");
    drop(queue);
    for _ in 0..100 {
        seen = listening().await;
        if seen == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 0, "the listener closed with the queue");
    drop(server);
    assert!(
        asyncgen_runtime::queue::connect(&url, options)
            .await
            .is_err(),
        "a stopped database"
    );
}

/// The database stopped and started again: calls in between fail (a receiver answers 5xx and
/// the provider retries), then the same queue works again without a restart, its listener
/// reconnected, so an enqueue wakes idle workers again; nothing committed before is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_queue_survives_a_database_restart() {
    let Some(server) = postgres_server::PostgresServer::start() else {
        return;
    };
    let url = server.database("restart").await;
    let queue = PostgresQueue::connect(&url, QueueOptions::default())
        .await
        .expect("connected");
    queue.enqueue(event("before")).await.unwrap();
    server.stop(true);
    assert!(
        queue.enqueue(event("during")).await.is_err(),
        "no database, no 2xx"
    );
    server.restart();
    let mut signal = queue.work_signal();
    let mut stored = false;
    for _ in 0..(LIMIT.as_millis() / 100) {
        signal.mark_seen();
        if queue.enqueue(event("after")).await.is_ok() {
            stored = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stored, "the queue works again after the restart");
    // The listener reconnects on its own; once it has, every enqueue wakes the workers.
    let mut woke = false;
    for n in 0..(LIMIT.as_millis() / 200) {
        signal.mark_seen();
        queue.enqueue(event(&format!("wake{n}"))).await.unwrap();
        if tokio::time::timeout(Duration::from_millis(200), signal.changed())
            .await
            .is_ok()
        {
            woke = true;
            break;
        }
    }
    assert!(woke, "the listener reconnected");
    let held = lease_all(&queue, 2).await;
    let ids: HashSet<String> = held.iter().map(id_of).collect();
    assert!(ids.contains("before") && ids.contains("after"), "{ids:?}");
}
