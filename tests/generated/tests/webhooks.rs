//! End to end over loopback: every example of every webhook spec, posted by the generated sender
//! (signed or encoded as the provider does), reaches the generated receiver's handler method
//! for its message, typed, exactly once; in queued and in direct delivery. Then what must never
//! reach a handler: forged, unsigned and malformed requests, each with its status.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen_generated_tests::webhook_examples;
use asyncgen_generated_tests::{
    specs_dial9_webhooks as dial9, specs_dialer_cx_webhooks as dialer_cx,
    specs_dialpad_webhooks as dialpad,
};
use asyncgen_runtime::receiver::{Delivery, HandlerError};
use asyncgen_runtime::{Secret, Secrets};
use serde_json::Value;

use common::Running;

/// What the handler methods were called with: `(method, payload as JSON)`, in order.
#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<(&'static str, Value)>>,
}

impl Recorder {
    fn record(
        &self,
        method: &'static str,
        event: &impl serde::Serialize,
    ) -> std::future::Ready<Result<(), HandlerError>> {
        let value = serde_json::to_value(event).expect("a decoded event encodes");
        self.calls.lock().expect("lock").push((method, value));
        std::future::ready(Ok(()))
    }

    fn calls(&self) -> Vec<(&'static str, Value)> {
        self.calls.lock().expect("lock").clone()
    }
}

/// Implements a generated handler trait on a recorder, overriding every method (`unknown` and
/// `fallback` included), and returns the message name → method table for it.
macro_rules! recording_handler {
    ($name:ident: $spec:ident; $( $message:literal => $method:ident($ty:ident) ),* $(,)?) => {
        #[derive(Clone, Default)]
        struct $name(Arc<Recorder>);

        impl $spec::receiver::WebhookHandler for $name {
            $(
                fn $method(&self, event: $spec::types::$ty)
                    -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
                    self.0.record(stringify!($method), &event)
                }
            )*

            fn unknown(&self, event: Value)
                -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
                self.0.record("unknown", &event)
            }

            fn fallback(&self, event: $spec::types::WebhookEvent)
                -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
                self.0.record("fallback", &event)
            }
        }

        impl $name {
            const METHODS: &[(&str, &str)] = &[$( ($message, stringify!($method)) ),*];
        }
    };
}

recording_handler!(DialerCx: dialer_cx;
    "CallStarted" => call_started(CallStartedWebhook),
    "CallEnded" => call_ended(CallEndedWebhook),
    "AgentLogin" => agent_login(AgentLoginWebhook),
    "AgentLogout" => agent_logout(AgentLogoutWebhook),
    "AgentPause" => agent_pause(AgentPauseWebhook),
    "AgentResume" => agent_resume(AgentResumeWebhook),
    "LeadUpdated" => lead_updated(LeadUpdatedWebhook),
    "RecordingReady" => recording_ready(RecordingReadyWebhook),
    "AlertTriggered" => alert_triggered(AlertTriggeredWebhook),
);

recording_handler!(Dial9: dial9;
    "IncomingCall" => incoming_call(IncomingCallWebhook),
    "OutgoingCall" => outgoing_call(OutgoingCallWebhook),
    "CallProcessed" => call_processed(CallProcessedWebhook),
);

recording_handler!(Dialpad: dialpad;
    "CallEvent" => call_event(CallEventPayload),
    "SmsEvent" => sms_event(SmsEventPayload),
    "AgentStatusEvent" => agent_status_event(AgentStatusEventPayload),
    "ContactEvent" => contact_event(ContactEventPayload),
    "ChangeLogEvent" => change_log_event(ChangeLogEventPayload),
);

