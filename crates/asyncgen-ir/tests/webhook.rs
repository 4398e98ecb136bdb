//! Webhook endpoints as the receiver and sender generators read them: which servers and
//! channels get a route, at which path and under which key, which messages arrive there, which
//! declared scheme is verified and which are only reported, and whose delivery schedule holds.

use asyncgen_ir::Api;
use asyncgen_ir::webhook::{Endpoint, SecurityKind, endpoints, verify_undeclared};
use asyncgen_spec::extensions::SignatureLocation;

fn lower(text: &str) -> Api {
    let loaded = asyncgen_spec::load_str(
        "doc.yml",
        text,
        std::path::Path::new("."),
        &Default::default(),
    );
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:#?}",
        loaded.diagnostics
    );
    asyncgen_ir::lower(&loaded).expect("valid document")
}

fn keyed(api: &Api) -> Vec<(String, String)> {
    endpoints(api)
        .into_iter()
        .map(|e| (e.key, e.path))
        .collect()
}

fn one<'a>(endpoints: &'a [Endpoint], key: &str) -> &'a Endpoint {
    endpoints
        .iter()
        .find(|e| e.key == key)
        .unwrap_or_else(|| panic!("no endpoint `{key}` in {endpoints:#?}"))
}

fn security_key(e: &Endpoint) -> Option<&str> {
    e.security.as_ref().map(|s| s.key.as_str())
}

/// Servers, channels and operations of a document with two HTTP servers and a websocket one.
const ROUTES: &str = r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  hooks: {host: example.com, pathname: /hooks, protocol: https}
  other: {host: example.org, protocol: HTTP}
  socket: {host: example.com, protocol: wss}
channels:
  calls:
    address: /calls
    messages:
      started: {payload: {type: object, properties: {auth_token: {type: string}}}}
      ended: {payload: {type: object, properties: {auth_token: {type: string}}}}
  sms:
    address: sms-events
    servers: [{$ref: '#/servers/hooks'}]
    messages:
      sms: {payload: {type: object, properties: {auth_token: {type: string}}}}
  inbound:
    address: /inbound
    messages:
      command: {payload: {type: object, properties: {auth_token: {type: string}}}}
operations:
  callStarted:
    action: send
    channel: {$ref: '#/channels/calls'}
    messages: [{$ref: '#/channels/calls/messages/started'}]
  callEnded:
    action: send
    channel: {$ref: '#/channels/calls'}
    messages:
      - {$ref: '#/channels/calls/messages/ended'}
      - {$ref: '#/channels/calls/messages/started'}
  smsSent:
    action: send
    channel: {$ref: '#/channels/sms'}
    messages: [{$ref: '#/channels/sms/messages/sms'}]
  command:
    action: receive
    channel: {$ref: '#/channels/inbound'}
    messages: [{$ref: '#/channels/inbound/messages/command'}]
"#;

/// Only HTTP servers receive webhooks; a channel restricted to one server is served there
/// only; a channel whose address is a path gets a route below the server's path, a logical
/// channel name does not; a channel the application only receives on gets no route at all.
#[test]
fn routes_follow_the_servers_and_channels_the_application_sends_on() {
    let api = lower(ROUTES);
    assert_eq!(
        keyed(&api),
        [
            ("hooks_calls".to_owned(), "/hooks/calls".to_owned()),
            ("hooks_sms".to_owned(), "/hooks".to_owned()),
            ("other".to_owned(), "/calls".to_owned()),
        ]
    );
    let all = endpoints(&api);
    let calls = one(&all, "hooks_calls");
    assert_eq!(calls.channels, ["calls"]);
    // A message two operations send is listed once, in the order first sent.
    assert_eq!(calls.messages, ["started", "ended"]);
    assert_eq!(one(&all, "other").messages, calls.messages);
    assert_eq!(one(&all, "hooks_sms").channels, ["sms"]);
    assert_eq!(one(&all, "hooks_sms").messages, ["sms"]);
}

