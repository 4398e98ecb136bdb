//! What the webhook endpoints and websocket sockets of the seed specs are: the receiver, sender,
//! client and mock generators all read these, so a wrong grouping would mislead every one.

use std::path::Path;

use asyncgen_ir::Api;
use serde_json::json;

fn spec(rel: &str) -> Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(rel);
    let loaded = asyncgen_spec::load(&path, &Default::default());
    assert!(loaded.is_valid(), "{rel} is valid");
    asyncgen_ir::lower(&loaded).expect("lowers")
}

#[test]
fn dialpad_webhooks_share_one_endpoint_at_the_hook_url_path() {
    let api = spec("dialpad/webhooks.yml");
    let endpoints = asyncgen_ir::webhook::endpoints(&api);
    assert_eq!(endpoints.len(), 1);
    let e = &endpoints[0];
    // Channel names are logical, not URL segments: all five arrive at the server's path.
    assert_eq!(e.path, "/dialpad/webhook");
    assert_eq!(e.channels.len(), 5);
    assert_eq!(
        e.messages,
        [
            "CallEvent",
            "SmsEvent",
            "AgentStatusEvent",
            "ContactEvent",
            "ChangeLogEvent"
        ]
    );
    let security = e.security.as_ref().expect("secured");
    assert_eq!(security.key, "dialpadJwt");
    assert!(e.unverified.is_empty());
    assert!(asyncgen_ir::socket::sockets(&api).is_empty());
}

#[test]
fn dialer_cx_endpoint_has_its_delivery_policy() {
    let api = spec("dialer-cx/webhooks.yml");
    let endpoints = asyncgen_ir::webhook::endpoints(&api);
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0].path, "/dialer-cx/webhook");
    assert_eq!(endpoints[0].messages.len(), 9);
    let delivery = endpoints[0].delivery.as_ref().expect("x-asyncgen-delivery");
    assert_eq!(delivery.timeout.as_millis(), 10_000);
    let retries: Vec<u64> = delivery.retries.iter().map(|d| d.as_millis()).collect();
    assert_eq!(retries, [5_000, 30_000, 120_000]);
}

#[test]
fn voipbin_socket_receives_events_and_replies_and_sends_subscriptions() {
    let api = spec("voipbin/websocket.yml");
    assert!(asyncgen_ir::webhook::endpoints(&api).is_empty());
    let sockets = asyncgen_ir::socket::sockets(&api);
    assert_eq!(sockets.len(), 1);
    let s = &sockets[0];
    assert_eq!(s.outgoing, ["Subscribe", "Unsubscribe"]);
    assert_eq!(s.replies, ["Ack", "Error"]);
    assert_eq!(s.incoming.len(), 20, "18 events, then the two replies");
    assert_eq!(&s.incoming[18..], ["Ack", "Error"]);
    assert!(s.reconnect.is_some() && s.heartbeat.is_some());
}

#[test]
fn dialpad_sandbox_and_production_are_one_socket() {
    let api = spec("dialpad/websocket.yml");
    let sockets = asyncgen_ir::socket::sockets(&api);
    assert_eq!(sockets.len(), 1);
    assert_eq!(sockets[0].servers.len(), 2);
    assert_eq!(sockets[0].incoming.len(), 5);
    assert!(sockets[0].outgoing.is_empty(), "the client sends nothing");
    assert!(sockets[0].token_expiry.is_some());
}

