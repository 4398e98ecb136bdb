//! The mock websocket server on 127.0.0.1, driven by the crate's own `ws::Client` (what
//! generated code runs) and, where a test needs precise control, by raw tokio-tungstenite
//! clients. Every wait is bounded in real time, so a regression fails instead of hanging.

#![cfg(feature = "ws-mock")]

mod ws_support;

use std::time::Duration;

use asyncgen_runtime::ws::mock::{
    Fault, MockEvent, MockProtocol, MockServer, Request, RequestKind,
};
use asyncgen_runtime::ws::{
    Ack, Client, ClientConfig, ClientError, ClientHandle, Disconnect, Event, EventStream, Frame,
    Heartbeat, Jitter, Protocol, ReconnectPolicy,
};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::broadcast;
use tokio::time::advance;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use ws_support::{LIMIT, freeze, within};

/// What clients send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Op {
    op: String,
    topics: Vec<String>,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Msg {
    Ack { topics: Vec<String> },
    Unsubscribed { topics: Vec<String> },
    Error { topics: Vec<String>, reason: String },
    Invalid { reason: String },
    Notice { text: String },
    Event { topic: String, seq: u64 },
}

fn event(topic: &str, seq: u64) -> Msg {
    Msg::Event {
        topic: topic.into(),
        seq,
    }
}

/// The server side of the test API: `*` suffix wildcards, `?token=` in the URL.
struct Server {
    implicit: bool,
}

impl MockProtocol for Server {
    type Incoming = Op;
    type Outgoing = Msg;

    fn request(&self, message: &Op) -> Option<Request> {
        let kind = match message.op.as_str() {
            "subscribe" => RequestKind::Subscribe,
            "unsubscribe" => RequestKind::Unsubscribe,
            _ => return None,
        };
        Some(Request {
            kind,
            topics: message.topics.clone(),
        })
    }

    fn ack(&self, request: &Request) -> Option<Msg> {
        let topics = request.topics.clone();
        Some(match request.kind {
            RequestKind::Subscribe => Msg::Ack { topics },
            RequestKind::Unsubscribe => Msg::Unsubscribed { topics },
        })
    }

    fn invalid(&self, error: &str) -> Option<Msg> {
        Some(Msg::Invalid {
            reason: error.into(),
        })
    }

    fn topic(&self, event: &Msg) -> Option<String> {
        match event {
            Msg::Event { topic, .. } => Some(topic.clone()),
            _ => None,
        }
    }

    fn matches(&self, pattern: &str, topic: &str) -> bool {
        match pattern.strip_suffix('*') {
            Some(prefix) => topic.starts_with(prefix),
            None => pattern == topic,
        }
    }

    fn token(&self, path_and_query: &str) -> Option<String> {
        let (_, query) = path_and_query.split_once('?')?;
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_owned)
    }

    fn implicit_subscription(&self) -> bool {
        self.implicit
    }
}

/// The client side of the same API, for `ws::Client`.
struct ClientSide;

impl Protocol for ClientSide {
    type Outgoing = Op;
    type Incoming = Msg;

    fn subscribe(&self, topics: &[String]) -> Vec<Op> {
        vec![Op {
            op: "subscribe".into(),
            topics: topics.to_vec(),
        }]
    }

    fn unsubscribe(&self, topics: &[String]) -> Vec<Op> {
        vec![Op {
            op: "unsubscribe".into(),
            topics: topics.to_vec(),
        }]
    }

    fn classify(&self, message: &Msg) -> Frame {
        match message {
            Msg::Ack { topics } => Frame::Ack {
                topics: topics.clone(),
            },
            Msg::Error { topics, reason } => Frame::Error {
                topics: topics.clone(),
                reason: reason.clone(),
            },
            Msg::Event { .. } | Msg::Notice { .. } => Frame::Event,
            Msg::Unsubscribed { .. } | Msg::Invalid { .. } => Frame::Ignore,
        }
    }
}

