//! The websocket supervisor against a tiny tokio-tungstenite server on 127.0.0.1, driven step by
//! step from each test. Tests whose verdict involves a timer (ack timeout, heartbeat, backoff,
//! URL refresh) freeze the tokio clock and advance it exactly, so a busy machine cannot change
//! the verdict; every wait is bounded in real time, so a regression fails instead of hanging.

#![cfg(feature = "ws-client")]

mod ws_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asyncgen_runtime::ws::{
    Ack, Client, ClientConfig, ClientError, ConnectionUrl, Disconnect, Event, EventStream,
    ExpiringUrl, Frame, Heartbeat, Jitter, Protocol, ReconnectPolicy,
};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::advance;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_support::{freeze, within};

const MS: Duration = Duration::from_millis(1);

#[derive(Debug, Serialize)]
struct Out {
    op: &'static str,
    topics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum In {
    Ack { topics: Vec<String> },
    Error { topics: Vec<String>, reason: String },
    Event { topic: String, seq: u64 },
}

struct TestProtocol;

impl Protocol for TestProtocol {
    type Outgoing = Out;
    type Incoming = In;

    fn subscribe(&self, topics: &[String]) -> Vec<Out> {
        vec![Out {
            op: "subscribe",
            topics: topics.to_vec(),
        }]
    }

    fn unsubscribe(&self, topics: &[String]) -> Vec<Out> {
        vec![Out {
            op: "unsubscribe",
            topics: topics.to_vec(),
        }]
    }

    fn classify(&self, message: &In) -> Frame {
        match message {
            In::Ack { topics } => Frame::Ack {
                topics: topics.clone(),
            },
            In::Error { topics, reason } => Frame::Error {
                topics: topics.clone(),
                reason: reason.clone(),
            },
            In::Event { .. } => Frame::Event,
        }
    }
}

type ServerWs = WebSocketStream<TcpStream>;

async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
    (listener, url)
}

async fn accept(listener: &TcpListener) -> ServerWs {
    let (tcp, _) = within("a connection", listener.accept())
        .await
        .expect("accept");
    within("the handshake", tokio_tungstenite::accept_async(tcp))
        .await
        .expect("handshake")
}

/// Accepts a TCP connection and drops it before the websocket handshake: a failed attempt.
async fn refuse(listener: &TcpListener) {
    let (tcp, _) = within("a connection", listener.accept())
        .await
        .expect("accept");
    drop(tcp);
}

/// Accepts a websocket and returns the request URI it asked for.
// The callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
async fn accept_with_uri(listener: &TcpListener) -> (ServerWs, String) {
    let (tcp, _) = within("a connection", listener.accept())
        .await
        .expect("accept");
    let mut uri = String::new();
    let ws = within(
        "the handshake",
        tokio_tungstenite::accept_hdr_async(
            tcp,
            |req: &tokio_tungstenite::tungstenite::handshake::server::Request, resp| {
                uri = req.uri().to_string();
                Ok(resp)
            },
        ),
    )
    .await
    .expect("handshake");
    (ws, uri)
}

/// The next text message the client sent, as JSON (pings are answered by tungstenite).
async fn server_recv(ws: &mut ServerWs) -> Value {
    within("a message from the client", async {
        loop {
            let message = ws.next().await.expect("stream ended").expect("read");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("client sent JSON");
            }
        }
    })
    .await
}

async fn server_send(ws: &mut ServerWs, value: Value) {
    ws.send(Message::text(value.to_string()))
        .await
        .expect("send");
}

/// Serves the connection as a live server does until the client ends it: pings and the close
/// handshake are answered (tungstenite does both while reading), so `close` never has to wait
/// for its timeout. Returns the texts read, as JSON, and the code of the client's close frame.
fn drain(mut ws: ServerWs) -> JoinHandle<(Vec<Value>, Option<u16>)> {
    tokio::spawn(async move {
        let (mut texts, mut code) = (Vec::new(), None);
        while let Some(Ok(message)) = ws.next().await {
            match message {
                Message::Text(text) => {
                    texts.push(serde_json::from_str(text.as_str()).expect("client sent JSON"));
                }
                Message::Close(frame) => code = frame.map(|f| u16::from(f.code)),
                _ => {}
            }
        }
        (texts, code)
    })
}

