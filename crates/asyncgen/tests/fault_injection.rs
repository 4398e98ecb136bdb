//! Fault injection end to end: the scaffolded packages run as processes, as a user deploys
//! them, and the test breaks them mid-stream and counts.
//!
//! **Receiver** (Dialer.CX, HMAC-signed): 8 concurrent senders post 3,000 events, each
//! retried until it is answered 2xx, as the provider does. Meanwhile the receiver is stopped
//! with SIGTERM and restarted; its handler is stalled (nobody reads its stdout) until its
//! 64-event queue is full and it answers 503; then it is killed with SIGKILL mid-stream, and
//! again while stalled with a full queue. Every event answered 202 must be handled. Before the
//! first SIGKILL nothing may be handled twice. A SIGKILL may cause repeats, because delivery is
//! at least once. An event whose handler finished, but whose completion was not yet stored, is
//! handled again. So is one stored whose 202 never reached the sender, which posts it again.
//! The repeats are counted and bounded by the workers and the requests in flight.
//!
//! **Client** (VoIPBIN, subscribed to a topic): its mock is killed with SIGKILL, stopped with
//! Ctrl-C, and restarted on the same port. The client must reconnect and restore its
//! subscription by itself every time. Each connection's events must be the mock's rounds in
//! order, nothing repeated. After a graceful stop, the client has printed exactly what the
//! mock published; after a kill, at most that plus the round it was killed in. Both counts are
//! read in an order the processes fix, not after a pause: the client's events and state changes
//! come through one pipe, and the mock's count is read once its output has ended.

mod common;

use common::{Reaped, lines, scaffold_and_build, spawn};

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use asyncgen_generated_tests::specs_dialer_cx_webhooks as dialer_cx;
use asyncgen_generated_tests::specs_voipbin_websocket as voipbin;
use asyncgen_runtime::Secret;
use asyncgen_runtime::sender::{AttemptError, DeliveryPolicy, SendError};
use serde_json::Value;

const EVENTS: usize = 3_000;
const SENDERS: usize = 8;
/// The scaffolded receiver's default (the runtime's default worker count).
const WORKERS: usize = 16;
const QUEUE_CAPACITY: &str = "64";
const SECRET: &str = "fault-injection-secret";

/// A free loopback port, so that a restarted process listens where the other side expects it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn signal(child: &Reaped, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name}");
}