/// Logical channels of one server share its path and one endpoint keyed by the server.
#[test]
fn logical_channels_share_the_server_path() {
    let api = lower(
        r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  hooks: {host: example.com, pathname: /hooks/, protocol: https}
channels:
  a: {address: a-events, messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
  b: {address: /, messages: {n: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
operations:
  sendA: {action: send, channel: {$ref: '#/channels/a'}}
  sendB: {action: send, channel: {$ref: '#/channels/b'}}
"#,
    );
    let all = endpoints(&api);
    assert_eq!(keyed(&api), [("hooks".to_owned(), "/hooks/".to_owned())]);
    assert_eq!(all[0].channels, ["a", "b"]);
}

/// The server's path: its variables' defaults filled in, the query dropped, a leading `/`
/// added; a variable without a default leaves the path unknown, so the root is served.
#[test]
fn server_paths_fill_defaults_and_fall_back_to_the_root() {
    let api = lower(
        r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  tenant:
    host: example.com
    pathname: /{tenant}/hooks
    protocol: https
    variables: {tenant: {default: acme}}
  region:
    host: example.com
    pathname: /{region}/hooks
    protocol: https
    variables: {region: {enum: [eu, us]}}
channels:
  c: {address: c, messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
operations:
  send: {action: send, channel: {$ref: '#/channels/c'}}
"#,
    );
    assert_eq!(
        keyed(&api),
        [
            ("tenant".to_owned(), "/acme/hooks".to_owned()),
            ("region".to_owned(), "/".to_owned()),
        ]
    );
    let v2 = lower(
        r#"
asyncapi: 2.6.0
info: {title: t, version: '1'}
servers:
  query: {url: 'https://example.com/v1/hooks?source=x', protocol: https}
  bare: {url: example.com, protocol: http}
  relative: {url: 'example.com/in', protocol: http}
channels:
  events:
    subscribe:
      message: {payload: {type: object, properties: {auth_token: {type: string}}}}
"#,
    );
    assert_eq!(
        keyed(&v2),
        [
            ("query".to_owned(), "/v1/hooks".to_owned()),
            ("bare".to_owned(), "/".to_owned()),
            ("relative".to_owned(), "/in".to_owned()),
        ]
    );
}

const SCHEMES: &str = r#"
components:
  securitySchemes:
    sig:
      type: httpApiKey
      in: header
      name: X-Sig
      x-asyncgen-signature: {algorithm: hmac-sha256, encoding: hex}
    token:
      type: httpApiKey
      in: header
      name: auth_token
      x-asyncgen-body-token: {path: /auth_token}
    jwt:
      type: http
      scheme: bearer
      x-asyncgen-jwt: {algorithm: HS256}
    basic:
      type: http
      scheme: basic
    apiKey:
      type: httpApiKey
      in: header
      name: X-Api-Key
"#;

fn v2_with_security(security: &str) -> Api {
    lower(&format!(
        r#"
asyncapi: 2.6.0
info: {{title: t, version: '1'}}
servers:
  hooks:
    url: https://example.com/hooks
    protocol: https
    security: {security}
channels:
  events:
    subscribe:
      message: {{payload: {{type: object, properties: {{auth_token: {{type: string}}}}}}}}
{SCHEMES}"#
    ))
}

/// The first requirement that holds a verifiable scheme decides; schemes before it, and a
/// second verifiable scheme of the same requirement, are reported as unverified, each once.
#[test]
fn the_first_verifiable_scheme_is_verified_and_the_rest_reported_once() {
    let e = &endpoints(&v2_with_security("[{basic: []}, {basic: [], sig: []}]"))[0];
    assert_eq!(security_key(e), Some("sig"));
    assert_eq!(e.unverified, ["basic"]);

    let e = &endpoints(&v2_with_security("[{sig: [], token: []}]"))[0];
    assert_eq!(security_key(e), Some("sig"));
    assert_eq!(e.unverified, ["token"]);

    // A later requirement is an alternative the receiver does not need.
    let e = &endpoints(&v2_with_security("[{token: []}, {sig: []}, {apiKey: []}]"))[0];
    assert_eq!(security_key(e), Some("token"));
    assert!(e.unverified.is_empty(), "{:?}", e.unverified);

    let e = &endpoints(&v2_with_security("[{apiKey: []}, {basic: []}]"))[0];
    assert_eq!(e.security, None);
    assert_eq!(e.unverified, ["apiKey", "basic"]);

    let e = &endpoints(&v2_with_security("[{jwt: []}]"))[0];
    assert!(matches!(
        e.security.as_ref().map(|s| &s.kind),
        Some(SecurityKind::Jwt(_))
    ));
    let e = &endpoints(&v2_with_security("[{token: []}]"))[0];
    match e.security.as_ref().map(|s| &s.kind) {
        Some(SecurityKind::BodyToken(t)) => assert_eq!(t.path.as_str(), "/auth_token"),
        other => panic!("{other:?}"),
    }
}

/// An `httpApiKey` scheme in a header names the signature header; any other scheme leaves
/// it to the extension or its preset.
#[test]
fn a_header_key_scheme_names_the_signature_header() {
    let api = lower(
        r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  header:
    host: example.com
    pathname: /header
    protocol: https
    security: [{$ref: '#/components/securitySchemes/header'}]
  query:
    host: example.com
    pathname: /query
    protocol: https
    security: [{$ref: '#/components/securitySchemes/query'}]
  symmetric:
    host: example.com
    pathname: /symmetric
    protocol: https
    security: [{$ref: '#/components/securitySchemes/symmetric'}]
channels:
  c: {address: c, messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
operations:
  send: {action: send, channel: {$ref: '#/channels/c'}}
components:
  securitySchemes:
    header:
      type: httpApiKey
      in: header
      name: X-Sig
      x-asyncgen-signature: {algorithm: hmac-sha256, encoding: hex}
    query:
      type: httpApiKey
      in: query
      name: sig
      x-asyncgen-signature: {preset: github, field: /sig}
    symmetric:
      type: symmetricEncryption
      in: header
      name: X-Sig
      x-asyncgen-signature: {preset: github}
"#,
    );
    let all = endpoints(&api);
    let location = |key: &str| match &one(&all, key).security.as_ref().expect("secured").kind {
        SecurityKind::Signature(s) => s.location.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        location("header"),
        SignatureLocation::Header("X-Sig".into())
    );
    // The extension's own location wins over a key in the query...
    assert_eq!(location("query"), SignatureLocation::Field("/sig".into()));
    // ...and only an `httpApiKey` names a header: another scheme's stray `name` does not
    // replace the preset's header.
    assert_eq!(
        location("symmetric"),
        SignatureLocation::Header("X-Hub-Signature-256".into())
    );
}

const OPERATION_SECURITY: &str = r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  hooks:
    host: example.com
    protocol: https
    security: [{$ref: '#/components/securitySchemes/sig'}]
channels:
  a: {address: /a, messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
  b: {address: /b, messages: {n: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
operations:
  firstA:
    action: send
    channel: {$ref: '#/channels/a'}
    security:
      - {$ref: '#/components/securitySchemes/sig'}
      - {$ref: '#/components/securitySchemes/token'}
  secondA:
    action: send
    channel: {$ref: '#/channels/a'}
    security:
      - {$ref: '#/components/securitySchemes/sig'}
      - {$ref: '#/components/securitySchemes/token'}
  thirdA:
    action: send
    channel: {$ref: '#/channels/a'}
    security: [{$ref: '#/components/securitySchemes/jwt'}]
  receivedA:
    action: receive
    channel: {$ref: '#/channels/a'}
    security: [{$ref: '#/components/securitySchemes/apiKey'}]
  onlyB:
    action: send
    channel: {$ref: '#/channels/b'}
    security: [{$ref: '#/components/securitySchemes/token'}]
"#;

/// A request must satisfy the server's requirements and those of the operations arriving at
/// the endpoint; operations sent to the same endpoint that require something else are
/// conflicts, reported against the first; what arrives elsewhere or is received does not
/// count.
#[test]
fn operations_add_their_requirements_and_disagreements_are_conflicts() {
    let api = lower(&format!("{OPERATION_SECURITY}{SCHEMES}"));
    let all = endpoints(&api);
    let a = one(&all, "hooks_a");
    // Server `sig` with the operation's `sig` or `token`: the first alternative, `sig` once.
    assert_eq!(security_key(a), Some("sig"));
    assert!(a.unverified.is_empty(), "{:?}", a.unverified);
    let conflicts: Vec<(&str, &str)> = a
        .security_conflicts
        .iter()
        .map(|c| (c.first.as_str(), c.operation.as_str()))
        .collect();
    assert_eq!(conflicts, [("firstA", "thirdA")]);

    // Server `sig` and the operation's `token`, both required: `sig` is verified, `token`
    // reported.
    let b = one(&all, "hooks_b");
    assert_eq!(security_key(b), Some("sig"));
    assert_eq!(b.unverified, ["token"]);
    assert!(
        b.security_conflicts.is_empty(),
        "{:?}",
        b.security_conflicts
    );
}

/// Without server security, the operations' requirements are the endpoint's; without
/// operation security, the server's are.
#[test]
fn either_side_alone_secures_the_endpoint() {
    let api = lower(&format!(
        r#"
asyncapi: 3.1.0
info: {{title: t, version: '1'}}
servers:
  open: {{host: example.com, pathname: /open, protocol: https}}
  signed:
    host: example.com
    pathname: /signed
    protocol: https
    security: [{{$ref: '#/components/securitySchemes/sig'}}]
channels:
  fromOp:
    address: x
    servers: [{{$ref: '#/servers/open'}}]
    messages: {{m: {{payload: {{type: object, properties: {{auth_token: {{type: string}}}}}}}}}}
  fromServer:
    address: y
    servers: [{{$ref: '#/servers/signed'}}]
    messages: {{n: {{payload: {{type: object, properties: {{auth_token: {{type: string}}}}}}}}}}
operations:
  secured:
    action: send
    channel: {{$ref: '#/channels/fromOp'}}
    security: [{{$ref: '#/components/securitySchemes/token'}}]
  plain:
    action: send
    channel: {{$ref: '#/channels/fromServer'}}
{SCHEMES}"#
    ));
    let all = endpoints(&api);
    assert_eq!(security_key(one(&all, "open")), Some("token"));
    assert_eq!(security_key(one(&all, "signed")), Some("sig"));
}

/// An operation's `x-asyncgen-delivery` wins over its server's; without either, the
/// delivery documented by the signature's preset applies; without any, none.
#[test]
fn delivery_comes_from_the_operation_the_server_or_the_preset() {
    let api = lower(
        r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  serverLevel:
    host: example.com
    pathname: /s
    protocol: https
    x-asyncgen-delivery: {timeout: 5s, retries: [1s]}
  operationLevel:
    host: example.com
    pathname: /o
    protocol: https
    x-asyncgen-delivery: {timeout: 5s}
  preset:
    host: example.com
    pathname: /p
    protocol: https
    security: [{$ref: '#/components/securitySchemes/slack'}]
  presetOverridden:
    host: example.com
    pathname: /q
    protocol: https
    security: [{$ref: '#/components/securitySchemes/slack'}]
    x-asyncgen-delivery: {timeout: 9s}
  none:
    host: example.com
    pathname: /n
    protocol: https
    security: [{$ref: '#/components/securitySchemes/sig'}]
channels:
  s: {address: s, servers: [{$ref: '#/servers/serverLevel'}], messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
  o: {address: o, servers: [{$ref: '#/servers/operationLevel'}], messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
  p: {address: p, servers: [{$ref: '#/servers/preset'}, {$ref: '#/servers/presetOverridden'}, {$ref: '#/servers/none'}], messages: {m: {payload: {type: object, properties: {auth_token: {type: string}}}}}}
operations:
  sendS: {action: send, channel: {$ref: '#/channels/s'}}
  sendO:
    action: send
    channel: {$ref: '#/channels/o'}
    x-asyncgen-delivery: {timeout: 7s, retries: [2s, 4s]}
  sendP: {action: send, channel: {$ref: '#/channels/p'}}
components:
  securitySchemes:
    slack:
      type: httpApiKey
      in: header
      name: X-Slack-Signature
      x-asyncgen-signature: {preset: slack}
    sig:
      type: httpApiKey
      in: header
      name: X-Sig
      x-asyncgen-signature: {algorithm: hmac-sha256, encoding: hex}
"#,
    );
    let all = endpoints(&api);
    let schedule = |key: &str| {
        one(&all, key).delivery.as_ref().map(|d| {
            (
                d.timeout.as_millis(),
                d.retries.iter().map(|r| r.as_millis()).collect::<Vec<_>>(),
            )
        })
    };
    assert_eq!(schedule("serverLevel"), Some((5_000, vec![1_000])));
    assert_eq!(
        schedule("operationLevel"),
        Some((7_000, vec![2_000, 4_000]))
    );
    // Slack: acknowledged within 3 s, retried at once, after 1 and after 5 minutes.
    assert_eq!(schedule("preset"), Some((3_000, vec![0, 60_000, 300_000])));
    assert_eq!(schedule("presetOverridden"), Some((9_000, vec![])));
    assert_eq!(schedule("none"), None);
}

/// The `verify` option secures every endpoint that declares nothing verifiable with the
/// preset, and its delivery where the endpoint has none; declared security is left alone; an
/// unknown preset changes nothing.
#[test]
fn the_verify_option_secures_only_undeclared_endpoints() {
    let api = lower(&format!(
        r#"
asyncapi: 3.1.0
info: {{title: t, version: '1'}}
servers:
  bare: {{host: example.com, pathname: /bare, protocol: https}}
  timed:
    host: example.com
    pathname: /timed
    protocol: https
    x-asyncgen-delivery: {{timeout: 4s}}
  declared:
    host: example.com
    pathname: /declared
    protocol: https
    security: [{{$ref: '#/components/securitySchemes/token'}}]
channels:
  c: {{address: c, messages: {{m: {{payload: {{type: object, properties: {{auth_token: {{type: string}}}}}}}}}}}}
operations:
  send: {{action: send, channel: {{$ref: '#/channels/c'}}}}
{SCHEMES}"#
    ));
    let mut all = endpoints(&api);
    let before = all.clone();
    assert_eq!(verify_undeclared(&mut all, "no-such-provider"), None);
    assert_eq!(all, before);

    assert_eq!(verify_undeclared(&mut all, "github"), Some(()));
    let bare = one(&all, "bare");
    let security = bare.security.as_ref().expect("secured by the preset");
    assert_eq!(security.key, "githubSignature");
    match &security.kind {
        SecurityKind::Signature(s) => {
            assert_eq!(s.preset, Some("github"));
            assert_eq!(
                s.location,
                SignatureLocation::Header("X-Hub-Signature-256".into())
            );
        }
        other => panic!("{other:?}"),
    }
    // GitHub: a 2xx within 10 s, no retry.
    let delivery = bare.delivery.as_ref().expect("the preset's delivery");
    assert_eq!(delivery.timeout.as_millis(), 10_000);
    assert!(delivery.retries.is_empty());

    let timed = one(&all, "timed");
    assert_eq!(security_key(timed), Some("githubSignature"));
    assert_eq!(
        timed.delivery.as_ref().map(|d| d.timeout.as_millis()),
        Some(4_000)
    );
    assert_eq!(one(&all, "declared"), one(&before, "declared"));
}

/// Ballerina's vendor extensions: a body path or a header name is followed (each message
/// recognised by its `x-ballerina-event-type` there, with a warning), an identifier saying
/// neither is reported and not followed, and `x-asyncgen-dispatch` on a message wins over all.
#[test]
fn vendor_event_types_are_followed_where_the_identifier_points_and_said_so() {
    use asyncgen_ir::types::{IssueKind, Rule};
    let doc = |identifier: &str, own: &str| {
        format!(
            "asyncapi: 2.6.0
info: {{title: T, version: '1'}}
x-ballerina-event-identifier: {identifier}
servers:
  hooks: {{url: 'https://example.com/hooks', protocol: https}}
channels:
  events:
    subscribe:
      message:
        oneOf:
          - {{name: a, x-ballerina-event-type: created, payload: {{$ref: '#/components/schemas/E'}}{own}}}
          - {{name: b, x-ballerina-event-type: deleted, payload: {{$ref: '#/components/schemas/E'}}}}
components:
  schemas:
    E: {{type: object, properties: {{event: {{type: object, properties: {{kind: {{type: string}}}}}}}}}}
"
        )
    };
    let rules = |text: &str| {
        let (rules, issues) = endpoint_rules(&lower(text), None);
        let vendor = issues
            .iter()
            .filter(|i| i.kind == IssueKind::VendorDispatch)
            .map(|i| i.message.clone())
            .collect::<Vec<_>>();
        (rules, vendor)
    };
    let equals = |path: &[&str], value: &str| Rule::Equals {
        path: path.iter().map(|s| s.to_string()).collect(),
        value: serde_json::json!(value),
    };

    let (followed, said) = rules(&doc("{type: body, path: event.kind}", ""));
    assert_eq!(
        followed,
        [
            equals(&["event", "kind"], "created"),
            equals(&["event", "kind"], "deleted")
        ]
    );
    assert_eq!(
        said.len(),
        2,
        "one warning per message, not per union: {said:?}"
    );
    assert!(said[0].contains("`/event/kind`"), "{said:?}");

    let (header, said) = rules(&doc("{type: header, name: X-Topic}", ""));
    let named = |value: &str| Rule::Header {
        name: "X-Topic".into(),
        value: value.into(),
    };
    assert_eq!(header, [named("created"), named("deleted")]);
    assert!(said[0].contains("`X-Topic` header"), "{said:?}");

    // A header identifier without a usable name, or a body one without a path, is reported
    // and not followed.
    for identifier in [
        "{type: header}",
        "{type: header, name: 'X Topic'}",
        "{type: body}",
    ] {
        let (ignored, said) = rules(&doc(identifier, ""));
        assert!(
            !ignored
                .iter()
                .any(|r| matches!(r, Rule::Equals { .. } | Rule::Header { .. })),
            "{identifier}: {ignored:?}"
        );
        assert!(said.iter().all(|m| m.contains("not followed")), "{said:?}");
    }

    let own = ", x-asyncgen-dispatch: {path: /event/kind, equals: made}";
    let (mine, said) = rules(&doc("{type: body, path: event.kind}", own));
    assert_eq!(mine[0], equals(&["event", "kind"], "made"));
    assert_eq!(said.len(), 1, "{said:?}");
}

/// Messages that share a payload are told apart by a header their `headers` schemas fix to
/// distinct values (`const`, a one-value `enum`, a number as its text) or that
/// `x-asyncgen-dispatch: {header, equals}` names; a payload rule still wins where the payload
/// tells a message apart, and a header value two messages share tells neither apart.
#[test]
fn messages_sharing_a_payload_are_told_apart_by_a_fixed_header() {
    use asyncgen_ir::types::{IssueKind, Rule};
    let doc = |third: &str| {
        format!(
            "asyncapi: 2.6.0
info: {{title: T, version: '1'}}
servers:
  hooks: {{url: 'https://example.com/hooks', protocol: https}}
channels:
  events:
    subscribe:
      message:
        oneOf:
          - {{name: a, headers: {{type: object, properties: {{X-Topic: {{const: created}}}}}}, payload: {{$ref: '#/components/schemas/E'}}}}
          - {{name: b, headers: {{type: object, properties: {{x-topic: {{enum: [7]}}, X-Other: {{type: string}}}}}}, payload: {{$ref: '#/components/schemas/E'}}}}
          - {third}
          - {{name: d, payload: {{type: object, required: [kind], properties: {{kind: {{const: d}}}}}}, headers: {{type: object, properties: {{X-Topic: {{const: dee}}}}}}}}
components:
  schemas:
    E: {{type: object, properties: {{id: {{type: string}}}}}}
"
        )
    };
    let rules = |text: &str| {
        let (rules, issues) = endpoint_rules(&lower(text), None);
        let ambiguous = issues
            .iter()
            .any(|i| i.kind == IssueKind::AmbiguousDispatch);
        (rules, ambiguous)
    };
    let header = |name: &str, value: &str| Rule::Header {
        name: name.into(),
        value: value.into(),
    };
    let d = Rule::Equals {
        path: vec!["kind".into()],
        value: serde_json::json!("d"),
    };

    let (said, ambiguous) = rules(&doc(
        "{name: c, x-asyncgen-dispatch: {header: X-Topic, equals: removed}, payload: {$ref: '#/components/schemas/E'}}",
    ));
    assert_eq!(
        said,
        [
            header("X-Topic", "created"),
            header("x-topic", "7"),
            header("X-Topic", "removed"),
            d.clone()
        ]
    );
    assert!(!ambiguous);

    // `c` fixes the header to `created` too: neither `a` nor `c` is told apart by it.
    let (shared, ambiguous) = rules(&doc(
        "{name: c, headers: {type: object, properties: {X-TOPIC: {const: created}}}, payload: {$ref: '#/components/schemas/E'}}",
    ));
    assert_eq!(
        shared,
        [Rule::Attempt, header("x-topic", "7"), Rule::Attempt, d]
    );
    assert!(ambiguous);
}

/// A provider whose signature preset names the event type in a header (`--verify github`:
/// `X-GitHub-Event`) tells apart the messages its payloads cannot: each by that header equal
/// to its `name` (never its `x-ballerina-event-type`, which published GitHub documents use
/// for the body's `action`), with a warning at the name; one without a name stays tried.
/// Without the preset, or with one that names no such header, they stay ambiguous; a message
/// its payload tells apart keeps its payload rule.
#[test]
fn a_presets_event_header_tells_apart_what_the_payloads_cannot() {
    use asyncgen_ir::types::{IssueKind, Rule};
    let text = "asyncapi: 2.6.0
info: {title: T, version: '1'}
channels:
  events:
    subscribe:
      message:
        oneOf:
          - {name: push, payload: {$ref: '#/components/schemas/E'}}
          - {name: issue_comment, x-ballerina-event-type: created, payload: {$ref: '#/components/schemas/E'}}
          - {name: ping, payload: {type: object, required: [zen], properties: {zen: {type: string}}}}
          - {title: Anonymous, payload: {$ref: '#/components/schemas/E'}}
components:
  schemas:
    E: {type: object, properties: {id: {type: string}}}
";
    let api = lower(text);
    let rules = |verify: Option<&str>| {
        let (rules, issues) = endpoint_rules(&api, verify);
        let kinds: Vec<(IssueKind, String)> = issues
            .iter()
            .map(|i| (i.kind, i.origin.pointer.clone()))
            .collect();
        (rules, kinds)
    };
    let github = |value: &str| Rule::Header {
        name: "X-GitHub-Event".into(),
        value: value.into(),
    };
    let ping = Rule::Present {
        properties: vec!["zen".into()],
    };

    let (told, said) = rules(Some("github"));
    assert_eq!(
        told,
        [
            github("push"),
            github("issue_comment"),
            ping.clone(),
            Rule::Attempt
        ]
    );
    let preset: Vec<&str> = said
        .iter()
        .filter(|(k, _)| *k == IssueKind::PresetDispatch)
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(preset.len(), 2, "{said:?}");
    assert!(preset.iter().all(|p| p.ends_with("/name")), "{preset:?}");
    // The anonymous message is recognised by elimination: nothing is tried in order.
    assert!(!said.iter().any(|(k, _)| *k == IssueKind::AmbiguousDispatch));

    for verify in [None, Some("stripe")] {
        let (tried, said) = rules(verify);
        assert_eq!(
            tried,
            [Rule::Attempt, Rule::Attempt, ping.clone(), Rule::Attempt],
            "{verify:?}"
        );
        assert!(said.iter().any(|(k, _)| *k == IssueKind::AmbiguousDispatch));
        assert!(!said.iter().any(|(k, _)| *k == IssueKind::PresetDispatch));
    }
}

/// The dispatch rules of the first endpoint's union of `api` (receiver asked for at `/`, with
/// the signature preset `verify`), and the issues met.
fn endpoint_rules(
    api: &asyncgen_ir::Api,
    verify: Option<&str>,
) -> (
    Vec<asyncgen_ir::types::Rule>,
    Vec<asyncgen_ir::types::TypeIssue>,
) {
    let (space, views, issues) = asyncgen_ir::views::build_at(api, Some("/"), verify);
    let asyncgen_ir::types::TypeKind::Union(u) = &space.get(views.endpoints[0].event).kind else {
        panic!("a union")
    };
    (u.variants.iter().map(|v| v.rule.clone()).collect(), issues)
}

/// A 2.x `oneOf` written beside the channel's only operation (one level too shallow) is read as
/// that operation's message alternatives when its `message` has no payload of its own; beside
/// a message with a payload, or beside two operations, it is left out (the loader warns).
#[test]
fn a_one_of_beside_the_operation_is_read_as_its_messages() {
    let doc = |message: &str, publish: &str| {
        format!(
            "asyncapi: 2.1.0
info: {{title: T, version: '1'}}
servers:
  hooks: {{url: 'https://example.com/hooks', protocol: https}}
channels:
  issue:
    subscribe:
      message: {message}
{publish}    oneOf:
      - {{name: opened, payload: {{type: object, properties: {{action: {{const: opened}}}}}}}}
      - {{name: closed, payload: {{type: object, properties: {{action: {{const: closed}}}}}}}}
"
        )
    };
    let names = |text: &str| {
        let api = lower(text);
        let e = endpoints(&api);
        e[0].messages
            .iter()
            .map(|k| api.messages[k].name.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&doc("{name: issue, summary: Activity}", "")),
        ["opened", "closed"]
    );
    assert_eq!(
        names(&doc("{name: issue, payload: {type: object}}", "")),
        ["issue"]
    );
    assert_eq!(
        names(&doc(
            "{name: issue}",
            "    publish:\n      message: {name: ack, payload: {type: object}}\n"
        )),
        ["issue"]
    );
}
