//! A scaffolded Dialer.CX receiver as a public endpoint faces it, process and clients over
//! loopback: a half-sent head and a trickling body are closed within their timeouts and never
//! reach a handler; a flood of half-open connections at the descriptor limit delays signed
//! events by at most the head timeout; SIGTERM with open, idle and half-open connections exits
//! within the grace period and loses no acknowledged event; HTTPS with a certificate made
//! here, reloaded on SIGHUP.
//!
//! Deadlines here are bounds on a failure, never the verdict: each test waits for what must
//! happen (a close, an exit, an event) and fails only when it has not happened long after
//! the receiver's own timeout.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use asyncgen_generated_tests::specs_dialer_cx_webhooks as dialer_cx;
use asyncgen_generated_tests::webhook_examples::SPECS_DIALER_CX_WEBHOOKS as EXAMPLES;
use asyncgen_runtime::Secret;
use asyncgen_runtime::sender::{DeliveryPolicy, Sender, Signer};
use common::{lines, scaffold_and_build};

const SECRET: &str = "cx-public-endpoint-secret";

/// The scaffolded receiver, built once for every test here.
fn binary() -> &'static Path {
    static BUILT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &BUILT
        .get_or_init(|| {
            scaffold_and_build(
                "receiver",
                "specs/dialer-cx/webhooks.yml",
                "public-endpoint-receiver",
            )
        })
        .1
}

/// The receiver process: where it listens, what it prints on stdout.
struct Receiver {
    child: Child,
    addr: SocketAddr,
    url: String,
    events: mpsc::Receiver<String>,
}

impl Receiver {
    /// Starts it with `args` on a free loopback port over `data`; `shell` wraps the command
    /// (a descriptor limit, say) as `sh -c "<shell> exec <binary> ..."`.
    fn start(data: &Path, args: &[&str], shell: Option<&str>) -> Receiver {
        let mut all: Vec<String> = vec![
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--data-dir".into(),
            data.display().to_string(),
        ];
        all.extend(args.iter().map(|a| a.to_string()));
        let mut command = match shell {
            None => {
                let mut c = Command::new(binary());
                c.args(&all);
                c
            }
            Some(prefix) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("{prefix} exec \"$0\" \"$@\""))
                    .arg(binary())
                    .args(&all);
                c
            }
        };
        let mut child = command
            .env("WEBHOOK_SIGNATURE", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the receiver");
        let stderr = lines(child.stderr.take().expect("stderr"));
        let events = lines(child.stdout.take().expect("stdout"));
        let mut said = Vec::new();
        let url = loop {
            match stderr.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => match line.strip_prefix("listening on ") {
                    Some(url) => break url.to_owned(),
                    None => said.push(line),
                },
                Err(_) => panic!("the receiver did not start:\n{}", said.join("\n")),
            }
        };
        let authority = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next());
        let addr = authority
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {url}"));
        Receiver {
            child,
            addr,
            url,
            events,
        }
    }

    /// Sends SIGTERM (or SIGHUP) to the process.
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{name}");
    }

    /// Waits (bounded) for the process to exit; how long it took.
    fn exits_within(&mut self, bound: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < bound {
            if self.child.try_wait().expect("wait").is_some() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The message names printed so far and within `wait` of the last one.
    fn printed(&self, wait: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.events.recv_timeout(wait) {
            let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
            out.push(v["message"].as_str().unwrap_or("unknown").to_owned());
        }
        out
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Posts the first example, signed, and returns the status (`None`: no answer).
fn send_signed(url: &str, client: Option<reqwest::Client>) -> Option<u16> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let signer = Signer::new(
            dialer_cx::sender::WEBHOOK_SECURITY.expect("the spec is signed"),
            Some(Secret::new(SECRET).expect("secret")),
        )
        .expect("signer");
        let client = client.unwrap_or_default();
        let policy = DeliveryPolicy::new(Duration::from_secs(30), &[]);
        let sender = Sender::with_client(client, url, signer, policy).expect("sender");
        let payload: serde_json::Value = serde_json::from_str(EXAMPLES[0].1).expect("JSON");
        sender
            .send_json(&payload)
            .await
            .ok()
            .map(|d| d.status.as_u16())
    })
}

/// Waits (bounded) for the server to close `stream`: true when it did.
fn closed_by_server(stream: &mut TcpStream, bound: Duration) -> (bool, String) {
    stream.set_read_timeout(Some(bound)).expect("read timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (true, String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (true, String::from_utf8_lossy(&got).into_owned());
            }
            Err(_) => return (false, String::from_utf8_lossy(&got).into_owned()),
        }
    }
}

fn head(addr: SocketAddr, content_length: usize) -> String {
    format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\nX-Webhook-Signature: 00\r\n\r\n",
        dialer_cx::receiver::WEBHOOK_PATH
    )
}

