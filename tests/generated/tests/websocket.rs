//! End to end over loopback: the generated websocket clients against the generated mock
//! servers. Subscriptions are acknowledged, every example event arrives typed, topics and
//! wildcards route as the spec says, refusals surface their typed error code, and the client
//! rides out every fault the mock injects (drops, silence, 1011, malformed frames, expired
//! tokens) by reconnecting with the policy's backoff and resubscribing.
//!
//! Tests whose verdict involves a timer (ack timeout, heartbeat, backoff, URL refresh) freeze
//! the tokio clock and advance it exactly, so a busy machine cannot change the verdict; every
//! wait is bounded in real time, so a regression fails instead of hanging.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use asyncgen_generated_tests::specs_dialpad_websocket as dialpad;
use asyncgen_generated_tests::specs_voipbin_websocket as voipbin;
use asyncgen_runtime::ws::mock::{Fault, MockEvent};
use asyncgen_runtime::ws::{
    Ack, ClientError, ConnectionUrl, Disconnect, Event, EventStream, ExpiringUrl, Jitter,
    ReconnectPolicy,
};
use tokio::sync::broadcast;
use tokio::time::advance;
use voipbin::client::Client;
use voipbin::mock::{MockProtocol, MockServer};
use voipbin::types::{ErrorCode, ErrorResponse, ServerMessage, Topic};

/// The bound on any one wait. It only decides how long a failing test takes to say so, so it
/// is generous enough for a machine whose cores are busy with other builds.
const LIMIT: Duration = Duration::from_secs(30);
const TOKEN: &str = "test-token";

/// `future`'s output; panics naming `what` if it has not come after `LIMIT` of real time. The
/// bound is kept by a thread, not a tokio timer, so it holds while the tokio clock is frozen.
async fn within<F: Future>(what: &str, future: F) -> F::Output {
    let (expired_tx, expired_rx) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done_rx) = std_mpsc::channel::<()>();
    std::thread::spawn(move || {
        if done_rx.recv_timeout(LIMIT) == Err(std_mpsc::RecvTimeoutError::Timeout) {
            let _ = expired_tx.send(());
        }
    });
    let output = tokio::select! {
        output = future => output,
        Ok(()) = expired_rx => panic!("{what}: nothing after {LIMIT:?}"),
    };
    drop(done_tx);
    output
}

/// Keeps the tokio clock still until dropped: timers fire only when the test calls `advance`.
/// Paused time alone jumps to the next timer whenever the runtime waits, even on a loopback
/// socket whose reply is on its way, so a heartbeat or an ack timeout would fire early; tokio
/// documents (under `time::pause`) that a running `spawn_blocking` task stops that auto-advance.
struct Frozen {
    _release: std_mpsc::Sender<()>,
}

/// See [`Frozen`]. First thing in a test started with `#[tokio::test(start_paused = true)]`:
/// such a runtime's clock sits on the timer wheel's millisecond grid (deadlines are rounded up
/// to the next millisecond), so advancing by a timer's duration fires it.
fn freeze() -> Frozen {
    let (release, released) = std_mpsc::channel::<()>();
    // Ends when the guard is dropped, which the test does before its runtime shuts down.
    drop(tokio::task::spawn_blocking(move || {
        let _ = released.recv();
    }));
    Frozen { _release: release }
}

/// Advances the frozen clock past a backoff `delay` the client announced. A jittered delay is no
/// whole number of milliseconds; its deadline is rounded up to the next one, and so is the step,
/// which keeps the clock on the millisecond grid.
async fn wait_out(delay: Duration) {
    let millis = delay.as_nanos().div_ceil(1_000_000);
    advance(Duration::from_millis(
        u64::try_from(millis).expect("a short delay"),
    ))
    .await;
}

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

/// The spec's policy scaled down 100×: 10 ms doubling to 300 ms, no jitter, never "stable"
/// within a test, and a heartbeat of 200 ms / 500 ms (on a frozen clock, these are what the
/// test advances by).
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

/// The next event that `pick` accepts, skipping the others.
async fn next_matching<M, T>(
    events: &mut EventStream<M>,
    mut pick: impl FnMut(Event<M>) -> Option<T>,
) -> T {
    within("the expected event", async {
        loop {
            let event = events.recv().await.expect("the stream ended");
            if let Some(found) = pick(event) {
                return found;
            }
        }
    })
    .await
}