/// A receiver serving `route` on an ephemeral loopback port until the token is cancelled.
/// Waits (bounded) until `recorder` holds `n` calls.
async fn calls_reach(recorder: &Recorder, n: usize) -> Vec<(&'static str, Value)> {
    for _ in 0..500 {
        let calls = recorder.calls();
        if calls.len() >= n {
            return calls;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    recorder.calls()
}

/// Sends every example with `send` and checks that each arrived at `methods[message]` once,
/// with its payload intact (`expect` adjusts what the provider's signing changes).
async fn every_example_arrives_once<F, Fut>(
    examples: &[(&str, &str)],
    methods: &[(&str, &str)],
    recorder: &Recorder,
    send: F,
    expect: impl Fn(Value) -> Value,
) where
    F: Fn(Value) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    assert!(!examples.is_empty(), "the spec has examples");
    let mut expected = Vec::new();
    for (i, (message, payload)) in examples.iter().enumerate() {
        let payload: Value = serde_json::from_str(payload).expect("example is JSON");
        let status = send(payload.clone()).await;
        assert!(
            (200..300).contains(&status),
            "{message} example {i}: status {status}"
        );
        let method = methods
            .iter()
            .find(|(m, _)| m == message)
            .map(|(_, method)| *method)
            .unwrap_or_else(|| panic!("no method for message {message}"));
        expected.push((method, expect(payload)));
        // One at a time, so that the order of calls is the order of sending.
        calls_reach(recorder, expected.len()).await;
    }
    // Anything handled twice would show up by now as an extra call.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(recorder.calls(), expected);
}

const DELIVERIES: [Delivery; 2] = [Delivery::Queued, Delivery::Direct];

fn fast() -> asyncgen_runtime::sender::DeliveryPolicy {
    asyncgen_runtime::sender::DeliveryPolicy::new(Duration::from_secs(5), &[])
}

#[tokio::test]
async fn dialer_cx_examples_arrive_signed_at_their_methods() {
    const SECRET: &str = "dialer-cx-secret";
    for delivery in DELIVERIES {
        let handler = DialerCx::default();
        let verifier = dialer_cx::receiver::WebhookRoute::<DialerCx>::verifier(Some(
            Secrets::single(SECRET).expect("secret"),
        ))
        .expect("verifier");
        let route = dialer_cx::receiver::WebhookRoute::new(handler.clone())
            .route_at(dialer_cx::receiver::WEBHOOK_PATH, verifier);
        let server = Running::start(route, delivery).await;
        let sender = dialer_cx::sender::WebhookSender::with_policy(
            &server.url(dialer_cx::receiver::WEBHOOK_PATH),
            Some(Secret::new(SECRET).expect("secret")),
            fast(),
        )
        .expect("sender");
        let send = |payload: Value| {
            let sender = sender.clone();
            async move {
                let event = dialer_cx::types::WebhookEvent::from_value(payload).expect("decodes");
                assert!(event.message_name().is_some(), "a known message");
                sender
                    .send(&event)
                    .await
                    .expect("delivered")
                    .status
                    .as_u16()
            }
        };
        every_example_arrives_once(
            webhook_examples::SPECS_DIALER_CX_WEBHOOKS,
            DialerCx::METHODS,
            &handler.0,
            send,
            |v| v,
        )
        .await;
    }
}

#[tokio::test]
async fn dial9_examples_arrive_with_the_body_token_at_their_methods() {
    const TOKEN: &str = "dial9-shared-token";
    for delivery in DELIVERIES {
        let handler = Dial9::default();
        let verifier = dial9::receiver::WebhookRoute::<Dial9>::verifier(Some(
            Secrets::single(TOKEN).expect("token"),
        ))
        .expect("verifier");
        let route = dial9::receiver::WebhookRoute::new(handler.clone())
            .route_at(dial9::receiver::WEBHOOK_PATH, verifier);
        let server = Running::start(route, delivery).await;
        let sender = dial9::sender::WebhookSender::with_policy(
            &server.url(dial9::receiver::WEBHOOK_PATH),
            Some(Secret::new(TOKEN).expect("token")),
            fast(),
        )
        .expect("sender");
        let send = |payload: Value| {
            let sender = sender.clone();
            async move {
                let event = dial9::types::WebhookEvent::from_value(payload).expect("decodes");
                sender
                    .send(&event)
                    .await
                    .expect("delivered")
                    .status
                    .as_u16()
            }
        };
        // The sender puts the configured token where the spec says, as Dial 9 does.
        let with_token = |mut v: Value| {
            v["auth_token"] = Value::from(TOKEN);
            v
        };
        every_example_arrives_once(
            webhook_examples::SPECS_DIAL9_WEBHOOKS,
            Dial9::METHODS,
            &handler.0,
            send,
            with_token,
        )
        .await;
    }
}

/// Dialpad with a secret (JWT bodies) and without one (plain JSON, the scheme is optional).
#[tokio::test]
async fn dialpad_examples_arrive_as_jwt_and_as_plain_json() {
    const SECRET: &str = "dialpad-webhook-secret";
    for secret in [Some(SECRET), None] {
        for delivery in DELIVERIES {
            let handler = Dialpad::default();
            let secrets = secret.map(|s| Secrets::single(s).expect("secret"));
            let verifier =
                dialpad::receiver::WebhookRoute::<Dialpad>::verifier(secrets).expect("verifier");
            let route = dialpad::receiver::WebhookRoute::new(handler.clone())
                .route_at(dialpad::receiver::WEBHOOK_PATH, verifier);
            let server = Running::start(route, delivery).await;
            let sender = dialpad::sender::WebhookSender::with_policy(
                &server.url(dialpad::receiver::WEBHOOK_PATH),
                secret.map(|s| Secret::new(s).expect("secret")),
                fast(),
            )
            .expect("an optional scheme needs no secret");
            let send = |payload: Value| {
                let sender = sender.clone();
                async move {
                    let event = dialpad::types::WebhookEvent::from_value(payload).expect("decodes");
                    sender
                        .send(&event)
                        .await
                        .expect("delivered")
                        .status
                        .as_u16()
                }
            };
            every_example_arrives_once(
                webhook_examples::SPECS_DIALPAD_WEBHOOKS,
                Dialpad::METHODS,
                &handler.0,
                send,
                |v| v,
            )
            .await;
        }
    }
}

/// Posts `body` with `headers` and returns the status.
async fn post(url: &str, headers: &[(&str, &str)], body: impl Into<reqwest::Body>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(body)
        .send()
        .await
        .expect("the receiver answers")
        .status()
        .as_u16()
}

/// What the generated route refuses or accepts without a signing sender: each answer as
/// documented, and nothing but the unknown event reaches the handler.
#[tokio::test]
async fn dialer_cx_receiver_refuses_forgeries_and_accepts_unknown_events() {
    const SECRET: &str = "dialer-cx-secret";
    let handler = DialerCx::default();
    let verifier = dialer_cx::receiver::WebhookRoute::<DialerCx>::verifier(Some(
        Secrets::single(SECRET).expect("secret"),
    ))
    .expect("verifier");
    let route = dialer_cx::receiver::WebhookRoute::new(handler.clone())
        .route_at(dialer_cx::receiver::WEBHOOK_PATH, verifier);
    let server = Running::start(route, Delivery::Direct).await;
    let url = server.url(dialer_cx::receiver::WEBHOOK_PATH);
    let sign = |secret: &str, body: &str| {
        let signer = asyncgen_runtime::sender::Signer::new(
            dialer_cx::receiver::WEBHOOK_SECURITY.expect("the spec is secured"),
            Some(Secret::new(secret).expect("secret")),
        )
        .expect("signer");
        let signed = signer.sign(body.as_bytes()).expect("signs");
        signed
            .headers
            .get("X-Webhook-Signature")
            .expect("signature header")
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    let (_, example) = webhook_examples::SPECS_DIALER_CX_WEBHOOKS[0];
    let header = "X-Webhook-Signature";

    let wrong = sign("another-secret", example);
    assert_eq!(post(&url, &[(header, &wrong)], example).await, 401);
    assert_eq!(post(&url, &[], example).await, 401, "no signature");
    assert_eq!(post(&url, &[(header, "")], example).await, 401, "empty");
    let right = sign(SECRET, example);
    let truncated = &right[..right.len() - 2];
    assert_eq!(post(&url, &[(header, truncated)], example).await, 401);
    let other = r#"{"event":"call.started","timestamp":"2026-03-07T15:27:00Z","data":{}}"#;
    assert_eq!(
        post(&url, &[(header, &sign(SECRET, other))], example).await,
        401,
        "signature of another body"
    );
    let reserialized = serde_json::to_string_pretty(
        &serde_json::from_str::<Value>(example).expect("example is JSON"),
    )
    .expect("encodes");
    assert_eq!(
        post(&url, &[(header, &right)], reserialized).await,
        401,
        "the body re-serialised"
    );
    assert!(handler.0.calls().is_empty(), "no forgery reached a handler");

    // Signed, but not an event of this shape: a known `event` with a wrong `data`.
    let wrong_shape = r#"{"event":"call.started","timestamp":"2026-03-07T15:27:00Z","data":7}"#;
    assert_eq!(
        post(&url, &[(header, &sign(SECRET, wrong_shape))], wrong_shape).await,
        400
    );
    let not_json = "{not json";
    assert_eq!(
        post(&url, &[(header, &sign(SECRET, not_json))], not_json).await,
        400
    );
    assert!(
        handler.0.calls().is_empty(),
        "no bad body reached a handler"
    );

    // A new event type the spec does not know yet: accepted, handed to `unknown`.
    let new_event =
        r#"{"event":"call.transferred","timestamp":"2026-03-07T15:27:00Z","data":{"call_id":"1"}}"#;
    let status = post(&url, &[(header, &sign(SECRET, new_event))], new_event).await;
    assert_eq!(status, 204);
    let calls = handler.0.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "unknown");
    assert_eq!(calls[0].1["event"], "call.transferred");
}

#[tokio::test]
async fn dial9_receiver_refuses_a_wrong_or_missing_body_token() {
    let handler = Dial9::default();
    let verifier = dial9::receiver::WebhookRoute::<Dial9>::verifier(Some(
        Secrets::single("right-token").expect("token"),
    ))
    .expect("verifier");
    let route = dial9::receiver::WebhookRoute::new(handler.clone())
        .route_at(dial9::receiver::WEBHOOK_PATH, verifier);
    let server = Running::start(route, Delivery::Direct).await;
    let url = server.url(dial9::receiver::WEBHOOK_PATH);
    let (_, example) = webhook_examples::SPECS_DIAL9_WEBHOOKS[0];
    let mut body: Value = serde_json::from_str(example).expect("example is JSON");
    body["auth_token"] = Value::from("wrong-token");
    assert_eq!(post(&url, &[], body.to_string()).await, 401);
    body.as_object_mut().expect("object").remove("auth_token");
    assert_eq!(post(&url, &[], body.to_string()).await, 401);
    body["auth_token"] = Value::from("right-token");
    assert_eq!(post(&url, &[], body.to_string()).await, 204);
    assert_eq!(handler.0.calls().len(), 1);
}

/// With a secret configured, a Dialpad receiver accepts only JWT bodies signed with it: plain
/// JSON no longer passes.
#[tokio::test]
async fn dialpad_receiver_with_a_secret_refuses_plain_json() {
    let handler = Dialpad::default();
    let verifier = dialpad::receiver::WebhookRoute::<Dialpad>::verifier(Some(
        Secrets::single("dialpad-secret").expect("secret"),
    ))
    .expect("verifier");
    let route = dialpad::receiver::WebhookRoute::new(handler.clone())
        .route_at(dialpad::receiver::WEBHOOK_PATH, verifier);
    let server = Running::start(route, Delivery::Direct).await;
    let (_, example) = webhook_examples::SPECS_DIALPAD_WEBHOOKS[0];
    let url = server.url(dialpad::receiver::WEBHOOK_PATH);
    assert_eq!(post(&url, &[], example).await, 401);
    assert!(handler.0.calls().is_empty());
}

/// A scheme that is not optional and has no secret configured is a start-up error that names
/// the variable to set, never an open receiver.
#[test]
fn a_secured_route_without_its_secret_does_not_start() {
    let missing = dialer_cx::receiver::WebhookRoute::<DialerCx>::verifier(None)
        .expect_err("no secret, no receiver");
    assert!(
        missing.to_string().contains("WEBHOOK_SIGNATURE"),
        "the error names the variable: {missing}"
    );
    assert!(dial9::receiver::WebhookRoute::<Dial9>::verifier(None).is_err());
    assert!(dialpad::receiver::WebhookRoute::<Dialpad>::verifier(None).is_ok());
}

/// A handler that overrides only `fallback`, recording each event's message name: enough for
/// documents whose only question is whether a request reaches a handler at all.
macro_rules! fallback_handler {
    ($name:ident: $spec:ident) => {
        #[derive(Clone, Default)]
        struct $name(Arc<Mutex<Vec<Option<&'static str>>>>);

        impl $spec::receiver::WebhookHandler for $name {
            fn fallback(
                &self,
                event: $spec::types::WebhookEvent,
            ) -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
                self.0.lock().expect("lock").push(event.message_name());
                std::future::ready(Ok(()))
            }
        }

        impl $name {
            fn seen(&self) -> Vec<Option<&'static str>> {
                self.0.lock().expect("lock").clone()
            }
        }
    };
}

