//! Queued delivery: events accepted before a restart handled after it, retries into the dead
//! letters and replay out of them, the full queue's 503, deduplication (concurrent copies
//! included), one worker per event, wake-ups, graceful shutdown, and a load of 10,000 requests
//! over 50 connections. The store's own guarantees are in `store.rs`.

#![cfg(all(feature = "receiver", feature = "sender"))]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use asyncgen_runtime::queue::QueueOptions;
use asyncgen_runtime::receiver::{
    DecodeError, Dedupe, Delivery, Endpoint, EventHeaders, HandlerError, Receiver, ReceiverBuilder,
    Reply, RetryPolicy, Route, Verifier,
};
use asyncgen_runtime::sender::{DeliveryPolicy, Sender, Signer};
use asyncgen_runtime::{Scheme, Secret, Secrets, Security, SignatureEncoding, SignatureScheme};
use common::{Counting, Running, client, wait_until};
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

const LIMIT: Duration = Duration::from_secs(30);
const HOUR: Duration = Duration::from_secs(3600);

const HEX: Security = Security::new(
    "webhookSignature",
    Scheme::Signature(SignatureScheme::new(
        "X-Webhook-Signature",
        SignatureEncoding::Hex,
    )),
);

/// Fast retries without jitter, so that tests take milliseconds.
const QUICK: RetryPolicy = RetryPolicy::DEFAULT
    .with_max_attempts(3)
    .with_delays(Duration::from_millis(5), Duration::from_millis(20))
    .with_jitter(false);

fn builder(dir: &std::path::Path, counting: &Counting) -> ReceiverBuilder {
    Receiver::builder()
        .route(Route::new(
            "events",
            "/events",
            Verifier::insecure_no_verification(),
            counting.clone(),
        ))
        .data_dir(dir)
        .retry(QUICK)
        .poll_interval(Duration::from_millis(10))
}

