//! `Receiver::serve` as a public endpoint needs it, over loopback: a body that stops arriving is
//! answered 408 and never handled; a half-sent head is disconnected; connections beyond the
//! cap wait until one closes; shutdown ends within its grace period whatever the clients hold
//! open. Each test waits for what must happen and fails only long after the receiver's own
//! deadline, so a loaded machine slows it without changing its verdict.

mod common;

use std::time::Duration;

use asyncgen_runtime::receiver::{Delivery, Receiver, Route, Verifier};
use common::{Counting, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for what the receiver must do within far less.
const BOUND: Duration = Duration::from_secs(30);

fn builder(counting: &Counting) -> asyncgen_runtime::receiver::ReceiverBuilder {
    Receiver::builder()
        .route(Route::new(
            "events",
            "/events",
            Verifier::insecure_no_verification(),
            counting.clone(),
        ))
        .delivery(Delivery::Direct)
}

async fn connect(running: &Running) -> TcpStream {
    TcpStream::connect(running.url.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Everything the server sends until it closes the connection; `None` if it is still open
/// after [`BOUND`].
async fn until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(BOUND, stream.read_to_end(&mut got)).await;
    match read {
        Ok(_) => Some(String::from_utf8_lossy(&got).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_408_and_never_handled() {
    let counting = Counting::new();
    let receiver = builder(&counting)
        .body_timeout(Duration::from_millis(300))
        .build()
        .expect("receiver");
    let running = Running::start(&receiver).await;
    let mut stream = connect(&running).await;
    stream
        .write_all(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"id\":")
        .await
        .expect("part of a body");
    let answer = until_closed(&mut stream).await.expect("still open");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert_eq!(counting.calls(), 0);
    running.stop().await;
}

#[tokio::test]
async fn a_half_sent_head_is_disconnected_without_an_answer() {
    let counting = Counting::new();
    let receiver = builder(&counting)
        .header_timeout(Duration::from_millis(300))
        .build()
        .expect("receiver");
    let running = Running::start(&receiver).await;
    let mut stream = connect(&running).await;
    stream
        .write_all(b"POST /events HTTP/1.1\r\nHost")
        .await
        .expect("half a head");
    let answer = until_closed(&mut stream).await.expect("still open");
    assert!(!answer.contains("200"), "{answer}");
    assert_eq!(counting.calls(), 0);
    running.stop().await;
}

#[tokio::test]
async fn beyond_the_connection_cap_a_client_waits_until_a_connection_closes() {
    let counting = Counting::new();
    let receiver = builder(&counting)
        .max_connections(1)
        .build()
        .expect("receiver");
    let running = Running::start(&receiver).await;
    let request = b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"id\":\"a\"}";
    let mut first = connect(&running).await;
    first.write_all(request).await.expect("first request");
    let mut answer = [0u8; 12];
    first.read_exact(&mut answer).await.expect("first answer");
    assert_eq!(&answer, b"HTTP/1.1 204");

    // The first connection stays open (kept alive): the second is not served...
    let mut second = connect(&running).await;
    second.write_all(request).await.expect("second request");
    let waited = tokio::time::timeout(Duration::from_millis(300), second.read(&mut answer)).await;
    assert!(waited.is_err(), "served beyond the cap");
    // ...until the first closes.
    drop(first);
    tokio::time::timeout(BOUND, second.read_exact(&mut answer))
        .await
        .expect("the second is served once the first closed")
        .expect("second answer");
    assert_eq!(&answer, b"HTTP/1.1 204");
    assert_eq!(counting.calls(), 2);
    running.stop().await;
}

#[tokio::test]
async fn shutdown_ends_within_the_grace_with_connections_held_open() {
    let counting = Counting::new();
    let receiver = builder(&counting)
        .header_timeout(Duration::from_secs(600))
        .body_timeout(Duration::from_secs(600))
        .shutdown_grace(Duration::from_millis(300))
        .build()
        .expect("receiver");
    let running = Running::start(&receiver).await;
    let mut half = connect(&running).await;
    half.write_all(b"POST /events HTTP/1.1\r\nHo")
        .await
        .expect("half");
    let mut stalled = connect(&running).await;
    stalled
        .write_all(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n{")
        .await
        .expect("part of a body");
    tokio::time::sleep(Duration::from_millis(50)).await;
    tokio::time::timeout(BOUND, running.stop())
        .await
        .expect("serve returned long after its grace period");
    assert!(until_closed(&mut half).await.is_some());
    assert!(until_closed(&mut stalled).await.is_some());
    assert_eq!(counting.calls(), 0);
}

#[test]
fn zero_deadlines_and_a_zero_connection_cap_are_refused() {
    let counting = Counting::new();
    for configure in [
        |b: asyncgen_runtime::receiver::ReceiverBuilder| b.header_timeout(Duration::ZERO),
        |b: asyncgen_runtime::receiver::ReceiverBuilder| b.body_timeout(Duration::ZERO),
        |b: asyncgen_runtime::receiver::ReceiverBuilder| b.write_timeout(Duration::ZERO),
        |b: asyncgen_runtime::receiver::ReceiverBuilder| b.max_connections(0),
    ] {
        assert!(configure(builder(&counting)).build().is_err());
    }
}