async fn server() -> MockServer<Server> {
    MockServer::bind("127.0.0.1:0", Server { implicit: false })
        .await
        .expect("bind")
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

fn client(config: ClientConfig) -> (ClientHandle<ClientSide>, EventStream<Msg>) {
    Client::spawn(config.reconnect(fast_policy()), ClientSide).expect("spawn")
}

/// The next client event matching `pick`, skipping others.
async fn wait_for<T>(
    events: &mut EventStream<Msg>,
    mut pick: impl FnMut(&Event<Msg>) -> Option<T>,
) -> T {
    within("the client event", async {
        loop {
            let event = events.recv().await.expect("stream ended");
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    })
    .await
}

async fn next_message(events: &mut EventStream<Msg>) -> Msg {
    wait_for(events, |e| match e {
        Event::Message(m) => Some(m.clone()),
        _ => None,
    })
    .await
}

async fn next_disconnect(events: &mut EventStream<Msg>) -> Disconnect {
    wait_for(events, |e| match e {
        Event::Reconnecting { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .await
}

/// Messages until the next reconnect, which must come.
async fn messages_until_reconnect(events: &mut EventStream<Msg>) -> (Vec<Msg>, Disconnect) {
    let mut messages = Vec::new();
    let reason = wait_for(events, |e| match e {
        Event::Message(m) => {
            messages.push(m.clone());
            None
        }
        Event::Reconnecting { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .await;
    (messages, reason)
}

/// The next server event matching `pick`.
async fn mock_event<T>(
    events: &mut broadcast::Receiver<MockEvent>,
    mut pick: impl FnMut(&MockEvent) -> Option<T>,
) -> T {
    within("the server event", async {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Some(found) = pick(&event) {
                        return found;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("server events ended"),
            }
        }
    })
    .await
}

async fn subscribed(client: &ClientHandle<ClientSide>, topics: &[&str]) {
    let ack = within("subscribe", client.subscribe(topics.iter().copied())).await;
    assert_eq!(ack, Ok(Ack::Confirmed));
}

type Raw = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn raw_connect(url: &str) -> Result<Raw, tungstenite::Error> {
    within("connect", tokio_tungstenite::connect_async(url))
        .await
        .map(|(ws, _response)| ws)
}

fn refused_status(result: Result<Raw, tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, got a connection"),
    }
}

async fn raw_send(ws: &mut Raw, value: Value) {
    ws.send(Message::text(value.to_string()))
        .await
        .expect("send");
}

/// The next text frame the server sent, as JSON.
async fn raw_recv(ws: &mut Raw) -> Value {
    within("a frame from the server", async {
        loop {
            let message = ws.next().await.expect("stream ended").expect("read");
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).expect("server sent JSON");
            }
        }
    })
    .await
}

async fn raw_subscribe(ws: &mut Raw, topics: &[&str]) {
    raw_send(ws, json!({"op": "subscribe", "topics": topics})).await;
    assert_eq!(raw_recv(ws).await, json!({"type": "ack", "topics": topics}));
}

#[tokio::test]
async fn subscriptions_are_acked_and_events_go_only_to_matching_topics() {
    let server = server().await;
    let mut log = server.events();
    let (wild, mut wild_events) = client(ClientConfig::new(server.url("/ws")));
    subscribed(&wild, &["trades.*"]).await;
    let mut exact = raw_connect(&server.url("/ws")).await.expect("connect");
    raw_subscribe(&mut exact, &["trades.BTC"]).await;

    assert_eq!(
        mock_event(&mut log, |e| match e {
            MockEvent::Connected { id, path } => Some((*id, path.clone())),
            _ => None,
        })
        .await,
        (1, "/ws".to_owned())
    );
    let received = mock_event(&mut log, |e| match e {
        MockEvent::Received { id: 1, text } => Some(text.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&received).expect("JSON"),
        json!({"op": "subscribe", "topics": ["trades.*"]})
    );
    assert_eq!(
        mock_event(&mut log, |e| match e {
            MockEvent::Subscribed { id, topics } => Some((*id, topics.clone())),
            _ => None,
        })
        .await,
        (1, vec!["trades.*".to_owned()])
    );
    assert!(server.wait_subscribed(&["trades.BTC"], LIMIT).await);
    // No single connection has both.
    let both = server
        .wait_subscribed(&["trades.BTC", "trades.*"], Duration::from_millis(100))
        .await;
    assert!(!both);
    assert_eq!((server.connections(), server.accepted()), (2, 2));

    assert_eq!(server.publish(&event("trades.ETH", 1)).await, 1);
    assert_eq!(server.publish(&event("trades.BTC", 2)).await, 2);
    assert_eq!(server.publish(&event("news", 3)).await, 0);
    let notice = Msg::Notice {
        text: "maintenance".into(),
    };
    assert_eq!(server.publish(&notice).await, 2);
    let raw = json!({"type": "event", "topic": "trades.BTC", "seq": 4}).to_string();
    assert_eq!(server.publish_text(Some("trades.BTC"), raw).await, 2);

    for expected in [
        event("trades.ETH", 1),
        event("trades.BTC", 2),
        notice.clone(),
        event("trades.BTC", 4),
    ] {
        assert_eq!(next_message(&mut wild_events).await, expected);
    }
    for seq in [2, 4] {
        assert_eq!(
            raw_recv(&mut exact).await,
            json!({"type": "event", "topic": "trades.BTC", "seq": seq})
        );
        if seq == 2 {
            assert_eq!(raw_recv(&mut exact).await["type"], "notice");
        }
    }
    wild.close().await;
}

#[tokio::test]
async fn unsubscribing_stops_delivery() {
    let server = server().await;
    let mut log = server.events();
    let (client, mut events) = client(ClientConfig::new(server.url("/ws")));
    subscribed(&client, &["a", "b"]).await;
    assert_eq!(server.publish(&event("a", 1)).await, 1);
    client.unsubscribe(["a"]).await.expect("unsubscribe");
    let topics = mock_event(&mut log, |e| match e {
        MockEvent::Unsubscribed { topics, .. } => Some(topics.clone()),
        _ => None,
    })
    .await;
    assert_eq!(topics, ["a"]);
    assert_eq!(server.publish(&event("a", 2)).await, 0);
    assert_eq!(server.publish(&event("b", 3)).await, 1);
    assert_eq!(next_message(&mut events).await, event("a", 1));
    assert_eq!(next_message(&mut events).await, event("b", 3));
    client.close().await;
}

#[tokio::test]
async fn refused_subscriptions_get_the_refusal_and_add_nothing() {
    let server = server().await;
    let refusal = Msg::Error {
        topics: vec!["secret".into()],
        reason: "forbidden".into(),
    };
    server.refuse("secret", refusal);
    let (client, _events) = client(ClientConfig::new(server.url("/ws")));
    let refused = within("subscribe", client.subscribe(["public", "secret"])).await;
    assert_eq!(
        refused,
        Err(ClientError::Rejected {
            topics: vec!["secret".into()],
            reason: "forbidden".into()
        })
    );
    assert_eq!(server.publish(&event("public", 1)).await, 0);
    assert_eq!(server.publish(&event("secret", 2)).await, 0);
    subscribed(&client, &["public"]).await;
    assert_eq!(server.publish(&event("public", 3)).await, 1);
    client.close().await;
}

#[tokio::test]
async fn frames_that_do_not_decode_get_the_invalid_reply() {
    let server = server().await;
    let mut ws = raw_connect(&server.url("/ws")).await.expect("connect");
    ws.send(Message::text("{nope")).await.expect("send");
    let reply = raw_recv(&mut ws).await;
    assert_eq!(reply["type"], "invalid");
    assert!(!reply["reason"].as_str().unwrap_or_default().is_empty());
    // Neither subscribe nor unsubscribe: no reply, so the next frame is the ack.
    raw_send(&mut ws, json!({"op": "hello", "topics": []})).await;
    ws.send(Message::binary(b"\xff\x00".to_vec()))
        .await
        .expect("send");
    raw_subscribe(&mut ws, &["x"]).await;
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn implicit_subscription_delivers_without_subscribing() {
    let server = MockServer::bind("127.0.0.1:0", Server { implicit: true })
        .await
        .expect("bind");
    let mut ws = raw_connect(&server.url("/stream/trades"))
        .await
        .expect("connect");
    assert!(server.wait_connections(1, LIMIT).await);
    assert_eq!(server.publish(&event("trades.BTC", 1)).await, 1);
    assert_eq!(raw_recv(&mut ws).await["seq"], 1);
}

#[tokio::test]
async fn tokens_are_checked_at_the_handshake_and_can_expire() {
    let server = server().await;
    let mut log = server.events();
    // Before any token is accepted, anything goes.
    drop(raw_connect(&server.url("/ws")).await.expect("open server"));
    server.accept_token("good");
    server.accept_token("other");
    assert_eq!(
        refused_status(raw_connect(&server.url("/ws?token=bad")).await),
        401
    );
    assert_eq!(refused_status(raw_connect(&server.url("/ws")).await), 401);
    for path in ["/ws?token=bad", "/ws"] {
        let refused = mock_event(&mut log, |e| match e {
            MockEvent::Refused { path, status } => Some((path.clone(), *status)),
            _ => None,
        })
        .await;
        assert_eq!(refused, (path.to_owned(), 401));
    }

    let (client, mut events) = client(ClientConfig::new(server.url("/ws?token=good")));
    subscribed(&client, &["a"]).await;
    let _other = raw_connect(&server.url("/ws?token=other"))
        .await
        .expect("other token");
    assert!(server.wait_connections(2, LIMIT).await);

    server.fault(Fault::ExpireToken("good".into()));
    assert_eq!(
        next_disconnect(&mut events).await,
        Disconnect::ServerClosed {
            code: 4001,
            reason: "token expired".into()
        }
    );
    assert_eq!(
        next_disconnect(&mut events).await,
        Disconnect::ConnectFailed("HTTP status 401 Unauthorized".into())
    );
    let refused = mock_event(&mut log, |e| match e {
        MockEvent::Refused { path, status } => Some((path.clone(), *status)),
        _ => None,
    })
    .await;
    assert_eq!(refused, ("/ws?token=good".to_owned(), 401));
    // The other token's connection is untouched.
    assert!(server.wait_connections(1, LIMIT).await);
    assert!(raw_connect(&server.url("/ws?token=other")).await.is_ok());
    client.close().await;
}

#[tokio::test]
async fn an_expired_token_is_refused_until_accepted_again() {
    let server = server().await;
    server.fault(Fault::ExpireToken("old".into()));
    // No token accepted: any connection but the expired token's.
    assert_eq!(
        refused_status(raw_connect(&server.url("/ws?token=old")).await),
        401
    );
    assert!(raw_connect(&server.url("/ws")).await.is_ok());
    assert!(raw_connect(&server.url("/ws?token=new")).await.is_ok());
    server.accept_token("old");
    assert!(raw_connect(&server.url("/ws?token=old")).await.is_ok());
    assert_eq!(
        refused_status(raw_connect(&server.url("/ws?token=new")).await),
        401
    );
}

#[tokio::test]
async fn drop_fault_makes_the_client_reconnect_and_resubscribe() {
    let server = server().await;
    let mut log = server.events();
    let (client, mut events) = client(ClientConfig::new(server.url("/ws")));
    subscribed(&client, &["a"]).await;
    server.fault(Fault::Drop);
    let reason = next_disconnect(&mut events).await;
    assert!(
        matches!(reason, Disconnect::Eof | Disconnect::ReadFailed(_)),
        "{reason:?}"
    );
    mock_event(&mut log, |e| {
        matches!(e, MockEvent::Subscribed { id: 2, .. }).then_some(())
    })
    .await;
    assert_eq!(server.publish(&event("a", 1)).await, 1);
    assert_eq!(next_message(&mut events).await, event("a", 1));
    assert_eq!(server.accepted(), 2);
    client.close().await;
}

/// Advances the frozen clock `step` at a time, letting the client run between steps, until it
/// reconnects: the messages before, the reason and the announced backoff. Panics after 100 steps.
async fn advance_until_reconnect(
    events: &mut EventStream<Msg>,
    step: Duration,
) -> (Vec<Msg>, Disconnect, Duration) {
    let mut messages = Vec::new();
    for _ in 0..100 {
        advance(step).await;
        while let Some(event) = events.try_recv() {
            match event {
                Event::Message(m) => messages.push(m),
                Event::Reconnecting { reason, delay, .. } => return (messages, reason, delay),
                _ => {}
            }
        }
    }
    panic!("no reconnect after 100 steps of {step:?}");
}

#[tokio::test(start_paused = true)]
async fn silence_fault_is_caught_by_the_client_heartbeat() {
    // Frozen: pings and the heartbeat's verdict happen only as the test advances the clock, so
    // a busy machine can neither fake a dead connection nor hide one.
    let _clock = freeze();
    let server = server().await;
    let mut log = server.events();
    let heartbeat = Heartbeat {
        interval: Duration::from_millis(50),
        timeout: Duration::from_millis(250),
    };
    let (client, mut events) =
        client(ClientConfig::new(server.url("/ws")).heartbeat(Some(heartbeat)));
    subscribed(&client, &["a"]).await;
    // A healthy connection (pings answered, events flowing) outlives two heartbeat timeouts.
    for seq in 0..12 {
        advance(heartbeat.interval).await;
        assert_eq!(server.publish(&event("a", seq)).await, 1);
        let message = wait_for(&mut events, |e| match e {
            Event::Message(m) => Some(m.clone()),
            Event::Reconnecting { reason, .. } => panic!("reconnected: {reason:?}"),
            _ => None,
        })
        .await;
        assert_eq!(message, event("a", seq));
    }
    server.fault(Fault::Silence);
    // Publishing skips the silenced connection instead of waiting on it.
    let skipped = within("publish", server.publish(&event("a", 100))).await;
    assert_eq!(skipped, 0);
    let (messages, reason, delay) = advance_until_reconnect(&mut events, heartbeat.interval).await;
    assert_eq!(reason, Disconnect::HeartbeatTimeout);
    assert!(messages.is_empty(), "{messages:?}");
    // The client dropped the silent connection; so does the server.
    mock_event(&mut log, |e| {
        matches!(e, MockEvent::Disconnected { id: 1 }).then_some(())
    })
    .await;
    advance(delay).await;
    mock_event(&mut log, |e| {
        matches!(e, MockEvent::Subscribed { id: 2, .. }).then_some(())
    })
    .await;
    assert_eq!(server.publish(&event("a", 2)).await, 1);
    assert_eq!(next_message(&mut events).await, event("a", 2));
    within("close", client.close()).await;
}

#[tokio::test]
async fn close_fault_reaches_the_client_with_its_code() {
    let server = server().await;
    let (client, mut events) = client(ClientConfig::new(server.url("/ws")));
    wait_for(&mut events, |e| matches!(e, Event::Connected).then_some(())).await;
    assert!(server.wait_connections(1, LIMIT).await);
    server.fault(Fault::Close {
        code: 1011,
        reason: "boom".into(),
    });
    assert_eq!(
        next_disconnect(&mut events).await,
        Disconnect::ServerClosed {
            code: 1011,
            reason: "boom".into()
        }
    );
    wait_for(&mut events, |e| matches!(e, Event::Connected).then_some(())).await;
    client.close().await;
}

#[tokio::test]
async fn malformed_fault_is_reported_and_the_connection_goes_on() {
    let server = server().await;
    let (client, mut events) = client(ClientConfig::new(server.url("/ws")));
    subscribed(&client, &["a"]).await;
    server.fault(Fault::Malformed);
    wait_for(&mut events, |e| match e {
        Event::Malformed { .. } => Some(()),
        Event::Reconnecting { reason, .. } => panic!("reconnected: {reason:?}"),
        _ => None,
    })
    .await;
    assert_eq!(server.publish(&event("a", 1)).await, 1);
    let message = wait_for(&mut events, |e| match e {
        Event::Message(m) => Some(m.clone()),
        Event::Reconnecting { reason, .. } => panic!("reconnected: {reason:?}"),
        _ => None,
    })
    .await;
    assert_eq!(message, event("a", 1));
    assert_eq!((server.connections(), server.accepted()), (1, 1));
    client.close().await;
}

#[tokio::test]
async fn drop_every_n_drops_the_connection_after_the_nth_event() {
    let server = server().await;
    let mut log = server.events();
    let (client, mut events) = Client::spawn(
        ClientConfig::new(server.url("/ws")).reconnect(ReconnectPolicy {
            initial: Duration::from_millis(200),
            max: Duration::from_millis(200),
            ..fast_policy()
        }),
        ClientSide,
    )
    .expect("spawn");
    subscribed(&client, &["a"]).await;
    server.drop_every(Some(3));
    for seq in 0..3 {
        assert_eq!(server.publish(&event("a", seq)).await, 1);
    }
    // The connection is being dropped: nothing more goes to it.
    assert_eq!(server.publish(&event("a", 3)).await, 0);
    let (messages, reason) = messages_until_reconnect(&mut events).await;
    assert_eq!(messages, [event("a", 0), event("a", 1), event("a", 2)]);
    assert!(
        matches!(reason, Disconnect::Eof | Disconnect::ReadFailed(_)),
        "{reason:?}"
    );

    mock_event(&mut log, |e| {
        matches!(e, MockEvent::Subscribed { id: 2, .. }).then_some(())
    })
    .await;
    server.drop_every(None);
    for seq in 10..15 {
        assert_eq!(server.publish(&event("a", seq)).await, 1);
    }
    for seq in 10..15 {
        assert_eq!(next_message(&mut events).await, event("a", seq));
    }
    assert_eq!((server.connections(), server.accepted()), (1, 2));
    client.close().await;
}

/// A throughput smoke test: no timing assertion, only that everything arrives in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_events_arrive_in_order() {
    const COUNT: u64 = 100_000;
    let server = server().await;
    let (client, mut events) =
        client(ClientConfig::new(server.url("/ws")).event_capacity(COUNT as usize + 1024));
    subscribed(&client, &["bulk"]).await;
    let publisher = server.clone();
    let publishing = tokio::spawn(async move {
        let mut queued = 0;
        for seq in 0..COUNT {
            queued += publisher.publish(&event("bulk", seq)).await;
        }
        queued
    });
    // Its own bound: a throughput, not a single wait.
    let received = tokio::time::timeout(Duration::from_secs(120), async {
        let mut next = 0;
        while next < COUNT {
            match events.recv().await.expect("stream ended") {
                Event::Message(Msg::Event { seq, .. }) => {
                    assert_eq!(seq, next, "out of order");
                    next += 1;
                }
                Event::Reconnecting { reason, .. } => panic!("reconnected: {reason:?}"),
                _ => {}
            }
        }
        next
    })
    .await
    .expect("events did not all arrive");
    assert_eq!(received, COUNT);
    assert_eq!(publishing.await.expect("join"), COUNT as usize);
    assert_eq!(events.dropped(), 0);
    client.close().await;
}

#[tokio::test]
async fn shutdown_closes_with_1001_and_stops_accepting() {
    let server = server().await;
    let (client, mut events) = client(ClientConfig::new(server.url("/ws")));
    let mut raw = raw_connect(&server.url("/ws")).await.expect("connect");
    assert!(server.wait_connections(2, LIMIT).await);
    // The raw client keeps reading, so it answers the close handshake as a live client does
    // (one that did not would be dropped after the server's close wait).
    let closing = tokio::spawn(async move {
        let mut code = None;
        while let Some(Ok(message)) = raw.next().await {
            if let Message::Close(frame) = message {
                code = frame.map(|f| u16::from(f.code));
            }
        }
        code
    });
    within("shutdown", server.shutdown()).await;
    assert_eq!(server.connections(), 0);
    assert_eq!(
        next_disconnect(&mut events).await,
        Disconnect::ServerClosed {
            code: 1001,
            reason: "server shutting down".into()
        }
    );
    let close = within("the raw client's close", closing)
        .await
        .expect("join");
    assert_eq!(close, Some(1001));
    assert!(raw_connect(&server.url("/ws")).await.is_err());
    let reason = next_disconnect(&mut events).await;
    assert!(matches!(reason, Disconnect::ConnectFailed(_)), "{reason:?}");
    client.close().await;
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_server() {
    let server = server().await;
    let url = server.url("/ws");
    let mut raw = raw_connect(&url).await.expect("connect");
    assert!(server.wait_connections(1, LIMIT).await);
    let clone = server.clone();
    drop(server);
    // A clone keeps it running.
    assert_eq!(clone.publish_text(None, "{}").await, 1);
    assert_eq!(raw_recv(&mut raw).await, json!({}));
    drop(clone);
    // The connection is dropped and the port released.
    within("the end of the connection", async {
        while let Some(Ok(_)) = raw.next().await {}
    })
    .await;
    // The accept loop stops as a task of the runtime: poll until it has.
    within("the port's release", async {
        while raw_connect(&url).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// Generated code spawns these futures: they must be `Send`.
#[test]
fn the_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    fn check(server: &MockServer<Server>) {
        send(&MockServer::bind("127.0.0.1:0", Server { implicit: false }));
        send(&server.publish(&event("a", 1)));
        send(&server.publish_text(None, "{}"));
        send(&server.wait_subscribed(&["a"], LIMIT));
        send(&server.wait_connections(1, LIMIT));
        send(&server.shutdown());
        send(server);
    }
    let _ = check;
}
