//! End to end over loopback: the generated websocket clients against the generated mock
//! servers. Subscriptions are acknowledged, every example event arrives typed, topics and
//! wildcards route as the spec says, refusals surface their typed error code, and the client
//! rides out every fault the mock injects (drops, silence, 1011, malformed frames, expired
//! tokens) by reconnecting with the policy's backoff and resubscribing. Every wait is bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use asyncgen_generated_tests::specs_dialpad_websocket as dialpad;
use asyncgen_generated_tests::specs_voipbin_websocket as voipbin;
use asyncgen_runtime::ws::mock::Fault;
use asyncgen_runtime::ws::{
    Ack, ClientError, ConnectionUrl, Disconnect, Event, EventStream, ExpiringUrl, Jitter,
    ReconnectPolicy,
};
use tokio::time::timeout;
use voipbin::client::Client;
use voipbin::mock::{MockProtocol, MockServer};
use voipbin::types::{ErrorCode, ErrorResponse, ServerMessage, Topic};

const LIMIT: Duration = Duration::from_secs(10);
const TOKEN: &str = "test-token";

async fn voipbin_mock() -> MockServer {
    let mock = MockServer::bind("127.0.0.1:0", MockProtocol)
        .await
        .expect("bind");
    mock.accept_token(TOKEN);
    mock
}

fn voipbin_url(mock: &MockServer) -> String {
    Client::url_with_token(&mock.url("/v1.0/ws"), TOKEN)
}

/// The spec's policy scaled down 100×, so the backoff sequence is observable quickly: 10 ms
/// doubling to 300 ms, no jitter, never "stable" within a test.
fn scaled(url: impl Into<ConnectionUrl>) -> asyncgen_runtime::ws::ClientConfig {
    let mut config = Client::config(url);
    config.reconnect = ReconnectPolicy {
        initial: config.reconnect.initial / 100,
        max: config.reconnect.max / 100,
        stable_after: Duration::from_secs(600),
        ..config.reconnect
    };
    config.heartbeat = Some(asyncgen_runtime::ws::Heartbeat {
        interval: Duration::from_millis(200),
        timeout: Duration::from_millis(500),
    });
    config
}