#[test]
fn a_half_sent_head_and_a_trickling_body_are_closed_and_reach_no_handler() {
    let data = tempfile::tempdir().expect("data");
    let receiver = Receiver::start(
        data.path(),
        &["--header-timeout", "1", "--body-timeout", "2"],
        None,
    );

    let mut half = TcpStream::connect(receiver.addr).expect("connect");
    half.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n")
        .expect("half a head");
    let started = Instant::now();
    let (closed, _) = closed_by_server(&mut half, Duration::from_secs(30));
    assert!(closed, "a half-sent head stays open");
    assert!(started.elapsed() >= Duration::from_millis(900));

    let body = EXAMPLES[0].1.as_bytes();
    let mut slow = TcpStream::connect(receiver.addr).expect("connect");
    slow.write_all(head(receiver.addr, body.len()).as_bytes())
        .expect("head");
    let trickle = std::thread::spawn(move || {
        // One byte every 100 ms, until the server stops us: never the whole body in 2 s.
        for byte in body.iter().take(body.len() - 1) {
            if slow.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        slow
    });
    let mut slow = trickle.join().expect("trickle");
    let (closed, answer) = closed_by_server(&mut slow, Duration::from_secs(30));
    assert!(closed, "a trickling body stays open");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // Neither reached a handler, and the receiver still serves a signed event.
    assert_eq!(send_signed(&receiver.url, None), Some(202));
    assert_eq!(
        receiver.printed(Duration::from_secs(2)),
        [EXAMPLES[0].0.to_owned()]
    );
}

#[test]
fn a_flood_of_half_open_connections_at_the_descriptor_limit_delays_events_only_briefly() {
    let data = tempfile::tempdir().expect("data");
    // 256 descriptors: 192 connections at most, the rest kept for the queue and the logs.
    let receiver = Receiver::start(
        data.path(),
        &["--header-timeout", "2"],
        Some("ulimit -n 256 &&"),
    );
    // More than the 192 it serves: the rest wait in the listen backlog. A connect the backlog
    // has no room for yet is tried again (bounded).
    let mut flood = Vec::new();
    let started = Instant::now();
    while flood.len() < 250 && started.elapsed() < Duration::from_secs(60) {
        if let Ok(mut s) = TcpStream::connect_timeout(&receiver.addr, Duration::from_secs(5)) {
            let _ = s.write_all(b"POST / HTTP/1.1\r\n");
            flood.push(s);
        }
    }
    assert!(flood.len() > 192, "only {} connections opened", flood.len());
    // Waiting in the backlog, the event is served once the head timeout frees slots.
    assert_eq!(send_signed(&receiver.url, None), Some(202));
    drop(flood);
    assert_eq!(send_signed(&receiver.url, None), Some(202));
    assert_eq!(receiver.printed(Duration::from_secs(2)).len(), 2);
}

#[test]
fn sigterm_with_open_connections_exits_within_the_grace_and_loses_no_acknowledged_event() {
    const EVENTS: usize = 20;
    let data = tempfile::tempdir().expect("data");
    let mut receiver = Receiver::start(
        data.path(),
        &["--shutdown-grace", "2", "--header-timeout", "60"],
        None,
    );
    for _ in 0..EVENTS {
        assert_eq!(send_signed(&receiver.url, None), Some(202));
    }
    // An idle kept-alive connection, a half-sent head, a body that stops halfway.
    let mut idle = TcpStream::connect(receiver.addr).expect("connect");
    idle.write_all(format!("GET /none HTTP/1.1\r\nHost: {}\r\n\r\n", receiver.addr).as_bytes())
        .expect("a request");
    let mut answer = [0u8; 64];
    let _ = idle.read(&mut answer).expect("an answer");
    let mut half = TcpStream::connect(receiver.addr).expect("connect");
    half.write_all(b"POST / HTTP/1.1\r\nHost").expect("half");
    let mut stalled = TcpStream::connect(receiver.addr).expect("connect");
    stalled
        .write_all(format!("{}{{\"event\":", head(receiver.addr, 1000)).as_bytes())
        .expect("part of a body");

    receiver.signal("TERM");
    let took = receiver
        .exits_within(Duration::from_secs(30))
        .expect("the receiver still runs 30 s after SIGTERM");
    // The grace period (2 s) and the workers' own, with room for a loaded machine.
    assert!(took < Duration::from_secs(8), "exit took {took:?}");

    // Every acknowledged event is handled: before the exit, or from the queue at the next start.
    let mut handled = receiver.printed(Duration::ZERO).len();
    let again = Receiver::start(data.path(), &[], None);
    let started = Instant::now();
    while handled < EVENTS && started.elapsed() < Duration::from_secs(30) {
        handled += again.printed(Duration::from_millis(200)).len();
    }
    assert!(
        handled >= EVENTS,
        "{handled} of {EVENTS} acknowledged events handled"
    );
}

#[test]
fn https_with_a_certificate_made_here_reloads_on_sighup() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let first = certificate(&cert, &key);
    let data = tempfile::tempdir().expect("data");
    let receiver = Receiver::start(
        data.path(),
        &[
            "--tls-cert",
            &cert.display().to_string(),
            "--tls-key",
            &key.display().to_string(),
        ],
        None,
    );
    assert!(
        receiver.url.starts_with("https://127.0.0.1:"),
        "{}",
        receiver.url
    );
    let url = receiver.url.replace("127.0.0.1", "localhost");
    assert_eq!(send_signed(&url, Some(trusting(&first))), Some(202));

    let second = certificate(&cert, &key);
    receiver.signal("HUP");
    let started = Instant::now();
    let mut status = None;
    while started.elapsed() < Duration::from_secs(30) && status != Some(202) {
        status = send_signed(&url, Some(trusting(&second)));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status, Some(202), "the renewed certificate is not served");
    assert_eq!(
        send_signed(&url, Some(trusting(&first))),
        None,
        "the old certificate is still served"
    );
}

/// A self-signed certificate for `localhost`, written as PEM to `cert` and `key`; its PEM.
fn certificate(cert: &Path, key: &Path) -> String {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("a certificate");
    let pem = made.cert.pem();
    std::fs::write(cert, &pem).expect("write cert");
    std::fs::write(key, made.signing_key.serialize_pem()).expect("write key");
    pem
}

/// A client that trusts only `pem`.
fn trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem")])
        .build()
        .expect("client")
}