use asyncgen_generated_tests::{
    regression_security_on_operations_v2 as ops_v2, regression_security_on_operations_v3 as ops_v3,
    regression_security_undeclared_webhook as undeclared,
};

fallback_handler!(OpsV2: ops_v2);
fallback_handler!(OpsV3: ops_v3);
fallback_handler!(Undeclared: undeclared);

/// Security declared on the operations rather than the server secures the endpoint: an
/// unsigned request is refused and never handled, a signed one is accepted. (It used to
/// generate a receiver that verified nothing.)
#[tokio::test]
async fn security_declared_on_operations_is_enforced() {
    macro_rules! check {
        ($spec:ident, $handler:ident, $examples:expr) => {{
            const SECRET: &str = "operation-secret";
            let security = $spec::receiver::WEBHOOK_SECURITY
                .expect("the operations' security secures the endpoint");
            let handler = $handler::default();
            let verifier = $spec::receiver::WebhookRoute::<$handler>::verifier(Some(
                Secrets::single(SECRET).expect("secret"),
            ))
            .expect("verifier");
            let route = $spec::receiver::WebhookRoute::new(handler.clone())
                .route_at($spec::receiver::WEBHOOK_PATH, verifier);
            let server = Running::start(route, Delivery::Direct).await;
            let url = server.url($spec::receiver::WEBHOOK_PATH);
            let (message, example) = $examples[0];

            assert_eq!(post(&url, &[], example).await, 401, "unsigned");
            assert!(handler.seen().is_empty(), "an unsigned event was handled");

            let signer = asyncgen_runtime::sender::Signer::new(
                security,
                Some(Secret::new(SECRET).expect("secret")),
            )
            .expect("signer");
            let signed = signer.sign(example.as_bytes()).expect("signs");
            let headers: Vec<(&str, &str)> = signed
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().expect("ascii")))
                .collect();
            let status = post(&url, &headers, signed.body.clone()).await;
            assert!((200..300).contains(&status), "signed: {status}");
            assert_eq!(handler.seen(), [Some(message)]);
        }};
    }
    check!(
        ops_v2,
        OpsV2,
        webhook_examples::REGRESSION_SECURITY_ON_OPERATIONS_V2
    );
    check!(
        ops_v3,
        OpsV3,
        webhook_examples::REGRESSION_SECURITY_ON_OPERATIONS_V3
    );
}