/// The next event that `pick` accepts, skipping the others; panics after `LIMIT`.
async fn next_matching<T>(
    events: &mut EventStream<ServerMessage>,
    mut pick: impl FnMut(Event<ServerMessage>) -> Option<T>,
) -> T {
    timeout(LIMIT, async {
        loop {
            let event = events.recv().await.expect("the stream ended");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
    .expect("the expected event never came")
}

async fn next_message(events: &mut EventStream<ServerMessage>) -> ServerMessage {
    next_matching(events, |e| match e {
        Event::Message(m) if !matches!(m, ServerMessage::Ack(_)) => Some(m),
        _ => None,
    })
    .await
}

fn call_event(topic: &str) -> ServerMessage {
    let json = voipbin::mock::EXAMPLES
        .iter()
        .find(|(name, _)| *name == "CallCreated")
        .expect("a CallCreated example")
        .1;
    let mut value: serde_json::Value = serde_json::from_str(json).expect("json");
    value["topic"] = topic.into();
    serde_json::from_value(value).expect("decodes")
}

fn topic_of(m: &ServerMessage) -> String {
    serde_json::to_value(m).expect("encodes")["topic"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_client_configuration_is_the_spec_policy() {
    let config = Client::config("wss://example.invalid/ws");
    assert_eq!(config.reconnect.initial, Duration::from_secs(1));
    assert_eq!(config.reconnect.max, Duration::from_secs(30));
    assert_eq!(config.reconnect.multiplier, 2.0);
    assert_eq!(config.reconnect.jitter, Jitter::None);
    let heartbeat = config.heartbeat.expect("heartbeat");
    assert_eq!(heartbeat.interval, Duration::from_secs(30));
    assert_eq!(heartbeat.timeout, Duration::from_secs(10));
    let delays: Vec<u64> = (1..=7)
        .map(|n| config.reconnect.base_delay(n).as_secs())
        .collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);

    let dialpad = dialpad::client::Client::config("wss://example.invalid/events/t");
    assert_eq!(dialpad.refresh_before, Duration::from_secs(300));
    assert_eq!(
        dialpad::client::Client::TOKEN_LIFETIME,
        Duration::from_secs(3600)
    );
}

#[test]
fn topics_build_print_and_match_with_wildcards() {
    assert_eq!(
        Topic::customer("abc").calls().as_str(),
        "customer_id:abc:call:*"
    );
    assert_eq!(
        Topic::customer("abc").call("x1").as_str(),
        "customer_id:abc:call:x1"
    );
    assert_eq!(Topic::agent("a1").queues().as_str(), "agent_id:a1:queue:*");
    assert_eq!(Topic::customer("abc").all().as_str(), "customer_id:abc:*:*");
    let t = Topic::from("customer_id:abc:call:x1");
    assert_eq!(t.scope(), Some("customer_id"));
    assert_eq!(t.resource_id(), Some("x1"));
    assert!(
        Topic::customer("abc")
            .calls()
            .matches("customer_id:abc:call:x1")
    );
    assert!(
        Topic::customer("abc")
            .all()
            .matches("customer_id:abc:message:m")
    );
    assert!(
        !Topic::customer("abc")
            .calls()
            .matches("customer_id:abc:message:m")
    );
    assert!(
        !Topic::customer("abc")
            .calls()
            .matches("customer_id:other:call:x1")
    );
    assert!(
        !Topic::customer("abc")
            .call("x1")
            .matches("customer_id:abc:call:x2")
    );
    // The scope has no wildcard: `*` there is a literal value.
    assert!(!Topic::from("*:abc:call:x1").matches("customer_id:abc:call:x1"));
    // A value off the pattern is kept and matches only itself.
    assert_eq!(Topic::from("odd").segments(), None);
    assert!(Topic::from("odd").matches("odd"));
}

#[tokio::test]
async fn subscribe_is_acked_and_every_example_arrives_typed() {
    let mock = voipbin_mock().await;
    let (client, mut events) = Client::connect(voipbin_url(&mock)).expect("config");
    let examples = voipbin::mock::examples();
    assert_eq!(
        examples.len(),
        voipbin::mock::EXAMPLES.len(),
        "every example decodes"
    );
    let mut scopes: Vec<Topic> = examples
        .iter()
        .filter_map(|(_, m)| {
            let t = Topic::from(topic_of(m));
            let [scope, id, _, _] = t.segments()?;
            Some(Topic::from(format!("{scope}:{id}:*:*")))
        })
        .collect();
    scopes.sort();
    scopes.dedup();
    assert_eq!(
        client.subscribe(scopes.clone()).await,
        Ok(Ack::Confirmed),
        "the mock acknowledges"
    );
    let ack = next_matching(&mut events, |e| match e {
        Event::Message(ServerMessage::Ack(a)) => Some(a),
        _ => None,
    })
    .await;
    assert_eq!(ack.topics, scopes, "the typed ack echoes the topics");
    for (name, event) in &examples {
        assert_eq!(
            mock.publish(event).await,
            1,
            "{name} goes to the one client"
        );
        let got = next_message(&mut events).await;
        assert_eq!(got.message_name(), Some(*name));
        assert_eq!(&got, event, "{name} arrives as published");
        assert!(!matches!(got, ServerMessage::Unknown(_)), "{name} is typed");
    }
    client.close().await;
}

#[tokio::test]
async fn topics_route_exactly_and_unsubscribe_stops_delivery() {
    let mock = voipbin_mock().await;
    let (client, mut events) = Client::connect(voipbin_url(&mock)).expect("config");
    let specific = Topic::customer("c1").call("x1");
    let sentinel = Topic::customer("c1").messages();
    assert_eq!(
        client.subscribe([specific.clone(), sentinel.clone()]).await,
        Ok(Ack::Confirmed)
    );
    // Not subscribed: another call of the customer, and another customer's call.
    assert_eq!(mock.publish(&call_event("customer_id:c1:call:x2")).await, 0);
    assert_eq!(mock.publish(&call_event("customer_id:c2:call:x1")).await, 0);
    mock.publish(&call_event("customer_id:c1:call:x1")).await;
    assert_eq!(
        topic_of(&next_message(&mut events).await),
        "customer_id:c1:call:x1"
    );

    // The wildcard covers every call of the customer.
    assert_eq!(
        client.subscribe([Topic::customer("c1").calls()]).await,
        Ok(Ack::Confirmed)
    );
    assert_eq!(mock.publish(&call_event("customer_id:c1:call:x2")).await, 1);
    assert_eq!(
        topic_of(&next_message(&mut events).await),
        "customer_id:c1:call:x2"
    );

    client
        .unsubscribe([specific, Topic::customer("c1").calls()])
        .await
        .expect("unsubscribe");
    let gone = timeout(LIMIT, async {
        while mock.publish(&call_event("customer_id:c1:call:x1")).await > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the server stops routing calls");
    let mut message = call_event("customer_id:c1:message:m1");
    if let ServerMessage::CallCreated(e) = &mut message {
        e.topic = Topic::customer("c1").message("m1");
    }
    mock.publish(&message).await;
    // Calls published before the unsubscribe took effect may still be in flight; after them,
    // only the sentinel.
    let next = next_matching(&mut events, |e| match e {
        Event::Message(m) if topic_of(&m) != "customer_id:c1:call:x1" => Some(m),
        _ => None,
    })
    .await;
    assert_eq!(topic_of(&next), "customer_id:c1:message:m1");
    client.close().await;
}

#[tokio::test]
async fn a_refusal_surfaces_its_typed_error_code() {
    let mock = voipbin_mock().await;
    let denied = Topic::customer("other").calls();
    let reply: ErrorResponse = serde_json::from_value(serde_json::json!({
        "type": "error",
        "action": "subscribe",
        "topics": [denied.as_str()],
        "code": "PERMISSION_DENIED",
        "message": "You do not have permission to subscribe to this topic",
    }))
    .expect("error reply");
    mock.refuse(denied.as_str(), ServerMessage::Error(reply));
    let (client, mut events) = Client::connect(voipbin_url(&mock)).expect("config");
    match client.subscribe([denied.clone()]).await {
        Err(ClientError::Rejected { topics, reason }) => {
            assert_eq!(topics, [denied.to_string()]);
            assert!(reason.starts_with("PERMISSION_DENIED"), "{reason}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let error = next_matching(&mut events, |e| match e {
        Event::Message(ServerMessage::Error(e)) => Some(e),
        _ => None,
    })
    .await;
    assert_eq!(error.code, ErrorCode::PermissionDenied);
    // A refused topic is not active: it is not restored after a reconnect.
    mock.fault(Fault::Drop);
    next_matching(&mut events, |e| matches!(e, Event::Connected).then_some(())).await;
    assert!(
        !mock
            .wait_subscribed(&[denied.as_str()], Duration::from_millis(300))
            .await
    );
    client.close().await;
}

/// Publishes one call event per step and returns, per step, the state events seen before it
/// arrived (so the test asserts reconnects between steps).
async fn publish_and_collect(
    mock: &MockServer,
    events: &mut EventStream<ServerMessage>,
    topic: &Topic,
    seq: usize,
) -> Vec<String> {
    let id = format!("customer_id:c1:call:n{seq}");
    let mut seen = Vec::new();
    // A connection the mock is tearing down may still take an event and lose it: publish
    // again until it arrives (a repeat of an earlier step's event is skipped below).
    let arrived = timeout(LIMIT, async {
        loop {
            assert!(
                mock.wait_subscribed(&[topic.as_str()], LIMIT).await,
                "subscribed again"
            );
            if mock.publish(&call_event(&id)).await == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            let got = timeout(Duration::from_millis(500), async {
                loop {
                    match events.recv().await.expect("stream") {
                        Event::Message(m) if topic_of(&m) == id => break,
                        Event::Message(_) => {}
                        other => seen.push(state(&other)),
                    }
                }
            })
            .await;
            if got.is_ok() {
                break;
            }
        }
    })
    .await;
    assert!(arrived.is_ok(), "event {seq} never arrived; saw {seen:?}");
    seen
}

fn state(e: &Event<ServerMessage>) -> String {
    match e {
        Event::Connecting { attempt } => format!("connecting {attempt}"),
        Event::Connected => "connected".into(),
        Event::Subscribed { .. } => "subscribed".into(),
        Event::Reconnecting {
            attempt,
            delay,
            reason,
        } => format!(
            "reconnecting {attempt} after {}ms ({})",
            delay.as_millis(),
            match reason {
                Disconnect::Eof | Disconnect::ReadFailed(_) => "dropped".to_owned(),
                Disconnect::HeartbeatTimeout => "heartbeat".to_owned(),
                Disconnect::ServerClosed { code, .. } => format!("closed {code}"),
                other => other.to_string(),
            }
        ),
        Event::Malformed { .. } => "malformed".into(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn faults_reconnect_with_the_backoff_and_resubscribe() {
    let mock = voipbin_mock().await;
    let (client, mut events) = Client::connect_with(scaled(voipbin_url(&mock))).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(client.subscribe([topic.clone()]).await, Ok(Ack::Confirmed));
    let mut log = publish_and_collect(&mock, &mut events, &topic, 0).await;

    mock.fault(Fault::Drop);
    log.extend(publish_and_collect(&mock, &mut events, &topic, 1).await);
    mock.fault(Fault::Close {
        code: 1011,
        reason: "internal error".into(),
    });
    log.extend(publish_and_collect(&mock, &mut events, &topic, 2).await);
    mock.fault(Fault::Silence);
    log.extend(publish_and_collect(&mock, &mut events, &topic, 3).await);
    mock.fault(Fault::Malformed);
    log.extend(publish_and_collect(&mock, &mut events, &topic, 4).await);

    assert_eq!(
        log,
        [
            "connecting 1",
            "connected",
            "subscribed",
            "reconnecting 2 after 10ms (dropped)",
            "connecting 2",
            "connected",
            "subscribed",
            "reconnecting 3 after 20ms (closed 1011)",
            "connecting 3",
            "connected",
            "subscribed",
            "reconnecting 4 after 40ms (heartbeat)",
            "connecting 4",
            "connected",
            "subscribed",
            "malformed",
        ]
    );
    assert_eq!(mock.accepted(), 4);
    client.close().await;
}

#[tokio::test]
async fn a_connection_dropped_every_n_events_loses_nothing_delivered_and_resumes() {
    let mock = voipbin_mock().await;
    mock.drop_every(Some(3));
    let (client, mut events) = Client::connect_with(scaled(voipbin_url(&mock))).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(client.subscribe([topic.clone()]).await, Ok(Ack::Confirmed));
    let mut reconnects = 0;
    for seq in 0..9 {
        let seen = publish_and_collect(&mock, &mut events, &topic, seq).await;
        reconnects += seen
            .iter()
            .filter(|s| s.starts_with("reconnecting"))
            .count();
    }
    // Dropped after events 3 and 6 (the drop after 9 comes after the loop).
    assert_eq!(reconnects, 2);
    client.close().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_through_the_url_provider() {
    let mock = voipbin_mock().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let (provider_mock, counter) = (mock.clone(), Arc::clone(&calls));
    let provider = ConnectionUrl::provider(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("token-{n}");
        provider_mock.accept_token(token.clone());
        let url = Client::url_with_token(&provider_mock.url("/v1.0/ws"), &token);
        async move { Ok(ExpiringUrl::new(url)) }
    });
    let (client, mut events) = Client::connect_with(scaled(provider)).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(client.subscribe([topic.clone()]).await, Ok(Ack::Confirmed));
    publish_and_collect(&mock, &mut events, &topic, 0).await;
    mock.fault(Fault::ExpireToken("token-1".into()));
    let seen = publish_and_collect(&mock, &mut events, &topic, 1).await;
    assert!(
        seen.iter().any(|s| s.contains("closed 4001")),
        "the server closed for the expired token: {seen:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a fresh URL was asked for");
    client.close().await;
}

#[tokio::test]
async fn a_slow_consumer_loses_the_oldest_events_with_bounded_memory() {
    let mock = voipbin_mock().await;
    let mut config = Client::config(voipbin_url(&mock));
    config.event_capacity = 16;
    let (client, mut events) = Client::connect_with(config).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(client.subscribe([topic]).await, Ok(Ack::Confirmed));
    // Nothing is read while 1,000 events arrive.
    for seq in 0..1000 {
        mock.publish(&call_event(&format!("customer_id:c1:call:n{seq}")))
            .await;
    }
    let last = "customer_id:c1:call:n999";
    let arrived = timeout(LIMIT, async {
        while events.dropped() < 1000 - 16 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(arrived.is_ok(), "dropped {}", events.dropped());
    let mut held = Vec::new();
    while let Some(e) = events.try_recv() {
        held.push(e);
    }
    assert!(held.len() <= 16, "the queue holds at most its capacity");
    match held.last() {
        Some(Event::Message(m)) => assert_eq!(topic_of(m), last, "the newest is kept"),
        other => panic!("expected the newest event, got {other:?}"),
    }
    client.close().await;
}

#[tokio::test]
async fn dialpad_refreshes_its_url_before_the_token_expires_and_events_continue() {
    use dialpad::client::Client as Dialpad;
    use dialpad::mock::{MockProtocol as DialpadMock, MockServer as DialpadServer};
    let mock = DialpadServer::bind("127.0.0.1:0", DialpadMock)
        .await
        .expect("bind");
    let calls = Arc::new(AtomicUsize::new(0));
    let (provider_mock, counter) = (mock.clone(), Arc::clone(&calls));
    let provider = ConnectionUrl::provider(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("dialpad-{n}");
        provider_mock.accept_token(token.clone());
        let url = provider_mock.url(&format!("/events/{token}"));
        async move { Ok(ExpiringUrl::new(url).expires_in(Duration::from_millis(600))) }
    });
    let mut config = Dialpad::config(provider);
    config.refresh_before = Duration::from_millis(300);
    let (client, mut events) = Dialpad::connect_with(config).expect("config");
    let examples = dialpad::mock::examples();
    assert!(!examples.is_empty());
    let mut delivered = 0;
    let deadline = tokio::time::Instant::now() + LIMIT;
    // Publish through at least two refreshes: each connection lives 300 ms.
    while calls.load(Ordering::SeqCst) < 3 && tokio::time::Instant::now() < deadline {
        assert!(mock.wait_connections(1, LIMIT).await);
        let (_, event) = &examples[delivered % examples.len()];
        // An event published while the connection is being replaced may be lost; one that
        // arrives must be a typed, unchanged example.
        if mock.publish(event).await == 1
            && let Ok(got) = timeout(Duration::from_millis(500), async {
                loop {
                    match events.recv().await.expect("stream") {
                        Event::Message(m) => return m,
                        _ => continue,
                    }
                }
            })
            .await
        {
            let (name, expected) = examples
                .iter()
                .find(|(_, e)| *e == got)
                .expect("an example arrives unchanged");
            assert_eq!(got.message_name(), Some(*name));
            assert_eq!(&got, expected);
            delivered += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        calls.load(Ordering::SeqCst) >= 3,
        "the provider was asked again before expiry"
    );
    assert!(
        delivered > 3,
        "events continued across refreshes ({delivered})"
    );
    client.close().await;
}