/// Waits for the child to exit by itself; its exit status.
fn wait_exit(child: &mut Reaped, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the process did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `done` every 10 ms until it holds; fails the test after `within`.
fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The scaffolded receiver as a process that can be stopped, killed and started again on the
/// same port and data directory; what its handlers print is collected across restarts.
struct ReceiverProcess {
    binary: PathBuf,
    port: u16,
    data: tempfile::TempDir,
    child: Option<Reaped>,
    /// Every `call_id` a handler printed, in order, across every run.
    handled: Arc<Mutex<Vec<String>>>,
    /// While set, nobody reads the receiver's stdout: its handlers block on the full pipe.
    stalled: Arc<AtomicBool>,
}

impl ReceiverProcess {
    fn new(binary: PathBuf) -> ReceiverProcess {
        ReceiverProcess {
            binary,
            port: free_port(),
            data: tempfile::tempdir().expect("data dir"),
            child: None,
            handled: Arc::default(),
            stalled: Arc::default(),
        }
    }

    /// Starts the receiver; the URL it says it listens on.
    fn start(&mut self) -> String {
        self.stalled.store(false, Ordering::SeqCst);
        let mut child = Reaped(
            Command::new(&self.binary)
                .args(["--listen", &format!("127.0.0.1:{}", self.port)])
                .arg("--data-dir")
                .arg(self.data.path())
                .args(["--queue-capacity", QUEUE_CAPACITY])
                .env("WEBHOOK_SIGNATURE", SECRET)
                .env("RUST_LOG", "error")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start the receiver"),
        );
        let stderr = lines(child.0.stderr.take().expect("stderr"));
        let stdout = BufReader::new(child.0.stdout.take().expect("stdout"));
        let (handled, stalled) = (self.handled.clone(), self.stalled.clone());
        std::thread::spawn(move || {
            let mut stdout = stdout;
            let mut line = String::new();
            loop {
                while stalled.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                line.clear();
                match stdout.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                let id = v["payload"]["data"]["call_id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("no call_id: {line}"));
                handled.lock().expect("lock").push(id.to_owned());
            }
        });
        let url = loop {
            let line = stderr
                .recv_timeout(Duration::from_secs(30))
                .expect("the receiver says where it listens");
            if let Some(url) = line.strip_prefix("listening on ") {
                break url.to_owned();
            }
        };
        // Keep draining stderr so the receiver never blocks on it.
        std::thread::spawn(move || for _ in stderr {});
        self.child = Some(child);
        url
    }

    /// SIGTERM, as a service manager stops it: it must exit by itself, successfully.
    fn stop(&mut self) {
        let mut child = self.child.take().expect("running");
        signal(&child, "TERM");
        let status = wait_exit(&mut child, Duration::from_secs(30));
        assert!(
            status.success(),
            "after SIGTERM the receiver exits 0: {status}"
        );
    }

    /// SIGKILL: no chance to finish anything.
    fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.0.kill().expect("SIGKILL");
        child.0.wait().expect("wait");
    }

    fn handled(&self) -> Vec<String> {
        self.handled.lock().expect("lock").clone()
    }
}

/// What the senders saw.
#[derive(Default)]
struct Sent {
    acked: Mutex<Vec<String>>,
    acked_count: AtomicUsize,
    refused_full: AtomicUsize,
    unreachable: AtomicUsize,
}

/// Posts events `fi-0` … until `EVENTS` are answered 2xx, each retried every 20 ms until it is
/// (at most for two minutes), from `SENDERS` tasks.
async fn send_all(url: String, sent: Arc<Sent>) {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..SENDERS {
        let (url, sent, next) = (url.clone(), sent.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let sender = dialer_cx::sender::WebhookSender::with_policy(
                &url,
                Some(Secret::new(SECRET).expect("secret")),
                // A request that times out is posted again, and may then be handled twice: the
                // limit is for a receiver that hangs, never for a slow machine (a stopped or
                // killed receiver fails requests at once, a full one answers 503).
                DeliveryPolicy::new(Duration::from_secs(60), &[]),
            )
            .expect("sender");
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= EVENTS {
                    return;
                }
                let id = format!("fi-{i}");
                let event = dialer_cx::types::WebhookEvent::from_value(serde_json::json!({
                    "event": "call.started",
                    "timestamp": "2026-03-07T15:27:00Z",
                    "data": {"call_id": id, "agent": "jsmith", "phone_number": "5551234567"},
                }))
                .expect("a call.started event");
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    match sender.send(&event).await {
                        Ok(d) => {
                            assert_eq!(d.status, 202, "{id}: queued delivery answers 202");
                            sent.acked.lock().expect("lock").push(id.clone());
                            sent.acked_count.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        Err(SendError::Failed {
                            last: AttemptError::Status { status, .. },
                            ..
                        }) if status == 503 => {
                            sent.refused_full.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(SendError::Failed { last, .. }) if last.status().is_none() => {
                            sent.unreachable.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => panic!("{id}: refused for good: {e}"),
                    }
                    assert!(Instant::now() < deadline, "{id}: never accepted");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("sender task");
    }
}

fn duplicates(handled: &[String]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for id in handled {
        *counts.entry(id.clone()).or_insert(0usize) += 1;
    }
    counts.retain(|_, n| *n > 1);
    counts
}

#[test]
fn receiver_loses_nothing_answered_202_through_restarts_stalls_and_kills() {
    let (_keep, binary) = scaffold_and_build(
        "receiver",
        "specs/dialer-cx/webhooks.yml",
        "fault-dialer-cx-receiver",
    );
    let mut receiver = ReceiverProcess::new(binary);
    let url = receiver.start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let sent = Arc::new(Sent::default());
    let senders = rt.spawn(send_all(url, sent.clone()));
    let minute = Duration::from_secs(60);
    let more_acks = |n: usize| {
        let at = sent.acked_count.load(Ordering::SeqCst);
        wait_for("more acks", minute, || {
            sent.acked_count.load(Ordering::SeqCst) >= at + n
        });
    };
    // Stops reading the handlers' output until the queue is full and 20 requests were
    // answered 503; the events accepted meanwhile.
    let stall_until_full = |receiver: &ReceiverProcess| {
        let (acked, refused) = (
            sent.acked_count.load(Ordering::SeqCst),
            sent.refused_full.load(Ordering::SeqCst),
        );
        receiver.stalled.store(true, Ordering::SeqCst);
        wait_for("503s from a full queue", minute, || {
            sent.refused_full.load(Ordering::SeqCst) >= refused + 20
        });
        sent.acked_count.load(Ordering::SeqCst) - acked
    };

    // Graceful restart mid-stream.
    more_acks(200);
    receiver.stop();
    receiver.start();

    // A stalled handler: the queue fills, the receiver answers 503, the senders retry.
    more_acks(100);
    let accepted = stall_until_full(&receiver);
    eprintln!("receiver: first stall: {accepted} accepted before the queue was full");
    receiver.stalled.store(false, Ordering::SeqCst);

    // Another graceful restart once the backlog drains; until here nothing was killed, so
    // nothing may have been handled twice.
    more_acks(100);
    receiver.stop();
    let before_kills = receiver.handled();
    assert_eq!(
        duplicates(&before_kills),
        BTreeMap::new(),
        "handled twice without any crash"
    );
    receiver.start();

    // SIGKILL mid-stream.
    more_acks(150);
    receiver.kill();
    std::thread::sleep(Duration::from_millis(300));
    receiver.start();

    // SIGKILL while stalled with a full queue: stored events wait on disk for the restart.
    more_acks(100);
    let accepted = stall_until_full(&receiver);
    eprintln!("receiver: second stall: {accepted} accepted before the queue was full");
    receiver.kill();

    receiver.start();

    rt.block_on(senders).expect("senders");

    let acked_ids = sent.acked.lock().expect("lock").clone();
    assert_eq!(acked_ids.len(), EVENTS);
    let handled_all = |r: &ReceiverProcess| {
        let handled: std::collections::BTreeSet<String> = r.handled().into_iter().collect();
        acked_ids.iter().all(|id| handled.contains(id))
    };
    wait_for("every acked event handled", minute, || {
        handled_all(&receiver)
    });
    receiver.stop();

    let handled = receiver.handled();
    let repeats = duplicates(&handled);
    let repeated: usize = repeats.values().map(|n| n - 1).sum();
    eprintln!(
        "receiver: {} events answered 202, {} handler runs, {} repeated after the 2 SIGKILLs \
         ({} ids), {} answered 503 (queue full), {} attempts found it down",
        acked_ids.len(),
        handled.len(),
        repeated,
        repeats.len(),
        sent.refused_full.load(Ordering::SeqCst),
        sent.unreachable.load(Ordering::SeqCst),
    );
    let bound = 2 * (WORKERS + SENDERS);
    assert!(
        repeated <= bound,
        "{repeated} repeats after 2 kills (at most {bound}): {repeats:?}"
    );
    assert!(
        handled.iter().all(|id| acked_ids.contains(id)),
        "handled an event nobody sent"
    );
}

/// The scaffolded client, its events and connection states read in the one order it wrote
/// them: stdout and stderr share a pipe. A state change read means every event printed before
/// it has been read too, however far behind the reading is.
struct ClientProcess {
    _child: Reaped,
    lines: mpsc::Receiver<String>,
    /// The `message` of every event printed so far.
    messages: Vec<String>,
}

impl ClientProcess {
    fn start(binary: &Path, url: &str) -> ClientProcess {
        let args = [
            "--url",
            url,
            "--token",
            "tok",
            "--subscribe",
            "customer_id:abc123:*:*",
        ];
        // `exec`: the shell becomes the client, so the child is the client itself.
        let mut child = Reaped(
            Command::new("sh")
                .arg("-c")
                .arg(r#"exec "$0" "$@" 2>&1"#)
                .arg(binary)
                .args(args)
                .env_remove("RUST_LOG")
                .stdout(Stdio::piped())
                .spawn()
                .expect("start the client"),
        );
        let lines = lines(child.0.stdout.take().expect("stdout"));
        ClientProcess {
            _child: child,
            lines,
            messages: Vec::new(),
        }
    }

    /// The next event or state line, as JSON; log lines (tracing's, on stderr) are skipped.
    fn next_line(&mut self, waiting_for: &str) -> Value {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| {
                    panic!(
                        "waiting for {waiting_for}: nothing more after {} events",
                        self.messages.len()
                    )
                });
            if line.starts_with('{') {
                return serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            }
        }
    }

    fn record(&mut self, event: &Value) {
        let name = event["message"].as_str().unwrap_or("null").to_owned();
        self.messages.push(name);
    }

    /// Reads until a state line naming `state`, recording the events before it; every state
    /// line up to it is returned.
    fn wait_state(&mut self, state: &str) -> Vec<Value> {
        let waiting_for = format!("the `{state}` state");
        let mut seen = Vec::new();
        loop {
            let v = self.next_line(&waiting_for);
            if v.get("state").is_none() {
                self.record(&v);
                continue;
            }
            let found = v["state"] == state;
            seen.push(v);
            if found {
                return seen;
            }
        }
    }

    /// Reads until `n` events have been printed in all; no state may change meanwhile.
    fn wait_printed(&mut self, n: usize) {
        let waiting_for = format!("{n} events");
        while self.messages.len() < n {
            let v = self.next_line(&waiting_for);
            assert!(
                v.get("state").is_none(),
                "a state change while the mock runs: {v}"
            );
            self.record(&v);
        }
    }
}

/// The scaffolded mock on `port`; its `{"published": N}` rounds are summed.
struct MockProcess {
    child: Reaped,
    url: String,
    /// Sums the rounds; ends with the mock's stdout.
    summing: Option<std::thread::JoinHandle<usize>>,
}

impl MockProcess {
    fn start(binary: &Path, port: u16) -> MockProcess {
        let listen = format!("127.0.0.1:{port}");
        let mut child = spawn(
            binary,
            &["--listen", &listen, "--token", "tok", "--repeat-ms", "50"],
        );
        let out = lines(child.0.stdout.take().expect("stdout"));
        let first = out
            .recv_timeout(Duration::from_secs(30))
            .expect("the mock starts");
        let url = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{first}"))
            .to_owned();
        let summing = std::thread::spawn(move || {
            out.iter()
                .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
                .filter_map(|v| v["published"].as_u64())
                .map(|n| usize::try_from(n).unwrap_or(0))
                .sum()
        });
        MockProcess {
            child,
            url,
            summing: Some(summing),
        }
    }

    /// What the mock published in all; call once it has exited, so that every round it printed
    /// is counted.
    fn published(&mut self) -> usize {
        let summing = self.summing.take().expect("counted once");
        summing.join().expect("the summing thread")
    }
}

#[test]
fn client_reconnects_and_resubscribes_through_mock_kills_and_restarts() {
    let round: Vec<&str> = voipbin::mock::EXAMPLES
        .iter()
        .filter(|(_, json)| json.contains("\"topic\":\"customer_id:abc123:"))
        .map(|(name, _)| *name)
        .collect();
    assert!(!round.is_empty());
    let (_dir, client_binary) = scaffold_and_build(
        "client",
        "specs/voipbin/websocket.yml",
        "fault-voipbin-client",
    );
    let mock_binary = client_binary.with_file_name("fault-voipbin-client-mock");
    let port = free_port();
    let mut mock = MockProcess::start(&mock_binary, port);
    let mut client = ClientProcess::start(&client_binary, &mock.url);
    client.wait_state("subscribed");
    // Four connections: ended by SIGKILL, Ctrl-C, SIGKILL, Ctrl-C.
    let endings = ["KILL", "INT", "KILL", "INT"];
    let mut start = 0;
    for (n, ending) in endings.iter().enumerate() {
        client.wait_printed(start + 3 * round.len());
        if *ending == "KILL" {
            mock.child.0.kill().expect("SIGKILL");
            mock.child.0.wait().expect("wait");
        } else {
            signal(&mock.child, "INT");
            let status = wait_exit(&mut mock.child, Duration::from_secs(30));
            assert!(status.success(), "the mock exits 0 on Ctrl-C: {status}");
        }
        // Every event of this connection is printed before the state change that ends it.
        let states = client.wait_state("reconnecting");
        assert!(
            !states.iter().any(|s| s["state"] == "closed"),
            "the client gave up: {states:?}"
        );
        let printed = client.messages.clone();
        let this = &printed[start..];
        for (i, name) in this.iter().enumerate() {
            assert_eq!(
                name,
                round[i % round.len()],
                "connection {n}: event {i} out of the mock's order (repeat or loss mid-round)"
            );
        }
        let published = mock.published();
        eprintln!(
            "client: connection {n} (ended by SIG{ending}): mock published {published}, client printed {}",
            this.len()
        );
        if *ending == "INT" {
            assert_eq!(
                this.len(),
                published,
                "connection {n}: a graceful close loses nothing"
            );
        } else {
            // `published` counts finished rounds; a kill can land mid-round.
            assert!(
                this.len() < published + round.len(),
                "connection {n}: more than was published"
            );
        }
        start = printed.len();
        std::thread::sleep(Duration::from_millis(300));
        mock = MockProcess::start(&mock_binary, port);
        client.wait_state("subscribed");
    }
    drop(mock);
}
