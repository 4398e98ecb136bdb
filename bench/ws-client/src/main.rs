//! Events/s of the generated VoIPBIN websocket client against a hand-written tokio-tungstenite +
//! serde loop, one mode per process: the measuring binary of bench/client-vs-tungstenite.sh.
//!
//!     ws-client-bench generated|baseline [EVENTS]
//!
//! The generated mock server runs in-process on its own thread (a current-thread tokio runtime)
//! on 127.0.0.1:0. The client, on a multi-thread runtime, connects and subscribes to
//! `customer_id:abc123:*:*`; once the ack is in and the mock reports the subscription, the mock
//! publishes EVENTS (default 1,000,000) pre-serialised example events (`mock::EXAMPLES` of that
//! customer, in turn) with `publish_text`, which waits while the connection's queue is full.
//! The client decodes and dispatches each (a per-kind counter and a checksum over fields of every
//! event). Timed from the first event received to the last; prints one line:
//!
//!     mode=generated events=1000000 seconds=.. events_per_s=.. dropped=0 peak_rss_kib=.. check=..
//!
//! `events_per_s` is (EVENTS - 1) / seconds; `check` (kind counts and an order-sensitive hash of
//! the fields read) is the same in both modes when both decoded the same events. Any failure or
//! a wait beyond its limit prints the reason and exits with status 1.

#[path = "api/mod.rs"]
#[allow(dead_code, unused_imports, clippy::all)]
mod api;
mod baseline;
mod generated;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use api::mock;
use tokio::sync::oneshot;

/// The subscription both clients make.
const TOPIC: &str = "customer_id:abc123:*:*";
/// Limit on each setup step (start, connect, subscribe).
const SETUP_LIMIT: Duration = Duration::from_secs(10);
/// Longest time without a new event before the run is declared stuck.
const STALL_LIMIT: Duration = Duration::from_secs(20);

/// Event kinds, in `mock::EXAMPLES` order: the index of each kind's counter.
pub const KINDS: [&str; 18] = [
    "call.created",
    "call.status",
    "call.ended",
    "message.received",
    "message.sent",
    "message.delivery",
    "activeflow.updated",
    "activeflow.completed",
    "conference.joined",
    "conference.left",
    "conference.ended",
    "queue.joined",
    "queue.connected",
    "queue.left",
    "agent.status",
    "recording.started",
    "recording.completed",
    "transcription.completed",
];

/// Events received so far; read by the watchdog.
static PROGRESS: AtomicU64 = AtomicU64::new(0);

/// Prints why the run failed and ends the process (whatever thread or task it is called from).
pub fn fail(why: impl std::fmt::Display) -> ! {
    eprintln!("ws-client-bench: {why}");
    std::process::exit(1);
}

/// The dispatch both clients do for each event: count it by kind, fold fields into a checksum.
#[derive(Debug)]
pub struct Tally {
    wanted: u64,
    received: u64,
    counts: [u64; KINDS.len()],
    hash: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Tally {
    fn new(wanted: u64) -> Self {
        Tally {
            wanted,
            received: 0,
            counts: [0; KINDS.len()],
            hash: 0xcbf2_9ce4_8422_2325,
            first: None,
            last: None,
        }
    }

    /// Whether all the wanted events arrived.
    pub fn done(&self) -> bool {
        self.received >= self.wanted
    }

    /// Counts one event of kind `kind` whose topic and key field (the resource's id) are given.
    #[inline]
    pub fn add(&mut self, kind: usize, topic: &str, key: &str) {
        let now = Instant::now();
        self.first.get_or_insert(now);
        self.received += 1;
        if self.received == self.wanted {
            self.last = Some(now);
        }
        self.counts[kind] += 1;
        let tail = key.as_bytes().last().copied().unwrap_or(0);
        let mix = (topic.len() as u64) << 16 | (key.len() as u64) << 8 | u64::from(tail);
        self.hash = (self.hash ^ mix).wrapping_mul(0x0000_0100_0000_01b3);
        PROGRESS.store(self.received, Ordering::Relaxed);
    }

    /// `counts/hash`, the same for the same events in the same order.
    fn check(&self) -> String {
        let counts: Vec<String> = self.counts.iter().map(u64::to_string).collect();
        format!("{}/{:016x}", counts.join("-"), self.hash)
    }
}

/// What a client mode hands back.
pub struct Outcome {
    pub tally: Tally,
    /// Events the client discarded (slow-consumer policy); the baseline never drops.
    pub dropped: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: ws-client-bench generated|baseline [EVENTS]";
    let mode = args
        .first()
        .map(String::as_str)
        .unwrap_or_else(|| fail(usage));
    if !matches!(mode, "generated" | "baseline") {
        fail(usage);
    }
    let events: u64 = match args.get(1) {
        None => 1_000_000,
        Some(n) => n
            .parse()
            .ok()
            .filter(|&n| n > 1)
            .unwrap_or_else(|| fail(usage)),
    };

