//! Helpers shared by the integration tests: a test endpoint that counts what it handles, and
//! receivers served on loopback ports.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen_runtime::receiver::{
    DecodeError, Endpoint, EventHeaders, HandlerError, Receiver, Reply,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The test channel's one message.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Event {
    pub id: String,
}

/// Counts handled events by id; can be told to fail.
#[derive(Clone, Default)]
pub struct Counting {
    pub seen: Arc<Mutex<HashMap<String, u32>>>,
    pub calls: Arc<AtomicU32>,
    pub fail: Arc<AtomicBool>,
    pub fail_permanently: Arc<AtomicBool>,
}

impl Counting {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn count(&self, id: &str) -> u32 {
        self.seen.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    pub fn distinct(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn total(&self) -> u32 {
        self.seen.lock().unwrap().values().sum()
    }

    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Endpoint for Counting {
    type Event = Event;

    fn decode(&self, payload: &[u8], _: &EventHeaders) -> Result<Event, DecodeError> {
        Ok(serde_json::from_slice(payload)?)
    }

    async fn handle(&self, event: Event) -> Result<Reply, HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail_permanently.load(Ordering::SeqCst) {
            return Err(HandlerError::permanent("refused for good"));
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(HandlerError::msg("downstream unavailable"));
        }
        *self.seen.lock().unwrap().entry(event.id).or_default() += 1;
        Ok(Reply::none())
    }
}

/// A receiver serving on a loopback port.
pub struct Running {
    pub url: String,
    pub shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Serves `receiver`'s routes and workers on 127.0.0.1.
    pub async fn start(receiver: &Receiver) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let receiver = receiver.clone();
        let token = shutdown.clone();
        let task = tokio::spawn(async move { receiver.serve(listener, token).await });
        Running {
            url,
            shutdown,
            task,
        }
    }

    /// Serves only the routes: events are queued and nothing handles them.
    pub async fn routes_only(receiver: &Receiver) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let router = receiver.router();
        let token = shutdown.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(token.cancelled_owned())
                .await
        });
        Running {
            url,
            shutdown,
            task,
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap().unwrap();
    }
}

/// Polls `done` every 10 ms, at most `limit` long; panics with `what` if it never holds.
pub async fn wait_until(what: &str, limit: Duration, mut done: impl AsyncFnMut() -> bool) {
    let tries = limit.as_millis() / 10;
    for _ in 0..tries {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// Posts `chunks` chunks of `size` spaces with chunked transfer encoding, over a raw
/// connection (reqwest always declares a length for a buffered body), and returns the status.
pub async fn post_chunked(url: &str, path: &str, chunks: usize, size: usize) -> u16 {
    let mut body = Vec::new();
    for _ in 0..chunks {
        body.extend(format!("{size:x}\r\n").bytes());
        body.extend(std::iter::repeat_n(b' ', size));
        body.extend(b"\r\n");
    }
    body.extend(b"0\r\n\r\n");
    post_raw(url, path, "Transfer-Encoding: chunked", &body).await
}

/// Sends a `POST` of `path` with the header line `header` and then `body` as is, over a raw
/// connection whose sending half is closed after it, and returns the status (0 if none).
pub async fn post_raw(url: &str, path: &str, header: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let addr = url.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request =
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n{header}\r\nConnection: close\r\n\r\n")
            .into_bytes();
    request.extend_from_slice(body);
    // The server may stop reading once it has answered; what it answered is what counts.
    let _ = conn.write_all(&request).await;
    let _ = conn.shutdown().await;
    let mut response = Vec::new();
    let _ = conn.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