#[test]
fn voipbin_subscription_protocol_is_derived_from_the_message_types() {
    use asyncgen_ir::types::{TopicPiece, TypeKind};
    let api = spec("voipbin/websocket.yml");
    let (space, _, _) = asyncgen_ir::views::build(&api);
    let socket = &asyncgen_ir::socket::sockets(&api)[0];
    let sub = asyncgen_ir::subscription::subscription(&api, &space, socket);

    let topic = space.get(sub.topic.expect("the Topic schema has x-asyncgen-topic"));
    assert_eq!(topic.name, "Topic");
    let TypeKind::Topic(def) = &topic.kind else {
        panic!("Topic is {:?}", topic.kind)
    };
    let names: Vec<_> = def.segments().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["scope", "scope_id", "resource", "resource_id"]);
    assert_eq!(def.pieces[1], TopicPiece::Literal(":".into()));

    let subscribe = sub.subscribe.expect("subscribe");
    assert_eq!(subscribe.message, "Subscribe");
    assert_eq!(subscribe.topics, "topics");
    assert_eq!(
        serde_json::Value::Object(subscribe.template),
        json!({"type": "subscribe"})
    );
    let unsubscribe = sub.unsubscribe.expect("unsubscribe");
    assert_eq!(unsubscribe.message, "Unsubscribe");

    let ack = sub.ack.expect("ack");
    assert_eq!(ack.message, "Ack");
    assert_eq!(
        serde_json::Value::Object(ack.template),
        json!({"type": "ack", "status": "success"})
    );
    assert_eq!(ack.topics.as_deref(), Some("topics"));
    assert_eq!(ack.echo.as_deref(), Some("action"));
    let error = sub.error.expect("error");
    assert_eq!(error.message, "Error");
    assert_eq!(error.reason, ["code", "message"]);
    assert_eq!(error.echo.as_deref(), Some("action"));

    assert_eq!(sub.event_topics.len(), 18, "every event carries its topic");
    assert_eq!(sub.event_topics["CallCreated"], "topic");
}

#[test]
fn dialpad_socket_has_no_subscription_protocol() {
    let api = spec("dialpad/websocket.yml");
    let (space, _, _) = asyncgen_ir::views::build(&api);
    let socket = &asyncgen_ir::socket::sockets(&api)[0];
    let sub = asyncgen_ir::subscription::subscription(&api, &space, socket);
    assert!(sub.subscribe.is_none() && sub.ack.is_none() && sub.topic.is_none());
}

/// A document without servers, as providers publish theirs: no endpoint unless a route is
/// given; then its sending operations arrive there, a channel whose address is a path at a
/// route below it, a channel whose address is a name at the route itself.
#[test]
fn a_document_without_servers_is_served_at_the_route_given() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/regressions/no-servers-webhook/asyncapi.yml");
    let loaded = asyncgen_spec::load(&path, &Default::default());
    let api = asyncgen_ir::lower(&loaded).expect("lowers");
    assert!(asyncgen_ir::webhook::endpoints(&api).is_empty());
    assert!(asyncgen_ir::webhook::endpoints_at(&api, None).is_empty());

    let endpoints = asyncgen_ir::webhook::endpoints_at(&api, Some("/hooks/store"));
    let routes: Vec<(&str, &str, &[String])> = endpoints
        .iter()
        .map(|e| (e.key.as_str(), e.path.as_str(), e.messages.as_slice()))
        .collect();
    assert_eq!(
        routes,
        [
            (
                "webhook_orders",
                "/hooks/store",
                &["orderCreated".to_owned(), "orderCancelled".to_owned()][..]
            ),
            (
                "webhook_refunds",
                "/hooks/store/refunds",
                &["refundCreated".to_owned()][..]
            ),
        ]
    );
    // Nothing is secured that the document does not secure, and each endpoint points at the
    // first operation arriving there: that is where its diagnostics are located.
    assert!(endpoints.iter().all(|e| e.security.is_none()));
    let pointers: Vec<&str> = endpoints
        .iter()
        .map(|e| e.origin.pointer.as_str())
        .collect();
    assert_eq!(
        pointers,
        ["/operations/orderCreated", "/operations/refundCreated"]
    );

    // A document with servers keeps them: the route applies only where there are none, and
    // its endpoints point at their server, which the user wrote.
    let seeded = spec("dialpad/webhooks.yml");
    assert_eq!(
        asyncgen_ir::webhook::endpoints(&seeded)[0].origin.pointer,
        "/servers/consumer"
    );
    assert_eq!(
        asyncgen_ir::webhook::endpoints_at(&seeded, Some("/elsewhere")),
        asyncgen_ir::webhook::endpoints(&seeded)
    );
}