async fn next_message(events: &mut EventStream<ServerMessage>) -> ServerMessage {
    next_matching(events, |e| match e {
        Event::Message(m) if !matches!(m, ServerMessage::Ack(_)) => Some(m),
        _ => None,
    })
    .await
}

/// The next thing the mock reports that `pick` accepts.
async fn mock_event<T>(
    log: &mut broadcast::Receiver<MockEvent>,
    mut pick: impl FnMut(MockEvent) -> Option<T>,
) -> T {
    within("the mock's event", async {
        loop {
            match log.recv().await {
                Ok(event) => {
                    if let Some(found) = pick(event) {
                        return found;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("the mock's events ended"),
            }
        }
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

#[tokio::test(start_paused = true)]
async fn subscribe_is_acked_and_every_example_arrives_typed() {
    // Frozen: the acknowledgement cannot be late, however slow the machine.
    let _clock = freeze();
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
        within("subscribe", client.subscribe(scopes.clone())).await,
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
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn topics_route_exactly_and_unsubscribe_stops_delivery() {
    let _clock = freeze();
    let mock = voipbin_mock().await;
    let mut log = mock.events();
    let (client, mut events) = Client::connect(voipbin_url(&mock)).expect("config");
    let specific = Topic::customer("c1").call("x1");
    let sentinel = Topic::customer("c1").messages();
    assert_eq!(
        within(
            "subscribe",
            client.subscribe([specific.clone(), sentinel.clone()])
        )
        .await,
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
    let calls = Topic::customer("c1").calls();
    assert_eq!(
        within("subscribe", client.subscribe([calls.clone()])).await,
        Ok(Ack::Confirmed)
    );
    assert_eq!(mock.publish(&call_event("customer_id:c1:call:x2")).await, 1);
    assert_eq!(
        topic_of(&next_message(&mut events).await),
        "customer_id:c1:call:x2"
    );

    // `unsubscribe` awaits no reply: once the mock has taken the request, calls stop.
    within(
        "unsubscribe",
        client.unsubscribe([specific.clone(), calls.clone()]),
    )
    .await
    .expect("unsubscribe");
    let mut gone = Vec::new();
    while gone.len() < 2 {
        gone.extend(
            mock_event(&mut log, |e| match e {
                MockEvent::Unsubscribed { topics, .. } => Some(topics),
                _ => None,
            })
            .await,
        );
    }
    gone.sort();
    assert_eq!(gone, [calls.to_string(), specific.to_string()]);
    assert_eq!(mock.publish(&call_event("customer_id:c1:call:x1")).await, 0);
    let mut message = call_event("customer_id:c1:message:m1");
    if let ServerMessage::CallCreated(e) = &mut message {
        e.topic = Topic::customer("c1").message("m1");
    }
    assert_eq!(mock.publish(&message).await, 1);
    assert_eq!(
        topic_of(&next_message(&mut events).await),
        "customer_id:c1:message:m1"
    );
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn a_refusal_surfaces_its_typed_error_code() {
    // Frozen: the reconnect below waits out the spec's 1 s backoff by advancing the clock.
    let _clock = freeze();
    let mock = voipbin_mock().await;
    let mut log = mock.events();
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
    match within("subscribe", client.subscribe([denied.clone()])).await {
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

    // A refused topic is not active: it is not restored after a reconnect. What the client
    // sends on the new connection, up to a later subscription, shows it.
    mock.fault(Fault::Drop);
    let delay = next_matching(&mut events, |e| match e {
        Event::Reconnecting { delay, .. } => Some(delay),
        _ => None,
    })
    .await;
    wait_out(delay).await;
    let later = Topic::customer("c1").calls();
    assert_eq!(
        within("subscribe", client.subscribe([later.clone()])).await,
        Ok(Ack::Confirmed)
    );
    let mut sent = Vec::new();
    mock_event(&mut log, |e| match e {
        MockEvent::Received { id: 2, text } => {
            sent.push(text);
            None
        }
        MockEvent::Subscribed { id: 2, .. } => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(sent.len(), 1, "only the later subscription: {sent:?}");
    assert!(sent[0].contains(later.as_str()), "{sent:?}");
    within("close", client.close()).await;
}

/// Publishes call event `seq` and follows the client until it arrives; returns the state
/// changes seen meanwhile. The clock is frozen: each reconnect's backoff is advanced as the
/// client announces it. When no connection takes the event (the client is between
/// connections) or the one that took it ends first, it is published again once the client is
/// subscribed anew.
async fn publish_and_collect(
    mock: &MockServer,
    events: &mut EventStream<ServerMessage>,
    seq: usize,
) -> Vec<String> {
    let id = format!("customer_id:c1:call:n{seq}");
    let mut seen = Vec::new();
    within(&format!("event {seq}"), async {
        let mut queued = mock.publish(&call_event(&id)).await > 0;
        loop {
            match events.recv().await.expect("the stream ended") {
                Event::Message(m) if topic_of(&m) == id => return,
                Event::Message(_) => {}
                other => {
                    seen.push(state(&other));
                    match other {
                        Event::Reconnecting { delay, .. } => {
                            wait_out(delay).await;
                            queued = false;
                        }
                        Event::Subscribed { .. } if !queued => {
                            queued = mock.publish(&call_event(&id)).await > 0;
                        }
                        _ => {}
                    }
                }
            }
        }
    })
    .await;
    seen
}

/// Advances the frozen clock `step` at a time, letting the client run between steps, until it
/// reconnects; then advances the backoff it announced. Returns the state changes seen.
async fn advance_until_reconnect(
    events: &mut EventStream<ServerMessage>,
    step: Duration,
) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..100 {
        advance(step).await;
        while let Some(event) = events.try_recv() {
            if matches!(event, Event::Message(_)) {
                continue;
            }
            seen.push(state(&event));
            if let Event::Reconnecting { delay, .. } = event {
                wait_out(delay).await;
                return seen;
            }
        }
    }
    panic!("no reconnect after 100 steps of {step:?}; saw {seen:?}");
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

#[tokio::test(start_paused = true)]
async fn faults_reconnect_with_the_backoff_and_resubscribe() {
    // Frozen: no heartbeat fires on a healthy connection while a busy machine is slow to answer
    // it, so the log below is exact.
    let _clock = freeze();
    let mock = voipbin_mock().await;
    let config = scaled(voipbin_url(&mock));
    let heartbeat = config.heartbeat.expect("heartbeat");
    let (client, mut events) = Client::connect_with(config).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(
        within("subscribe", client.subscribe([topic])).await,
        Ok(Ack::Confirmed)
    );
    let mut log = publish_and_collect(&mock, &mut events, 0).await;

    mock.fault(Fault::Drop);
    log.extend(publish_and_collect(&mock, &mut events, 1).await);
    mock.fault(Fault::Close {
        code: 1011,
        reason: "internal error".into(),
    });
    log.extend(publish_and_collect(&mock, &mut events, 2).await);
    // Silence answers nothing, not even pings: only the heartbeat can tell, as time passes.
    mock.fault(Fault::Silence);
    log.extend(advance_until_reconnect(&mut events, heartbeat.interval).await);
    log.extend(publish_and_collect(&mock, &mut events, 3).await);
    mock.fault(Fault::Malformed);
    log.extend(publish_and_collect(&mock, &mut events, 4).await);

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
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_dropped_every_n_events_loses_nothing_delivered_and_resumes() {
    // Frozen: the only reconnects are the mock's drops, never a heartbeat on a busy machine.
    let _clock = freeze();
    let mock = voipbin_mock().await;
    mock.drop_every(Some(3));
    let (client, mut events) = Client::connect_with(scaled(voipbin_url(&mock))).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(
        within("subscribe", client.subscribe([topic])).await,
        Ok(Ack::Confirmed)
    );
    let mut reconnects = 0;
    for seq in 0..9 {
        let seen = publish_and_collect(&mock, &mut events, seq).await;
        reconnects += seen
            .iter()
            .filter(|s| s.starts_with("reconnecting"))
            .count();
    }
    // Dropped after events 3 and 6 (the drop after 9 comes after the loop).
    assert_eq!(reconnects, 2);
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn an_expired_token_is_refreshed_through_the_url_provider() {
    // Frozen: the provider is asked once per connection, and no heartbeat on a busy machine
    // adds a connection.
    let _clock = freeze();
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
    assert_eq!(
        within("subscribe", client.subscribe([topic])).await,
        Ok(Ack::Confirmed)
    );
    publish_and_collect(&mock, &mut events, 0).await;
    mock.fault(Fault::ExpireToken("token-1".into()));
    let seen = publish_and_collect(&mock, &mut events, 1).await;
    assert!(
        seen.iter().any(|s| s.contains("closed 4001")),
        "the server closed for the expired token: {seen:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a fresh URL was asked for");
    within("close", client.close()).await;
}

#[tokio::test]
async fn a_slow_consumer_loses_the_oldest_events_with_bounded_memory() {
    let mock = voipbin_mock().await;
    let mut config = Client::config(voipbin_url(&mock));
    config.event_capacity = 16;
    let (client, mut events) = Client::connect_with(config).expect("config");
    let topic = Topic::customer("c1").calls();
    assert_eq!(
        within("subscribe", client.subscribe([topic])).await,
        Ok(Ack::Confirmed)
    );
    // Nothing is read while 1,000 events arrive.
    for seq in 0..1000 {
        mock.publish(&call_event(&format!("customer_id:c1:call:n{seq}")))
            .await;
    }
    let last = "customer_id:c1:call:n999";
    // Connecting, Connected, Subscribed and the ack, then the 1,000 events, through a queue of
    // 16: once that many are dropped, the last event is in. Nothing signals a drop, so the
    // count is polled, as long as it takes.
    let expected_drops = 4 + 1000 - 16;
    within("the drops", async {
        while events.dropped() < expected_drops {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(events.dropped(), expected_drops);
    let mut held = Vec::new();
    while let Some(e) = events.try_recv() {
        held.push(e);
    }
    assert_eq!(held.len(), 16, "the queue holds its capacity");
    match held.last() {
        Some(Event::Message(m)) => assert_eq!(topic_of(m), last, "the newest is kept"),
        other => panic!("expected the newest event, got {other:?}"),
    }
    within("close", client.close()).await;
}

#[tokio::test(start_paused = true)]
async fn dialpad_refreshes_its_url_before_the_token_expires_and_events_continue() {
    use dialpad::client::Client as Dialpad;
    use dialpad::mock::{MockProtocol as DialpadMock, MockServer as DialpadServer};
    // Frozen: each connection lives exactly until its refresh, and the test publishes on it
    // meanwhile, so no event falls between two connections however slow the machine.
    let _clock = freeze();
    let (lifetime, margin) = (Duration::from_millis(600), Duration::from_millis(300));
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
        async move { Ok(ExpiringUrl::new(url).expires_in(lifetime)) }
    });
    let mut config = Dialpad::config(provider);
    config.refresh_before = margin;
    let (client, mut events) = Dialpad::connect_with(config).expect("config");
    let examples = dialpad::mock::examples();
    assert!(!examples.is_empty());
    for connection in 1..=3 {
        next_matching(&mut events, |e| matches!(e, Event::Connected).then_some(())).await;
        assert_eq!(calls.load(Ordering::SeqCst), connection);
        // The mock registered the connection before answering its handshake. (The previous
        // one, closing, may still be registered too: what it takes is never read.)
        for (name, event) in &examples {
            assert!(mock.publish(event).await >= 1, "{name} is published");
            let got = next_matching(&mut events, |e| match e {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .await;
            assert_eq!(got.message_name(), Some(*name));
            assert_eq!(&got, event, "{name} arrives typed and unchanged");
        }
        // The URL is replaced `refresh_before` ahead of its expiry, not later.
        advance(lifetime - margin).await;
        let (reason, delay) = next_matching(&mut events, |e| match e {
            Event::Reconnecting { reason, delay, .. } => Some((reason, delay)),
            _ => None,
        })
        .await;
        assert_eq!(reason, Disconnect::UrlExpiring);
        wait_out(delay).await;
    }
    next_matching(&mut events, |e| matches!(e, Event::Connected).then_some(())).await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    within("close", client.close()).await;
}