async fn post(url: &str, body: String) -> reqwest::Response {
    client()
        .post(format!("{url}/events"))
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn events_accepted_before_a_restart_are_handled_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let counting = Counting::new();
    {
        let receiver = builder(dir.path(), &counting).build().unwrap();
        let running = Running::routes_only(&receiver).await;
        for n in 0..10 {
            let r = post(&running.url, format!(r#"{{"id":"r{n}"}}"#)).await;
            assert_eq!(r.status(), StatusCode::ACCEPTED);
        }
        running.stop().await;
        assert_eq!(counting.calls(), 0);
    } // every handle on the store is dropped here

    let receiver = builder(dir.path(), &counting).build().unwrap();
    let shutdown = CancellationToken::new();
    let workers = receiver.spawn_workers(shutdown.clone());
    wait_until("the queued events to be handled", LIMIT, async || {
        counting.distinct() == 10
    })
    .await;
    wait_until("the acks", LIMIT, async || {
        receiver.queue().unwrap().pending().await.unwrap() == 0
    })
    .await;
    shutdown.cancel();
    workers.join().await;
    assert_eq!(counting.total(), 10);
}

#[tokio::test]
async fn failing_handler_retries_then_dead_letters_then_replays() {
    let dir = tempfile::tempdir().unwrap();
    let counting = Counting::new();
    counting.fail.store(true, Ordering::SeqCst);
    let receiver = builder(dir.path(), &counting).workers(2).build().unwrap();
    let running = Running::start(&receiver).await;

    let r = post(&running.url, r#"{"id":"d1"}"#.into()).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    wait_until("a dead letter", LIMIT, async || {
        receiver.list_dead_letters().await.unwrap().len() == 1
    })
    .await;
    let dead = receiver.list_dead_letters().await.unwrap().remove(0);
    assert_eq!(dead.attempts, QUICK.max_attempts);
    assert_eq!(counting.calls(), QUICK.max_attempts);
    assert_eq!(dead.route, "events");
    assert_eq!(dead.payload.as_ref(), br#"{"id":"d1"}"#);
    assert!(
        dead.error.contains("downstream unavailable"),
        "{}",
        dead.error
    );
    assert_eq!(receiver.queue().unwrap().pending().await.unwrap(), 0);
    assert_eq!(counting.count("d1"), 0);

    // Fixed: replay it.
    counting.fail.store(false, Ordering::SeqCst);
    assert!(receiver.replay_dead_letter(&dead.id).await.unwrap());
    assert!(!receiver.replay_dead_letter(&dead.id).await.unwrap());
    wait_until("the replayed event to be handled", LIMIT, async || {
        counting.count("d1") == 1
    })
    .await;
    assert!(receiver.list_dead_letters().await.unwrap().is_empty());

    // A permanent failure skips the retries; replay-all brings it back.
    counting.fail_permanently.store(true, Ordering::SeqCst);
    let before = counting.calls();
    post(&running.url, r#"{"id":"d2"}"#.into()).await;
    post(&running.url, r#"{"id":"d3"}"#.into()).await;
    wait_until("two dead letters", LIMIT, async || {
        receiver.list_dead_letters().await.unwrap().len() == 2
    })
    .await;
    assert_eq!(counting.calls() - before, 2);
    assert!(
        receiver
            .list_dead_letters()
            .await
            .unwrap()
            .iter()
            .all(|d| d.attempts == 1)
    );
    counting.fail_permanently.store(false, Ordering::SeqCst);
    assert_eq!(receiver.replay_all_dead_letters().await.unwrap(), 2);
    wait_until("the replayed events", LIMIT, async || {
        counting.count("d2") == 1 && counting.count("d3") == 1
    })
    .await;
    running.stop().await;
    assert_eq!(counting.count("d1"), 1);
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let counting = Counting::new();
    let receiver = Receiver::builder()
        .route(
            Route::new(
                "events",
                "/events",
                Verifier::insecure_no_verification(),
                counting.clone(),
            )
            .with_dedupe(Dedupe::pointer("/id")),
        )
        .data_dir_with(dir.path(), QueueOptions::with_capacity(3))
        .retry_after(Duration::from_secs(42))
        .build()
        .unwrap();
    let running = Running::routes_only(&receiver).await;
    for n in 0..3 {
        let r = post(&running.url, format!(r#"{{"id":"f{n}"}}"#)).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let full = post(&running.url, r#"{"id":"f3"}"#.into()).await;
    assert_eq!(full.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(full.headers()["retry-after"], "42");
    // A copy of a stored event is still acknowledged: it needs no room.
    let copy = post(&running.url, r#"{"id":"f0"}"#.into()).await;
    assert_eq!(copy.status(), StatusCode::ACCEPTED);
    // The refused event was not remembered as seen: once there is room it is accepted.
    running.stop().await;
    let shutdown = CancellationToken::new();
    let workers = receiver.spawn_workers(shutdown.clone());
    wait_until("room in the queue", LIMIT, async || {
        receiver.queue().unwrap().pending().await.unwrap() == 0
    })
    .await;
    let running = Running::routes_only(&receiver).await;
    let r = post(&running.url, r#"{"id":"f3"}"#.into()).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    wait_until("f3", LIMIT, async || counting.count("f3") == 1).await;
    running.stop().await;
    shutdown.cancel();
    workers.join().await;
}

#[tokio::test]
async fn concurrent_duplicates_are_handled_once() {
    let dir = tempfile::tempdir().unwrap();
    let counting = Counting::new();
    let receiver = Receiver::builder()
        .route(
            Route::new(
                "events",
                "/events",
                Verifier::insecure_no_verification(),
                counting.clone(),
            )
            .with_dedupe(Dedupe::header("X-Delivery-Id")),
        )
        .route(
            Route::new(
                "by-payload",
                "/by-payload",
                Verifier::insecure_no_verification(),
                counting.clone(),
            )
            .with_dedupe(Dedupe::pointer("/id").with_ttl(Duration::from_millis(50))),
        )
        .data_dir(dir.path())
        .poll_interval(Duration::from_millis(10))
        .build()
        .unwrap();
    let running = Running::start(&receiver).await;
    let c = client();

    // 20 copies of each of 5 deliveries, all in flight at once.
    let mut tasks = Vec::new();
    for copy in 0..20 {
        for n in 0..5 {
            let (c, url) = (c.clone(), running.url.clone());
            tasks.push(tokio::spawn(async move {
                c.post(format!("{url}/events"))
                    .header("X-Delivery-Id", format!("delivery-{n}"))
                    // The payload differs per copy: the header alone identifies the delivery.
                    .body(format!(r#"{{"id":"dup{n}","copy":{copy}}}"#))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::ACCEPTED);
    }
    wait_until("the deliveries to be handled", LIMIT, async || {
        receiver.queue().unwrap().pending().await.unwrap() == 0
    })
    .await;
    for n in 0..5 {
        assert_eq!(counting.count(&format!("dup{n}")), 1);
    }
    // Without the header there is nothing to deduplicate by: both are handled.
    for _ in 0..2 {
        let r = c
            .post(format!("{}/events", running.url))
            .body(r#"{"id":"nokey"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    wait_until("both copies", LIMIT, async || counting.count("nokey") == 2).await;

    // By payload id, with a short TTL: copies within it are dropped, a copy after it is not.
    let send = async || {
        c.post(format!("{}/by-payload", running.url))
            .body(r#"{"id":"ttl"}"#)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(send().await, StatusCode::ACCEPTED);
    assert_eq!(send().await, StatusCode::ACCEPTED);
    wait_until("the first copy", LIMIT, async || counting.count("ttl") == 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(send().await, StatusCode::ACCEPTED);
    wait_until("the copy after the TTL", LIMIT, async || {
        counting.count("ttl") == 2
    })
    .await;
    running.stop().await;
}

/// Counts the handler's entries, and holds each until the test opens the gate.
#[derive(Clone)]
struct Held {
    entries: Arc<std::sync::atomic::AtomicU32>,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Endpoint for Held {
    type Event = common::Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Self::Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    async fn handle(&self, _event: Self::Event) -> Result<Reply, HandlerError> {
        self.entries.fetch_add(1, Ordering::SeqCst);
        let _permit = self.gate.acquire().await?;
        Ok(Reply::none())
    }
}

/// While a worker handles an event its lease holds (its heartbeat extends it), and through the
/// shutdown grace, so no other worker leases the event meanwhile: an event is handled by one
/// worker at a time. In each receiver below a second worker polls while the first attempt is
/// held; a timed-out attempt is retried only an hour later, so however slow the machine, the
/// event is entered once.
#[tokio::test]
async fn an_event_being_handled_is_not_leased_again() {
    // A grace almost as long as the handler timeout, then a poll interval more than half of it.
    let settings = [
        (Duration::from_millis(1900), Duration::from_millis(10)),
        (Duration::from_millis(10), Duration::from_millis(1200)),
    ];
    let mut running = Vec::new();
    for (grace, poll) in settings {
        let dir = tempfile::tempdir().unwrap();
        let endpoint = Held {
            entries: Default::default(),
            gate: Arc::new(tokio::sync::Semaphore::new(0)),
        };
        let receiver = Receiver::builder()
            .route(Route::new(
                "events",
                "/events",
                Verifier::insecure_no_verification(),
                endpoint.clone(),
            ))
            .data_dir(dir.path())
            .workers(2)
            .handler_timeout(Duration::from_secs(2))
            .shutdown_grace(grace)
            .poll_interval(poll)
            .retry(
                RetryPolicy::DEFAULT
                    .with_delays(HOUR, HOUR)
                    .with_jitter(false),
            )
            .build()
            .unwrap();
        let served = Running::start(&receiver).await;
        let r = post(&served.url, r#"{"id":"held"}"#.into()).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        running.push((dir, endpoint, served));
    }
    for (_, endpoint, _) in &running {
        wait_until("the first attempt", LIMIT, async || {
            endpoint.entries.load(Ordering::SeqCst) > 0
        })
        .await;
    }
    // Long enough for the idle worker of either receiver to have polled while the attempt is
    // held.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    for (_, endpoint, served) in running {
        assert_eq!(endpoint.entries.load(Ordering::SeqCst), 1);
        endpoint.gate.add_permits(1000);
        served.stop().await;
    }
}

/// Fails the first attempt at each event: for good when its id starts with `dead`.
#[derive(Clone, Default)]
struct FirstFails {
    tried: Arc<std::sync::Mutex<HashSet<String>>>,
    done: Counting,
}

impl Endpoint for FirstFails {
    type Event = common::Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Self::Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    async fn handle(&self, event: Self::Event) -> Result<Reply, HandlerError> {
        if self.tried.lock().unwrap().insert(event.id.clone()) {
            return Err(if event.id.starts_with("dead") {
                HandlerError::permanent("first attempt")
            } else {
                HandlerError::msg("first attempt")
            });
        }
        self.done.handle(event).await
    }
}

/// Workers are woken when an event is stored, when a failed attempt is due again at once, and
/// when a dead letter is replayed, not only by their poll timer (an hour here).
#[tokio::test]
async fn workers_wake_when_work_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = FirstFails::default();
    let receiver = Receiver::builder()
        .route(Route::new(
            "events",
            "/events",
            Verifier::insecure_no_verification(),
            endpoint.clone(),
        ))
        .data_dir(dir.path())
        .workers(1)
        .poll_interval(HOUR)
        .retry(
            RetryPolicy::DEFAULT
                .with_max_attempts(2)
                .with_delays(Duration::ZERO, Duration::ZERO)
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let running = Running::start(&receiver).await;

    post(&running.url, r#"{"id":"retried"}"#.into()).await;
    wait_until("the retry", LIMIT, async || {
        endpoint.done.count("retried") == 1
    })
    .await;

    post(&running.url, r#"{"id":"dead"}"#.into()).await;
    wait_until("the dead letter", LIMIT, async || {
        receiver.list_dead_letters().await.unwrap().len() == 1
    })
    .await;
    assert_eq!(receiver.replay_all_dead_letters().await.unwrap(), 1);
    wait_until("the replay", LIMIT, async || {
        endpoint.done.count("dead") == 1
    })
    .await;
    running.stop().await;
}

/// A failed attempt is due again only after its retry delay: with an hour's delay, the event
/// stays stored and nothing can lease it.
#[tokio::test]
async fn a_failed_attempt_waits_for_its_delay() {
    let dir = tempfile::tempdir().unwrap();
    let counting = Counting::new();
    counting.fail.store(true, Ordering::SeqCst);
    let receiver = builder(dir.path(), &counting)
        .retry(
            RetryPolicy::DEFAULT
                .with_delays(HOUR, HOUR)
                .with_jitter(false),
        )
        .build()
        .unwrap();
    let running = Running::start(&receiver).await;
    post(&running.url, r#"{"id":"later"}"#.into()).await;
    wait_until("the first attempt", LIMIT, async || counting.calls() == 1).await;
    running.stop().await; // waits for the worker to record the failure
    let queue = receiver.queue().unwrap();
    assert_eq!(queue.pending().await.unwrap(), 1);
    assert!(
        queue
            .lease(10, Duration::from_secs(600), &["events".to_owned()])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(counting.calls(), 1);
}

/// Waits on a gate that only the test opens, to hold a handler mid-flight.
struct Gated {
    entered: Arc<tokio::sync::Notify>,
    gate: Arc<tokio::sync::Semaphore>,
    done: Counting,
}

impl Endpoint for Gated {
    type Event = common::Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Self::Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    async fn handle(&self, event: Self::Event) -> Result<Reply, HandlerError> {
        self.entered.notify_one();
        let _permit = self.gate.acquire().await?;
        self.done.handle(event).await
    }
}

#[tokio::test]
async fn shutdown_returns_an_unfinished_event_to_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let entered = Arc::new(tokio::sync::Notify::new());
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let done = Counting::new();
    let endpoint = Gated {
        entered: entered.clone(),
        gate: gate.clone(),
        done: done.clone(),
    };
    let receiver = Receiver::builder()
        .route(Route::new(
            "events",
            "/events",
            Verifier::insecure_no_verification(),
            endpoint,
        ))
        .data_dir(dir.path())
        .shutdown_grace(Duration::from_millis(20))
        .build()
        .unwrap();
    let running = Running::start(&receiver).await;
    assert_eq!(
        post(&running.url, r#"{"id":"g1"}"#.into()).await.status(),
        StatusCode::ACCEPTED
    );
    entered.notified().await; // the handler is running, and stays so
    running.stop().await; // cancels; the grace passes; the lease is released
    assert_eq!(done.calls(), 0);
    assert_eq!(receiver.queue().unwrap().pending().await.unwrap(), 1);

    // Restarted (same queue), with the gate open: the event is handled.
    gate.add_permits(1000);
    let shutdown = CancellationToken::new();
    let workers = receiver.spawn_workers(shutdown.clone());
    wait_until("the released event", LIMIT, async || done.count("g1") == 1).await;
    wait_until("its ack", LIMIT, async || {
        receiver.queue().unwrap().pending().await.unwrap() == 0
    })
    .await;
    shutdown.cancel();
    workers.join().await;
}

/// 10,000 signed requests over 50 concurrent connections: every one answered 2xx, every event
/// handled exactly once; then the same with one request in five a copy of another, sent
/// concurrently with it, deduplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_10k_requests_50_connections() {
    const REQUESTS: usize = 10_000;
    const CONNECTIONS: usize = 50;

    for with_dupes in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let counting = Counting::new();
        let mut route = Route::new(
            "events",
            "/events",
            Verifier::new(HEX, Some(Secrets::single("load-key").unwrap())).unwrap(),
            counting.clone(),
        );
        if with_dupes {
            route = route.with_dedupe(Dedupe::pointer("/id"));
        }
        let receiver = Receiver::builder()
            .route(route)
            .data_dir(dir.path())
            .workers(8)
            .poll_interval(Duration::from_millis(20))
            .build()
            .unwrap();
        let running = Running::start(&receiver).await;

        // Each connection gets its own client with one pooled connection.
        let unique = if with_dupes {
            REQUESTS * 4 / 5
        } else {
            REQUESTS
        };
        let mut tasks = Vec::new();
        for conn in 0..CONNECTIONS {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let signer = Signer::new(HEX, Some(Secret::new("load-key").unwrap())).unwrap();
            let sender = Sender::with_client(
                http,
                &format!("{}/events", running.url),
                signer,
                DeliveryPolicy::new(Duration::from_secs(30), &[]),
            )
            .unwrap();
            tasks.push(tokio::spawn(async move {
                let mut ok = 0;
                for i in (conn..REQUESTS).step_by(CONNECTIONS) {
                    // With dupes, every fifth request repeats the previous one, which the
                    // neighbouring connection sends at the same moment.
                    let id = if with_dupes && i % 5 == 4 { i - 1 } else { i };
                    let body = format!(r#"{{"id":"e{id}"}}"#);
                    let delivered = sender.send(body.as_bytes()).await.unwrap();
                    assert!(delivered.status.is_success());
                    ok += 1;
                }
                ok
            }));
        }
        let mut answered = 0;
        for t in tasks {
            answered += t.await.unwrap();
        }
        assert_eq!(answered, REQUESTS);
        wait_until(
            "every event to be handled",
            Duration::from_secs(60),
            async || receiver.queue().unwrap().pending().await.unwrap() == 0,
        )
        .await;
        running.stop().await;
        assert_eq!(counting.distinct(), unique, "dupes: {with_dupes}");
        let seen = counting.seen.lock().unwrap();
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
        assert!(twice.is_empty(), "handled more than once: {twice:?}");
    }
}

/// An event's id and the event-type header its decoder read.
type Typed = (String, Option<String>);

/// Records each event with the event-type header its decoder read.
#[derive(Clone, Default)]
struct ByHeader {
    seen: Arc<std::sync::Mutex<Vec<Typed>>>,
}

impl Endpoint for ByHeader {
    type Event = Typed;
    const HEADERS: &'static [&'static str] = &["X-Event-Type"];

    fn decode(&self, payload: &[u8], headers: &EventHeaders) -> Result<Self::Event, DecodeError> {
        let event: common::Event = serde_json::from_slice(payload)?;
        // Only the declared header is kept: others never reach a decoder.
        assert_eq!(headers.get("x-other"), None);
        Ok((event.id, headers.get("x-event-type").map(str::to_owned)))
    }

    async fn handle(&self, event: Self::Event) -> Result<Reply, HandlerError> {
        self.seen.lock().unwrap().push(event);
        Ok(Reply::none())
    }
}

/// A decoder that dispatches by a header sees that header in direct delivery, and in queued
/// delivery after the event was stored and the receiver restarted; an event sent without it
/// is decoded without it.
#[tokio::test]
async fn the_headers_a_decoder_reads_are_stored_with_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = ByHeader::default();
    let build = |delivery: Delivery| {
        Receiver::builder()
            .route(Route::new(
                "events",
                "/events",
                Verifier::insecure_no_verification(),
                endpoint.clone(),
            ))
            .data_dir(dir.path())
            .delivery(delivery)
            .poll_interval(Duration::from_millis(10))
            .build()
            .unwrap()
    };
    let send = |url: String, id: &'static str, kind: Option<&'static str>| async move {
        let mut request = client()
            .post(format!("{url}/events"))
            .header("X-Other", "ignored")
            .body(format!(r#"{{"id":"{id}"}}"#));
        if let Some(kind) = kind {
            request = request.header("x-EVENT-type", kind);
        }
        request.send().await.unwrap().status()
    };

    let direct = Running::start(&build(Delivery::Direct)).await;
    assert_eq!(
        send(direct.url.clone(), "d1", Some("created")).await,
        StatusCode::NO_CONTENT
    );
    direct.stop().await;

    {
        let receiver = build(Delivery::Queued);
        let running = Running::routes_only(&receiver).await;
        assert_eq!(
            send(running.url.clone(), "q1", Some("deleted")).await,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            send(running.url.clone(), "q2", None).await,
            StatusCode::ACCEPTED
        );
        running.stop().await;
    }
    let running = Running::start(&build(Delivery::Queued)).await;
    wait_until("both queued events handled", LIMIT, async || {
        endpoint.seen.lock().unwrap().len() == 3
    })
    .await;
    running.stop().await;
    let mut seen = endpoint.seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("d1".to_owned(), Some("created".to_owned())),
            ("q1".to_owned(), Some("deleted".to_owned())),
            ("q2".to_owned(), None),
        ]
    );
}

/// Answers each event with a TwiML reply, except the id `quiet`, which gets none, and `later`,
/// whose provider reads no reply.
#[derive(Clone, Default)]
struct Answering {
    calls: Arc<std::sync::atomic::AtomicU32>,
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Twiml {
    #[serde(rename = "Say")]
    say: String,
}

impl Endpoint for Answering {
    type Event = common::Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Self::Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    /// The id `later` is an event without a reply, queued as any other.
    fn replies(&self, event: &Self::Event) -> bool {
        event.id != "later"
    }

    async fn handle(&self, event: Self::Event) -> Result<Reply, HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if event.id == "quiet" {
            return Ok(Reply::none());
        }
        let twiml = Twiml {
            say: format!("Hello {}", event.id),
        };
        Reply::encode(
            asyncgen_runtime::ReplyFormat::Xml { root: "Response" },
            "application/xml",
            &twiml,
        )
    }
}

/// An event whose provider reads a reply is handled in the request even under queued delivery:
/// the reply comes back with 200 and its content type (no reply: 204), nothing is queued, and
/// the sender reads the reply typed, or says why it cannot; an event of the same route whose
/// provider reads none is queued.
#[tokio::test]
async fn an_event_whose_provider_reads_a_reply_is_answered_in_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Answering::default();
    let receiver = Receiver::builder()
        .route(Route::new(
            "calls",
            "/calls",
            Verifier::insecure_no_verification(),
            endpoint.clone(),
        ))
        .data_dir(dir.path())
        .build()
        .unwrap();
    // Routes only: were the event queued, nothing would handle it.
    let running = Running::routes_only(&receiver).await;
    let url = format!("{}/calls", running.url);
    let response = client()
        .post(&url)
        .body(r#"{"id":"ada"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/xml");
    assert_eq!(
        response.text().await.unwrap(),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello ada</Say></Response>"#
    );
    let quiet = client()
        .post(&url)
        .body(r#"{"id":"quiet"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(quiet.status(), StatusCode::NO_CONTENT);
    assert_eq!(endpoint.calls.load(Ordering::SeqCst), 2);
    let queue = receiver.queue().expect("queued delivery has a queue");
    assert_eq!(queue.pending().await.unwrap(), 0, "nothing was queued");
    let later = client()
        .post(&url)
        .body(r#"{"id":"later"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), StatusCode::ACCEPTED);
    assert_eq!(queue.pending().await.unwrap(), 1, "queued, not handled");
    assert_eq!(endpoint.calls.load(Ordering::SeqCst), 2);

    let sender = Sender::new(&url, Signer::plain(), DeliveryPolicy::default()).unwrap();
    let xml = asyncgen_runtime::ReplyFormat::Xml { root: "Response" };
    let replied = sender
        .send_json_for_reply::<_, Twiml>(
            &serde_json::json!({"id": "grace"}),
            &Default::default(),
            xml,
        )
        .await
        .unwrap();
    assert_eq!(replied.delivered.status, StatusCode::OK);
    assert_eq!(replied.reply.say, "Hello grace");
    let refused = sender
        .send_json_for_reply::<_, Twiml>(
            &serde_json::json!({"id": "quiet"}),
            &Default::default(),
            xml,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(refused, asyncgen_runtime::sender::SendError::Reply { status, .. } if status == StatusCode::NO_CONTENT),
        "{refused}"
    );
    running.stop().await;
}

/// Counts entries; each handling takes `for_` (longer than the lease).
#[derive(Clone)]
struct Slow {
    entries: Arc<std::sync::atomic::AtomicU32>,
    done: Arc<std::sync::atomic::AtomicU32>,
    for_: Duration,
}

impl Endpoint for Slow {
    type Event = common::Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Self::Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    async fn handle(&self, _event: Self::Event) -> Result<Reply, HandlerError> {
        self.entries.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.for_).await;
        self.done.fetch_add(1, Ordering::SeqCst);
        Ok(Reply::none())
    }
}

/// A handler that runs for several leases keeps its event: its worker's heartbeat extends the
/// lease, so the idle worker, polling all the while, never takes it; and a lease that does
/// not outlast the shutdown grace, or is too short for three heartbeats, is refused at build.
#[tokio::test]
async fn a_heartbeat_keeps_a_long_handlers_event() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Slow {
        entries: Default::default(),
        done: Default::default(),
        for_: Duration::from_millis(1500),
    };
    let builder = || {
        Receiver::builder()
            .route(Route::new(
                "events",
                "/events",
                Verifier::insecure_no_verification(),
                endpoint.clone(),
            ))
            .data_dir(dir.path())
            .workers(2)
            .lease(Duration::from_millis(300))
            .shutdown_grace(Duration::from_millis(100))
            .poll_interval(Duration::from_millis(10))
    };
    let refused = builder()
        .shutdown_grace(Duration::from_millis(300))
        .build()
        .expect_err("a lease within the grace");
    assert!(refused.to_string().contains("shutdown grace"), "{refused}");
    let refused = builder()
        .lease(Duration::from_millis(29))
        .shutdown_grace(Duration::ZERO)
        .build()
        .expect_err("a lease too short to keep");
    assert!(refused.to_string().contains("heartbeats"), "{refused}");
    let receiver = builder().build().unwrap();
    let served = Running::start(&receiver).await;
    let r = post(&served.url, r#"{"id":"long"}"#.into()).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    wait_until("the handler to finish", LIMIT, async || {
        endpoint.done.load(Ordering::SeqCst) == 1
    })
    .await;
    served.stop().await;
    assert_eq!(
        endpoint.entries.load(Ordering::SeqCst),
        1,
        "entered once, though it ran for five leases"
    );
}
