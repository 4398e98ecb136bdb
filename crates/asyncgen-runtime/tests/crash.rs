//! A receiver process killed with SIGKILL while requests arrive and events are queued and
//! in flight: after a restart on the same data directory, every event that was answered 2xx is
//! handled.
//!
//! Delivery is at-least-once. An event whose handler finished but whose ack had not reached the
//! store when the process died is handled again after the restart. A worker waits for its ack
//! before taking the next event, so there are at most as many such events as workers: the test
//! counts duplicates and holds them to that bound.
//!
//! The receiver runs in a child process: this test binary itself, started with the ignored
//! test `crash_child` selected, which serves until it is killed. It records each handled id by
//! appending a line to a file and syncing it before the handler returns.

#![cfg(all(feature = "receiver", feature = "sender"))]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen_runtime::receiver::{
    DecodeError, Endpoint, EventHeaders, HandlerError, Receiver, Reply, Route, Verifier,
};
use asyncgen_runtime::sender::{DeliveryPolicy, Sender, Signer};
use asyncgen_runtime::{Scheme, Secret, Secrets, Security, SignatureEncoding, SignatureScheme};
use tokio_util::sync::CancellationToken;

const DIR_ENV: &str = "ASYNCGEN_RUNTIME_CRASH_DIR";
/// Set in the first child: handlers after this many hang, so that events stay leased and
/// queued until the kill.
const STALL_ENV: &str = "ASYNCGEN_RUNTIME_CRASH_STALL_AFTER";
const WORKERS: usize = 4;
const EVENTS: usize = 300;
const KILL_AFTER_ACCEPTED: usize = 200;

const HEX: Security = Security::new(
    "webhookSignature",
    Scheme::Signature(SignatureScheme::new(
        "X-Webhook-Signature",
        SignatureEncoding::Hex,
    )),
);

#[derive(serde::Deserialize)]
struct Event {
    id: String,
}

/// Appends each handled id to `handled.log` and syncs it before returning.
struct Recording {
    log: Arc<Mutex<std::fs::File>>,
    calls: AtomicUsize,
    stall_after: Option<usize>,
}

impl Endpoint for Recording {
    type Event = Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    async fn handle(&self, event: Event) -> Result<Reply, HandlerError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.stall_after.is_some_and(|n| call >= n) {
            std::future::pending::<()>().await;
        }
        let log = self.log.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut file = log.lock().unwrap();
            file.write_all(format!("{}\n", event.id).as_bytes())?;
            file.sync_data()
        })
        .await??;
        Ok(Reply::none())
    }
}

/// The child: a receiver on the data directory named by `DIR_ENV`, serving until killed (or
/// until its parent's end of stdin closes, or a minute passes, so that it never outlives a
/// failed test).
#[test]
#[ignore = "the child process of `answered_events_are_handled_after_sigkill`, which runs it"]
fn crash_child() {
    let Ok(dir) = std::env::var(DIR_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::thread::spawn(|| {
        let _ = std::io::stdin().read(&mut [0u8; 1]);
        std::process::exit(0);
    });
    let stall_after = std::env::var(STALL_ENV).ok().map(|n| n.parse().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("handled.log"))
            .unwrap();
        let endpoint = Recording {
            log: Arc::new(Mutex::new(log)),
            calls: AtomicUsize::new(0),
            stall_after,
        };
        let verifier = Verifier::new(HEX, Some(Secrets::single("crash-key").unwrap())).unwrap();
        let receiver = Receiver::builder()
            .route(Route::new("events", "/events", verifier, endpoint))
            .data_dir(dir.join("data"))
            .workers(WORKERS)
            .poll_interval(Duration::from_millis(20))
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        std::fs::write(dir.join("port.tmp"), port.to_string()).unwrap();
        std::fs::rename(dir.join("port.tmp"), dir.join("port")).unwrap();
        let shutdown = CancellationToken::new();
        let deadline = shutdown.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            deadline.cancel();
        });
        receiver.serve(listener, shutdown).await.unwrap();
    });
}

/// A child process, killed (SIGKILL) when dropped.
struct ChildProcess(Child);

impl ChildProcess {
    fn start(dir: &Path, stall_after: Option<usize>) -> (ChildProcess, u16) {
        let _ = std::fs::remove_file(dir.join("port"));
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_ENV, dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        if let Some(n) = stall_after {
            command.env(STALL_ENV, n.to_string());
        }
        let child = ChildProcess(command.spawn().unwrap());
        for _ in 0..3000 {
            if let Ok(port) = std::fs::read_to_string(dir.join("port")) {
                return (child, port.parse().unwrap());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the child receiver did not start within 30 s");
    }

    fn kill(&mut self) {
        // `Child::kill` is SIGKILL on unix: no destructor, no flush, no graceful anything.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Handled ids and how often each was handled.
fn handled(dir: &Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(dir.join("handled.log")).unwrap_or_default();
    let mut counts = BTreeMap::new();
    // A line without its newline cannot exist (each is one write), but would not count.
    for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
        *counts.entry(line.trim_end().to_owned()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn answered_events_are_handled_after_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let (mut first, port) = ChildProcess::start(dir, Some(20));
    let accepted = Arc::new(Mutex::new(BTreeSet::new()));
    runtime.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let signer = Signer::new(HEX, Some(Secret::new("crash-key").unwrap())).unwrap();
            let sender = Sender::new(
                &format!("http://127.0.0.1:{port}/events"),
                signer,
                DeliveryPolicy::new(Duration::from_secs(5), &[]),
            )
            .unwrap();
            let (next, accepted) = (next.clone(), accepted.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= EVENTS {
                        break;
                    }
                    let id = format!("event-{n}");
                    let body = format!(r#"{{"id":"{id}"}}"#);
                    // Requests in flight at the kill fail; only a 2xx is a promise.
                    if sender.send(body.as_bytes()).await.is_ok() {
                        accepted.lock().unwrap().insert(id);
                    }
                }
            }));
        }
        // Kill while requests are still arriving, with events queued and leased.
        for _ in 0..3000 {
            if accepted.lock().unwrap().len() >= KILL_AFTER_ACCEPTED {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        first.kill();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() >= KILL_AFTER_ACCEPTED,
        "only {} accepted",
        accepted.len()
    );
    let before_restart = handled(dir);

    let (mut second, _) = ChildProcess::start(dir, None);
    for _ in 0..3000 {
        if accepted.iter().all(|id| handled(dir).contains_key(id)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    second.kill();

    let after = handled(dir);
    let missing: Vec<_> = accepted
        .iter()
        .filter(|id| !after.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "answered 2xx but never handled: {missing:?}"
    );
    let sent: BTreeSet<String> = (0..EVENTS).map(|n| format!("event-{n}")).collect();
    assert!(after.keys().all(|id| sent.contains(id)));
    let duplicates: usize = after.values().map(|n| n - 1).sum();
    eprintln!(
        "sent {EVENTS}, answered 2xx {}, handled before the kill {}, handled in all {}, handled twice {duplicates}",
        accepted.len(),
        before_restart.len(),
        after.len(),
    );
    assert!(
        before_restart.len() < accepted.len(),
        "the kill found nothing queued: the test proved nothing"
    );
    assert!(
        duplicates <= WORKERS,
        "{duplicates} events handled twice; at most one per worker may be"
    );
}