/// The next event matching `pick`, skipping others.
async fn wait_for<T>(
    events: &mut EventStream<In>,
    mut pick: impl FnMut(&Event<In>) -> Option<T>,
) -> T {
    within("the event", async {
        loop {
            let event = events.recv().await.expect("stream ended");
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    })
    .await
}

async fn wait_connected(events: &mut EventStream<In>) {
    wait_for(events, |e| matches!(e, Event::Connected).then_some(())).await;
}

async fn wait_reconnecting(events: &mut EventStream<In>) -> (u32, Duration, Disconnect) {
    wait_for(events, |e| match e {
        Event::Reconnecting {
            attempt,
            delay,
            reason,
        } => Some((*attempt, *delay, reason.clone())),
        _ => None,
    })
    .await
}

fn fast_policy() -> ReconnectPolicy {
    ReconnectPolicy {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(50),
        multiplier: 2.0,
        jitter: Jitter::None,
        stable_after: Duration::from_secs(10),
    }
}

#[tokio::test(start_paused = true)]
async fn subscribes_receives_typed_events_and_skips_malformed_frames() {
    // Frozen, so that an acknowledgement is never late however busy the machine: the ack
    // timeout passes only when the test advances the clock.
    let _clock = freeze();
    let ack_timeout = Duration::from_millis(300);
    let (listener, url) = listen().await;
    let config = ClientConfig::new(url)
        .reconnect(fast_policy())
        .ack_timeout(ack_timeout);
    let (client, mut events) = Client::spawn(config, TestProtocol).expect("spawn");
    let mut ws = accept(&listener).await;

    let handle = client.clone();
    let subscribing = tokio::spawn(async move { handle.subscribe(["b", "a", "a"]).await });
    assert_eq!(
        server_recv(&mut ws).await,
        json!({"op": "subscribe", "topics": ["a", "b"]})
    );
    server_send(&mut ws, json!({"type": "ack", "topics": ["a", "b"]})).await;
    assert_eq!(
        within("the subscription", subscribing).await.expect("join"),
        Ok(Ack::Confirmed)
    );

    server_send(&mut ws, json!({"type": "event", "topic": "a", "seq": 1})).await;
    ws.send(Message::text("{not json")).await.expect("send");
    ws.send(Message::binary(
        br#"{"type":"event","topic":"b","seq":2}"#.to_vec(),
    ))
    .await
    .expect("send");

    let mut seen = Vec::new();
    while seen.len() < 4 {
        let event = within("an event", events.recv()).await.expect("ended");
        match event {
            Event::Connecting { .. } | Event::Connected => {}
            other => seen.push(other),
        }
    }
    assert_eq!(
        seen[0],
        Event::Subscribed {
            topics: vec!["a".into(), "b".into()]
        }
    );
    assert_eq!(
        seen[1],
        Event::Message(In::Event {
            topic: "a".into(),
            seq: 1
        })
    );
    assert!(matches!(seen[2], Event::Malformed { .. }), "{:?}", seen[2]);
    assert_eq!(
        seen[3],
        Event::Message(In::Event {
            topic: "b".into(),
            seq: 2
        })
    );

    // A refused subscription fails and is not kept.
    let handle = client.clone();
    let refused = tokio::spawn(async move { handle.subscribe(["x"]).await });
    assert_eq!(server_recv(&mut ws).await["topics"], json!(["x"]));
    server_send(
        &mut ws,
        json!({"type": "error", "topics": ["x"], "reason": "no such topic"}),
    )
    .await;
    assert_eq!(
        within("the refusal", refused).await.expect("join"),
        Err(ClientError::Rejected {
            topics: vec!["x".into()],
            reason: "no such topic".into()
        })
    );

    // A server that never acknowledges: the call gives up after exactly `ack_timeout`, and the
    // topic stays active. Once the request is on the socket, the call's deadline is set.
    let handle = client.clone();
    let asked_at = tokio::time::Instant::now();
    let silent = tokio::spawn(async move {
        let ack = handle.subscribe(["silent"]).await;
        (ack, asked_at.elapsed())
    });
    assert_eq!(server_recv(&mut ws).await["topics"], json!(["silent"]));
    advance(ack_timeout - MS).await;
    // A round trip, during which the call would finish if its deadline had passed.
    within("unsubscribe", client.unsubscribe(["b"]))
        .await
        .expect("unsubscribe");
    assert_eq!(
        server_recv(&mut ws).await,
        json!({"op": "unsubscribe", "topics": ["b"]})
    );
    advance(MS).await;
    assert_eq!(
        within("the ack timeout", silent).await.expect("join"),
        (Ok(Ack::TimedOut), ack_timeout)
    );

    // After a reconnect only the active topics come back.
    drop(ws);
    let (_, delay, _) = wait_reconnecting(&mut events).await;
    advance(delay).await;
    let mut ws = accept(&listener).await;
    assert_eq!(
        server_recv(&mut ws).await,
        json!({"op": "subscribe", "topics": ["a", "silent"]})
    );
    let _server = drain(ws);
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn reconnects_with_the_documented_backoff_and_resubscribes() {
    // Frozen, so that no connection can look stable (`stable_after`) on a slow machine and
    // reset the attempt count; each backoff is advanced exactly.
    let _clock = freeze();
    let (listener, url) = listen().await;
    let config = ClientConfig::new(url).reconnect(fast_policy());
    let (client, mut events) = Client::spawn(config, TestProtocol).expect("spawn");
    let mut ws = accept(&listener).await;
    let handle = client.clone();
    let subscribing = tokio::spawn(async move { handle.subscribe(["a"]).await });
    server_recv(&mut ws).await;
    server_send(&mut ws, json!({"type": "ack", "topics": ["a"]})).await;
    assert_eq!(
        within("the subscription", subscribing).await.expect("join"),
        Ok(Ack::Confirmed)
    );

    // The connection drops, then two attempts fail before one succeeds.
    drop(ws);
    let (attempt, delay, reason) = wait_reconnecting(&mut events).await;
    assert_eq!((attempt, delay), (2, Duration::from_millis(20)));
    assert!(
        matches!(reason, Disconnect::Eof | Disconnect::ReadFailed(_)),
        "{reason:?}"
    );
    advance(delay).await;
    refuse(&listener).await;
    let (attempt, delay, _) = wait_reconnecting(&mut events).await;
    assert_eq!((attempt, delay), (3, Duration::from_millis(40)));
    advance(delay).await;
    refuse(&listener).await;
    let (attempt, delay, _) = wait_reconnecting(&mut events).await;
    // 80 ms capped at `max`.
    assert_eq!((attempt, delay), (4, Duration::from_millis(50)));
    advance(delay).await;

    let mut ws = accept(&listener).await;
    wait_connected(&mut events).await;
    assert_eq!(
        server_recv(&mut ws).await,
        json!({"op": "subscribe", "topics": ["a"]})
    );
    server_send(&mut ws, json!({"type": "ack", "topics": ["a"]})).await;
    server_send(&mut ws, json!({"type": "event", "topic": "a", "seq": 7})).await;
    let message = wait_for(&mut events, |e| match e {
        Event::Message(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        message,
        In::Event {
            topic: "a".into(),
            seq: 7
        }
    );
    let _server = drain(ws);
    within("close", client.close()).await;
}

/// Reads like a live server, so tungstenite answers every ping (the pong goes out on the next
/// read, before the task sleeps again); reports each ping; when told, closes with 1011.
async fn answer_pings(
    mut ws: ServerWs,
    pings: mpsc::UnboundedSender<()>,
    mut close: oneshot::Receiver<()>,
) -> ServerWs {
    loop {
        tokio::select! {
            message = ws.next() => match message {
                Some(Ok(Message::Ping(_))) => {
                    let _ = pings.send(());
                }
                Some(Ok(_)) => {}
                _ => return ws,
            },
            _ = &mut close => break,
        }
    }
    ws.close(Some(CloseFrame {
        code: CloseCode::Error,
        reason: "boom".into(),
    }))
    .await
    .expect("close");
    ws
}

#[tokio::test(start_paused = true)]
async fn missing_pong_and_server_close_both_reconnect() {
    // Frozen: pings go out, and silence after one counts as death, only as the test advances the
    // clock, so a pong delayed by a busy machine cannot pass for a dead connection.
    let _clock = freeze();
    let heartbeat = Heartbeat {
        interval: Duration::from_millis(50),
        timeout: Duration::from_millis(200),
    };
    let (listener, url) = listen().await;
    let config = ClientConfig::new(url)
        .reconnect(fast_policy())
        .heartbeat(Some(heartbeat));
    let (client, mut events) = Client::spawn(config, TestProtocol).expect("spawn");

    // A half-open connection: the server reads the first ping and nothing after, so the pong
    // tungstenite queued for it is never sent.
    let mut silent = accept(&listener).await;
    wait_connected(&mut events).await;
    advance(heartbeat.interval).await;
    let ping = within("the first ping", silent.next())
        .await
        .expect("stream ended")
        .expect("read");
    assert!(matches!(ping, Message::Ping(_)), "{ping:?}");
    advance(heartbeat.timeout).await;
    let (_, delay, reason) = wait_reconnecting(&mut events).await;
    assert_eq!(reason, Disconnect::HeartbeatTimeout);
    drop(silent);

    // A server that reads answers pings: through two heartbeat timeouts' worth of pings, each
    // answered before the clock moves on, the connection stands; then the server closes it
    // with 1011, and that (not the heartbeat) is why the client reconnects.
    advance(delay).await;
    let ws = accept(&listener).await;
    wait_connected(&mut events).await;
    let (pings_tx, mut pings) = mpsc::unbounded_channel();
    let (close_tx, close_rx) = oneshot::channel();
    let server = tokio::spawn(answer_pings(ws, pings_tx, close_rx));
    let rounds = 2 * heartbeat.timeout.as_millis() / heartbeat.interval.as_millis();
    for n in 1..=rounds {
        advance(heartbeat.interval).await;
        within(&format!("ping {n}"), pings.recv())
            .await
            .expect("the server stopped reading");
    }
    close_tx.send(()).expect("server running");
    let (_, delay, reason) = wait_reconnecting(&mut events).await;
    assert_eq!(
        reason,
        Disconnect::ServerClosed {
            code: 1011,
            reason: "boom".into()
        }
    );
    drop(within("the server", server).await.expect("join"));

    advance(delay).await;
    let ws = accept(&listener).await;
    wait_connected(&mut events).await;
    let _server = drain(ws);
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn asks_the_url_provider_again_before_expiry() {
    // Frozen: the refresh comes exactly `refresh_before` ahead of expiry, and the connection
    // lives exactly that long, so it is stable (`stable_after`) however slow the connect was.
    let _clock = freeze();
    let (lifetime, margin) = (Duration::from_millis(400), Duration::from_millis(300));
    let (listener, url) = listen().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let provider = ConnectionUrl::provider(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let url = format!("{url}?token={n}");
        async move { Ok(ExpiringUrl::new(url).expires_in(lifetime)) }
    });
    let config = ClientConfig::new(provider)
        .reconnect(ReconnectPolicy {
            stable_after: Duration::from_millis(50),
            ..fast_policy()
        })
        .refresh_before(margin);
    let (client, mut events) = Client::spawn(config, TestProtocol).expect("spawn");

    let (first, uri) = accept_with_uri(&listener).await;
    assert_eq!(uri, "/ws?token=1");
    wait_connected(&mut events).await;
    let first = drain(first);
    // Until the refresh the first connection is in use: a message sent a millisecond before
    // goes out on it.
    advance(lifetime - margin - MS).await;
    within(
        "send",
        client.send(Out {
            op: "still here",
            topics: vec![],
        }),
    )
    .await
    .expect("sent");
    advance(MS).await;
    let (attempt, delay, reason) = wait_reconnecting(&mut events).await;
    assert_eq!(
        (attempt, delay, reason),
        (1, Duration::ZERO, Disconnect::UrlExpiring)
    );
    // The old connection is closed normally, not dropped.
    let (texts, closed) = within("the first connection", first).await.expect("join");
    assert_eq!(texts, [json!({"op": "still here", "topics": []})]);
    assert_eq!(closed, Some(1000));
    let (second, uri) = accept_with_uri(&listener).await;
    assert_eq!(uri, "/ws?token=2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let _server = drain(second);
    within("close", client.close()).await;
}

#[tokio::test]
async fn slow_consumer_drops_the_oldest_events_and_counts_them() {
    let (listener, url) = listen().await;
    let config = ClientConfig::new(url).event_capacity(8);
    let (client, mut events) = Client::spawn(config, TestProtocol).expect("spawn");
    let mut ws = accept(&listener).await;
    for seq in 0..200 {
        server_send(&mut ws, json!({"type": "event", "topic": "a", "seq": seq})).await;
    }
    // Connecting + Connected + 200 messages through a queue of 8. Nothing signals a drop, so
    // the count is polled, as long as it takes.
    let expected_drops = 202 - 8;
    within("the drops", async {
        while events.dropped() < expected_drops {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(events.dropped(), expected_drops);
    let mut kept = Vec::new();
    while let Some(event) = events.try_recv() {
        kept.push(event);
    }
    let newest: Vec<Event<In>> = (192..200)
        .map(|seq| {
            Event::Message(In::Event {
                topic: "a".into(),
                seq,
            })
        })
        .collect();
    assert_eq!(kept, newest);
    let _server = drain(ws);
    within("close", client.close()).await;
}

#[tokio::test]
async fn close_stops_cleanly() {
    let (listener, url) = listen().await;
    let (client, mut events) = Client::spawn(ClientConfig::new(url), TestProtocol).expect("spawn");
    let mut ws = accept(&listener).await;
    wait_connected(&mut events).await;

    within(
        "send",
        client.send(Out {
            op: "hello",
            topics: vec![],
        }),
    )
    .await
    .expect("send");
    assert_eq!(server_recv(&mut ws).await["op"], "hello");

    // The server must read to answer the close handshake.
    let server = drain(ws);
    within("close", client.close()).await;
    assert!(client.is_closed());
    let (texts, code) = within("the server", server).await.expect("join");
    assert_eq!((texts, code), (vec![], Some(1000)));
    assert_eq!(
        within("the last event", events.recv()).await,
        Some(Event::Closed)
    );
    assert_eq!(events.recv().await, None);
    assert_eq!(
        client
            .send(Out {
                op: "late",
                topics: vec![]
            })
            .await,
        Err(ClientError::Closed)
    );
}

#[test]
fn backoff_schedule_and_config_validation() {
    let policy = ReconnectPolicy {
        initial: Duration::from_millis(500),
        max: Duration::from_secs(30),
        multiplier: 2.0,
        jitter: Jitter::Full,
        stable_after: Duration::from_secs(30),
    };
    let delays: Vec<u64> = (1..=9)
        .map(|n| policy.base_delay(n).as_millis() as u64)
        .collect();
    assert_eq!(
        delays,
        [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
    );
    assert_eq!(policy.base_delay(u32::MAX), Duration::from_secs(30));

    assert!(ClientConfig::new("http://example.com").validate().is_err());
    assert!(
        ClientConfig::new("ws://example.com")
            .event_capacity(0)
            .validate()
            .is_err()
    );
    let spinning = ClientConfig::new("ws://example.com").reconnect(ReconnectPolicy {
        initial: Duration::ZERO,
        ..policy
    });
    assert!(spinning.validate().is_err());
    // Outside a runtime: an error, not a panic.
    assert!(Client::spawn(ClientConfig::new("ws://127.0.0.1:1"), TestProtocol).is_err());
}

/// With a URL provider that fails, the loop touches no sockets, so paused time measures the
/// actual waits between attempts exactly.
#[tokio::test(start_paused = true)]
async fn waits_the_backoff_delays_between_attempts() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let provider = ConnectionUrl::provider(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Err::<ExpiringUrl, _>("token service down".into()) }
    });
    let policy = ReconnectPolicy {
        initial: Duration::from_millis(500),
        max: Duration::from_secs(4),
        multiplier: 2.0,
        jitter: Jitter::None,
        stable_after: Duration::from_secs(30),
    };
    let (client, mut events) =
        Client::spawn(ClientConfig::new(provider).reconnect(policy), TestProtocol).expect("spawn");
    let start = tokio::time::Instant::now();
    let mut attempts_at = Vec::new();
    while attempts_at.len() < 6 {
        match events.recv().await.expect("ended") {
            Event::Connecting { attempt } => {
                attempts_at.push((attempt, start.elapsed().as_millis()));
            }
            Event::Reconnecting { reason, .. } => {
                assert_eq!(reason, Disconnect::UrlProvider("token service down".into()));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        attempts_at,
        [
            (1, 0),
            (2, 500),
            (3, 1500),
            (4, 3500),
            (5, 7500),
            (6, 11500)
        ]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    client.close().await;
}