/// A document that declares no security generates a receiver that refuses to start until the
/// application opts out by name; then (and only then) unsigned events are accepted. (It used
/// to start and accept anything without a word.)
#[tokio::test]
async fn an_undeclared_endpoint_starts_only_when_the_application_opts_out() {
    assert!(undeclared::receiver::WEBHOOK_SECURITY.is_none());
    let refused = undeclared::receiver::WebhookRoute::new(Undeclared::default())
        .route()
        .expect_err("no verification, no start");
    assert!(
        matches!(&refused, asyncgen_runtime::ConfigError::Unverified { route } if route == undeclared::receiver::WEBHOOK_ROUTE_ID),
        "{refused:?}"
    );
    assert!(
        refused
            .to_string()
            .contains("Verifier::insecure_no_verification()"),
        "the error names the opt-out: {refused}"
    );
    assert!(undeclared::receiver::WebhookRoute::<Undeclared>::verifier(None).is_err());
    assert!(
        undeclared::receiver::WebhookRoute::<Undeclared>::verifier(Some(
            Secrets::single("unused").expect("secret")
        ))
        .is_err(),
        "a secret does not make an undeclared scheme verifiable"
    );

    let handler = Undeclared::default();
    let route = undeclared::receiver::WebhookRoute::new(handler.clone()).route_at(
        undeclared::receiver::WEBHOOK_PATH,
        asyncgen_runtime::receiver::Verifier::insecure_no_verification(),
    );
    let server = Running::start(route, Delivery::Direct).await;
    let url = server.url(undeclared::receiver::WEBHOOK_PATH);
    let (message, example) = webhook_examples::REGRESSION_SECURITY_UNDECLARED_WEBHOOK[0];
    let status = post(&url, &[], example).await;
    assert!((200..300).contains(&status), "opted out: {status}");
    assert_eq!(handler.seen(), [Some(message)]);
}