    watchdog();
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("mock-server".into())
        .spawn(move || server(events, url_tx, ready_rx))
        .unwrap_or_else(|e| fail(format!("server thread: {e}")));
    let url = url_rx
        .recv_timeout(SETUP_LIMIT)
        .unwrap_or_else(|_| fail("the mock server did not start"));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(format!("client runtime: {e}")));
    let outcome = runtime.block_on(async {
        match mode {
            "generated" => generated::run(url, events, ready_tx).await,
            _ => baseline::run(url, events, ready_tx).await,
        }
    });

    let tally = &outcome.tally;
    let (Some(first), Some(last)) = (tally.first, tally.last) else {
        fail("the run ended before the last event");
    };
    if tally.received != events {
        fail(format!("received {} events, not {events}", tally.received));
    }
    let seconds = (last - first).as_secs_f64();
    println!(
        "mode={mode} events={events} seconds={seconds:.6} events_per_s={:.0} dropped={} peak_rss_kib={} check={}",
        (events - 1) as f64 / seconds,
        outcome.dropped,
        peak_rss_kib(),
        tally.check(),
    );
    // Not waiting for the client and the mock to shut down: nothing is left to measure.
    std::process::exit(0);
}

/// The mock server's thread: binds, reports its URL, waits for the client's subscription, then
/// publishes `events` events and keeps serving until the process exits.
fn server(events: u64, url_tx: std::sync::mpsc::Sender<String>, ready: oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(format!("server runtime: {e}")));
    runtime.block_on(async move {
        // (topic, frame) of the examples the subscription covers, serialised once.
        let frames: Vec<(String, &str)> = mock::EXAMPLES
            .iter()
            .filter_map(|(_, json)| {
                let value: serde_json::Value = serde_json::from_str(json).ok()?;
                let topic = value.get("topic")?.as_str()?;
                topic
                    .starts_with("customer_id:abc123:")
                    .then(|| (topic.to_owned(), *json))
            })
            .collect();
        if frames.is_empty() {
            fail("no example event of customer abc123 in mock::EXAMPLES");
        }
        let server = mock::MockServer::bind("127.0.0.1:0", mock::MockProtocol)
            .await
            .unwrap_or_else(|e| fail(format!("mock bind: {e}")));
        let _ = url_tx.send(server.url("/v1.0/ws"));
        if tokio::time::timeout(SETUP_LIMIT, ready).await.is_err() {
            fail("the client did not subscribe in time");
        }
        if !server.wait_subscribed(&[TOPIC], SETUP_LIMIT).await {
            fail("the mock did not report the subscription");
        }
        for i in 0..events {
            let (topic, text) = &frames[(i % frames.len() as u64) as usize];
            if server.publish_text(Some(topic), *text).await != 1 {
                fail(format!("event {i} was not queued for the client"));
            }
        }
        std::future::pending::<()>().await;
    });
}

/// Ends the process when no event arrives for [`STALL_LIMIT`] (setup included).
fn watchdog() {
    std::thread::spawn(|| {
        let mut seen = u64::MAX;
        let mut since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let now = PROGRESS.load(Ordering::Relaxed);
            if now != seen {
                (seen, since) = (now, Instant::now());
            } else if since.elapsed() > STALL_LIMIT {
                fail(format!(
                    "stuck: no event for {STALL_LIMIT:?} after {now} events"
                ));
            }
        }
    });
}

/// VmHWM of this process, KiB (0 if unreadable).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