/// The typed sender of an endpoint whose messages share one payload names each by its header
/// (`X-Shopify-Topic`), per method and through the endpoint-wide `send`, and the receiver, in
/// queued delivery (which stores the header with the event), hands each to its own method.
#[tokio::test]
async fn events_sharing_a_payload_reach_their_methods_by_their_topic_header() {
    use asyncgen_generated_tests::regression_header_dispatch_shared_payload_v3 as topics;
    use asyncgen_runtime::receiver::Verifier;

    #[derive(Clone, Default)]
    struct Topics(Arc<Mutex<Vec<(&'static str, i64)>>>);
    impl topics::receiver::WebhookHandler for Topics {
        fn fallback(
            &self,
            event: topics::types::WebhookEvent,
        ) -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
            let id = match &event {
                topics::types::WebhookEvent::OrdersCreate(o)
                | topics::types::WebhookEvent::OrdersUpdated(o)
                | topics::types::WebhookEvent::OrdersDelete(o) => o.id,
                _ => -1,
            };
            self.0
                .lock()
                .expect("lock")
                .push((event.message_name().unwrap_or("unknown"), id));
            std::future::ready(Ok(()))
        }
    }

    let handler = Topics::default();
    let route = topics::receiver::WebhookRoute::new(handler.clone()).route_at(
        topics::receiver::WEBHOOK_PATH,
        Verifier::insecure_no_verification(),
    );
    let server = Running::start(route, Delivery::Queued).await;
    let sender = topics::sender::WebhookSender::with_policy(
        &server.url(topics::receiver::WEBHOOK_PATH),
        None,
        fast(),
    )
    .expect("sender");
    let order = |id: i64| topics::types::Order {
        id,
        email: None,
        total_price: None,
    };
    sender.send_orders_updated(&order(1)).await.expect("sent");
    sender.send_orders_delete(&order(2)).await.expect("sent");
    sender
        .send(&topics::types::WebhookEvent::OrdersCreate(order(3)))
        .await
        .expect("sent");
    sender
        .send(&topics::types::WebhookEvent::Unknown(
            serde_json::json!({"id": 4}),
        ))
        .await
        .expect("sent");
    for _ in 0..3000 {
        if handler.0.lock().expect("lock").len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop().await;
    let mut seen = handler.0.lock().expect("lock").clone();
    seen.sort_by_key(|(_, id)| *id);
    assert_eq!(
        seen,
        [
            ("unknown", -1),
            ("orders/updated", 1),
            ("orders/delete", 2),
            ("orders/create", 3),
        ]
    );
}
