//! The `x-asyncgen-*` vocabulary end to end: the five seed documents use it without a single
//! diagnostic, each extension's valid and invalid uses give the expected located diagnostic,
//! the committed JSON Schemas match the Rust types, and the README's examples parse.
//!
//! Documents are small inline YAML texts: each starts with the two lines of `HEAD`, so the body
//! of a test starts at line 3 and the expected line numbers can be read off the text.

use std::path::{Path, PathBuf};

use asyncgen_spec::Diagnostic;
use asyncgen_spec::extensions::{
    self, Delivery, Dispatch, DispatchRule, Duration, DurationError, DurationUnit, Extension,
    HttpMethod, Jitter, Reconnect, Signature, SignatureEncoding, SignatureLocation, Topic,
    TopicPart,
};
use serde_json::{Value, json};

const HEAD: &str = "asyncapi: 3.1.0\ninfo: {title: t, version: '1'}\n";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(body: &str) -> Vec<Diagnostic> {
    let text = format!("{HEAD}{body}");
    let loaded = asyncgen_spec::load_str("doc.yml", &text, Path::new("."), &Default::default());
    loaded.diagnostics.into_vec()
}

/// Each diagnostic's code, pointer and line: what a user sees first.
fn code_pointer_line(ds: &[Diagnostic]) -> Vec<(&str, &str, Option<u32>)> {
    ds.iter()
        .map(|d| {
            (
                d.code.as_str(),
                d.location.pointer.as_str(),
                d.location.line,
            )
        })
        .collect()
}

fn show(ds: &[Diagnostic]) -> String {
    ds.iter()
        .map(|d| {
            format!(
                "  {} {} line {:?}: {} (help: {:?})\n",
                d.code,
                d.location.pointer.as_str(),
                d.location.line,
                d.message,
                d.help
            )
        })
        .collect()
}

#[track_caller]
fn expect_clean(body: &str) {
    let ds = load(body);
    assert!(
        ds.is_empty(),
        "expected no diagnostics, got:\n{}",
        show(&ds)
    );
}

/// Exactly one diagnostic, with this code, pointer and line; returned for further checks.
#[track_caller]
fn expect_one(body: &str, code: &str, pointer: &str, line: u32) -> Diagnostic {
    let ds = load(body);
    assert_eq!(ds.len(), 1, "expected one diagnostic, got:\n{}", show(&ds));
    let d = ds.into_iter().next().expect("one");
    assert_eq!(
        (
            d.code.as_str(),
            d.location.pointer.as_str(),
            d.location.line
        ),
        (code, pointer, Some(line)),
        "{}",
        show(std::slice::from_ref(&d))
    );
    d
}

#[track_caller]
fn assert_mentions(d: &Diagnostic, words: &[&str]) {
    let text = format!("{} {}", d.message, d.help.as_deref().unwrap_or(""));
    for w in words {
        assert!(text.contains(w), "`{w}` not in: {text}");
    }
}

// ---- the seed documents ----

#[test]
fn every_seed_document_loads_without_any_diagnostic() {
    let specs = repo_root().join("specs");
    let mut seen = 0;
    for folder in std::fs::read_dir(&specs).expect("specs/") {
        let folder = folder.expect("entry").path();
        if !folder.is_dir() || folder.ends_with("extensions") {
            continue;
        }
        for doc in std::fs::read_dir(&folder).expect("folder") {
            let doc = doc.expect("entry").path();
            if doc.extension().is_some_and(|e| e == "yml") {
                let loaded = asyncgen_spec::load(&doc, &Default::default());
                let ds = loaded.diagnostics.into_vec();
                assert!(ds.is_empty(), "{}:\n{}", doc.display(), show(&ds));
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 5, "the five seed documents");
}

/// The values the seed documents use read as the README says (not just "without error").
#[test]
fn seed_values_read_as_documented() {
    let read = |rel: &str, pointer: &str| -> Value {
        let text = std::fs::read_to_string(repo_root().join("specs").join(rel)).expect("read");
        let doc: Value = serde_yaml::from_str(&text).expect("yaml");
        doc.pointer(pointer).cloned().expect(pointer)
    };
    let d: Delivery = extensions::parse(&read(
        "dialer-cx/webhooks.yml",
        "/servers/receiver/x-asyncgen-delivery",
    ))
    .expect("delivery");
    assert_eq!(d.timeout, Duration::secs(10));
    assert_eq!(
        d.retries,
        [Duration::secs(5), Duration::secs(30), Duration::secs(120)]
    );

    let r: Reconnect = extensions::parse(&read(
        "voipbin/websocket.yml",
        "/servers/production/x-asyncgen-reconnect",
    ))
    .expect("reconnect");
    assert_eq!(r.jitter, Jitter::None);
    assert_eq!(r.replay, ["subscribe", "unsubscribe"]);
    let delays: Vec<u64> = (0..7).map(|n| r.delay(n).as_secs()).collect();
    assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);

    let t: Topic = extensions::parse(&read(
        "voipbin/websocket.yml",
        "/components/schemas/Topic/x-asyncgen-topic",
    ))
    .expect("topic");
    let parts = t.parts().expect("parts");
    assert_eq!(parts[0], TopicPart::Segment("scope"));
    assert_eq!(parts[1], TopicPart::Literal(":"));
    assert_eq!(parts.len(), 7);
    assert_eq!(t.segments["resource"].wildcard.as_deref(), Some("*"));

    let s: Signature = extensions::parse(&read(
        "dialer-cx/webhooks.yml",
        "/components/securitySchemes/webhookSignature/x-asyncgen-signature",
    ))
    .expect("signature");
    assert_eq!(s.encoding, Some(SignatureEncoding::Hex));
    assert!(s.timestamp.is_none());

    let d: Dispatch = extensions::parse(&read(
        "dial9/webhooks.yml",
        "/components/messages/CallProcessed/x-asyncgen-dispatch",
    ))
    .expect("dispatch");
    match d.rule() {
        Some(DispatchRule::Equals { path, value }) => {
            assert_eq!(path.tokens().collect::<Vec<_>>(), ["payload", "event"]);
            assert!(value.matches(&json!("CallProcessed")));
        }
        other => panic!("unexpected rule {other:?}"),
    }

    let e: extensions::TokenExpiry = extensions::parse(&read(
        "dialpad/websocket.yml",
        "/servers/production/x-asyncgen-token-expiry",
    ))
    .expect("token expiry");
    assert_eq!(e.expires_after, Duration::hours(1));
    assert_eq!(e.refresh_before, Duration::minutes(5));
    assert_eq!(e.refresh.method, HttpMethod::Get);
}

// ---- x-asyncgen-signature ----

const SIG_SCHEME: &str = "components:
  securitySchemes:
    sig:
      type: httpApiKey
      in: header
      name: X-Signature
";

#[test]
fn signature_valid() {
    expect_clean(&format!(
        "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: hex
"
    ));
    expect_clean(&format!(
        "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: base64
        prefix: 'v1='
        separator: ' '
        timestamp:
          header: X-Timestamp
          tolerance: 300s
          signedPayload: '{{timestamp}}.{{body}}'
"
    ));
}

#[test]
fn signature_unknown_encoding_lists_the_allowed_values() {
    let d = expect_one(
        &format!(
            "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: base-64
"
        ),
        "invalid-extension",
        "/components/securitySchemes/sig/x-asyncgen-signature/encoding",
        11,
    );
    assert_mentions(
        &d,
        &[
            "`base-64`",
            "one of `hex`, `base64`",
            "did you mean `base64`",
        ],
    );
    assert!(d.is_error());
}

#[test]
fn signature_timestamp_without_header() {
    let d = expect_one(
        &format!(
            "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: hex
        timestamp:
          tolerance: 5m
"
        ),
        "invalid-extension",
        "/components/securitySchemes/sig/x-asyncgen-signature/timestamp",
        12,
    );
    assert_mentions(
        &d,
        &[
            "exactly one of `header`, `element` or `field`",
            "Unix seconds",
        ],
    );
    assert!(d.location.at_key);
}

#[test]
fn signature_signed_payload_must_cover_the_body_and_tolerance_be_positive() {
    let ds = load(&format!(
        "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: hex
        timestamp:
          header: X-Timestamp
          tolerance: 0s
          signedPayload: '{{timestamp}}'
"
    ));
    let got = code_pointer_line(&ds);
    let base = "/components/securitySchemes/sig/x-asyncgen-signature/timestamp";
    assert_eq!(
        got,
        [
            ("invalid-extension", &*format!("{base}/tolerance"), Some(14)),
            (
                "invalid-extension",
                &*format!("{base}/signedPayload"),
                Some(15)
            ),
        ],
        "{}",
        show(&ds)
    );
    assert_mentions(&ds[1], &["signs nothing of the body"]);
}

/// A tolerance enforced on a timestamp the MAC does not cover checks a value anyone on the
/// path can rewrite: a replayed request with a fresh timestamp would pass.
#[test]
fn signature_timestamp_must_be_signed() {
    let ds = load(&format!(
        "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: hex
        timestamp:
          header: X-Timestamp
          signedPayload: 'v1.{{body}}'
"
    ));
    let got = code_pointer_line(&ds);
    assert_eq!(
        got,
        [(
            "invalid-extension",
            "/components/securitySchemes/sig/x-asyncgen-signature/timestamp/signedPayload",
            Some(14)
        )],
        "{}",
        show(&ds)
    );
    assert!(ds[0].is_error());
    assert_mentions(
        &ds[0],
        &["does not include `{timestamp}`", "anyone can replace it"],
    );
}

/// A preset is a whole scheme: any scheme type may carry it (the preset says where the
/// signature is), and fields beside it override it.
#[test]
fn signature_presets_stand_alone_or_with_overrides() {
    expect_clean(
        "components:
  securitySchemes:
    stripe:
      type: symmetricEncryption
      x-asyncgen-signature:
        preset: stripe
    discord:
      type: asymmetricEncryption
      x-asyncgen-signature:
        preset: discord
        key: pem
    github:
      type: httpApiKey
      in: header
      name: X-Hub-Signature-256
      x-asyncgen-signature:
        preset: github
        timestamp:
          header: X-Ts
        signedPayload: '{timestamp}.{body}'
",
    );
    let s: Signature = extensions::parse(
        &json!({"preset": "stripe", "timestamp": {"element": "t=", "tolerance": "1m"}}),
    )
    .expect("valid");
    let r = s.resolve(None).expect("complete");
    assert_eq!(
        r.location,
        SignatureLocation::Header("Stripe-Signature".into())
    );
    assert_eq!(r.separator.as_deref(), Some(","));
    assert_eq!(r.signed_payload, "{timestamp}.{body}");
    assert_eq!(
        r.timestamp.expect("timestamp").tolerance.as_millis(),
        60_000
    );
    let r = s.resolve(Some("X-Other")).expect("complete");
    assert_eq!(
        r.location,
        SignatureLocation::Header("X-Other".into()),
        "the scheme's own header name wins over the preset's"
    );
}

#[test]
fn signature_unknown_preset_suggests_one() {
    let d = expect_one(
        &format!(
            "{SIG_SCHEME}      x-asyncgen-signature:
        preset: stirpe
"
        ),
        "invalid-extension",
        "/components/securitySchemes/sig/x-asyncgen-signature/preset",
        10,
    );
    assert_mentions(&d, &["unknown preset `stirpe`", "did you mean `stripe`"]);
}

#[test]
fn signature_refusals_of_the_general_vocabulary() {
    let cases = [
        (
            "algorithm: ed25519\n        encoding: hex\n        key: text",
            "/key",
            "cannot be written as `text`",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        separator: ','\n        timestamp:\n          element: 't='\n          header: X-T",
            "/timestamp",
            "exactly one of",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        timestamp:\n          element: 't='",
            "/timestamp/element",
            "needs a `separator`",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        field: signature",
            "/field",
            "not a JSON pointer",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        eventId: {}",
            "/eventId",
            "exactly one of `header` or `field`",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        signedPayload: '{url}'",
            "/signedPayload",
            "signs nothing of the body",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        signedPayload: '{timestamp}{body}'",
            "/signedPayload",
            "declares no `timestamp`",
        ),
        (
            "algorithm: hmac-sha256\n        encoding: hex\n        signedPayload: '{header:}{body}'",
            "/signedPayload",
            "needs a header name",
        ),
        ("encoding: hex", "/algorithm", "`algorithm` is required"),
    ];
    for (body, at, says) in cases {
        let body = body.replace("\\n", "\n");
        let ds = load(&format!(
            "{SIG_SCHEME}      x-asyncgen-signature:\n        {body}\n"
        ));
        assert_eq!(ds.len(), 1, "{body}:\n{}", show(&ds));
        assert_eq!(
            ds[0].location.pointer.as_str(),
            format!("/components/securitySchemes/sig/x-asyncgen-signature{at}"),
            "{body}"
        );
        assert_mentions(&ds[0], &[says]);
        assert!(ds[0].is_error());
    }
}

#[test]
fn signature_on_the_wrong_kind_of_scheme() {
    let d = expect_one(
        "components:
  securitySchemes:
    sig:
      type: httpApiKey
      in: query
      name: sig
      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: hex
",
        "invalid-extension",
        "/components/securitySchemes/sig/x-asyncgen-signature",
        9,
    );
    assert!(d.location.at_key);
    assert_mentions(&d, &["`in: query`", "in: header"]);
}

#[test]
fn signature_unknown_field_suggests_the_right_one() {
    let d = expect_one(
        &format!(
            "{SIG_SCHEME}      x-asyncgen-signature:
        algorithm: hmac-sha256
        encoding: hex
        prefx: 'sha256='
"
        ),
        "invalid-extension",
        "/components/securitySchemes/sig/x-asyncgen-signature/prefx",
        12,
    );
    assert!(d.location.at_key);
    assert_mentions(&d, &["unknown field `prefx`", "did you mean `prefix`?"]);
}

// ---- x-asyncgen-jwt ----

const JWT_SCHEME: &str = "components:
  securitySchemes:
    jwt:
      type: http
      scheme: bearer
      bearerFormat: JWT
";

#[test]
fn jwt_valid() {
    expect_clean(&format!(
        "{JWT_SCHEME}      x-asyncgen-jwt:
        algorithm: HS256
        optional: true
        claims: payload
        secret: the webhook's secret
"
    ));
    let jwt: extensions::Jwt = extensions::parse(&json!({"algorithm": "HS256"})).expect("jwt");
    assert!(!jwt.optional, "optional defaults to false");
    assert_eq!(jwt.claims, extensions::JwtClaims::Payload);
}

#[test]
fn jwt_other_algorithm() {
    let d = expect_one(
        &format!("{JWT_SCHEME}      x-asyncgen-jwt:\n        algorithm: RS256\n"),
        "invalid-extension",
        "/components/securitySchemes/jwt/x-asyncgen-jwt/algorithm",
        10,
    );
    assert_mentions(&d, &["`RS256` is not allowed here; expected `HS256`"]);
}

#[test]
fn jwt_optional_must_be_a_boolean() {
    let d = expect_one(
        &format!(
            "{JWT_SCHEME}      x-asyncgen-jwt:\n        algorithm: HS256\n        optional: 'yes'\n"
        ),
        "invalid-extension",
        "/components/securitySchemes/jwt/x-asyncgen-jwt/optional",
        11,
    );
    assert_mentions(&d, &["expected true or false, found the string \"yes\""]);
}

#[test]
fn jwt_on_a_non_bearer_scheme() {
    let d = expect_one(
        "components:
  securitySchemes:
    jwt:
      type: httpApiKey
      in: header
      name: Authorization
      x-asyncgen-jwt:
        algorithm: HS256
",
        "invalid-extension",
        "/components/securitySchemes/jwt/x-asyncgen-jwt",
        9,
    );
    assert_mentions(
        &d,
        &["`type: http` with `scheme: bearer`", "`type: httpApiKey`"],
    );
}

// ---- x-asyncgen-body-token ----

const TOKEN_SCHEME: &str = "components:
  securitySchemes:
    token:
      type: httpApiKey
      in: header
      name: auth_token
";

#[test]
fn body_token_valid() {
    expect_clean(&format!(
        "{TOKEN_SCHEME}      x-asyncgen-body-token:\n        path: /auth_token\n"
    ));
}

#[test]
fn body_token_path_must_be_a_pointer() {
    let d = expect_one(
        &format!("{TOKEN_SCHEME}      x-asyncgen-body-token:\n        path: auth_token\n"),
        "invalid-extension",
        "/components/securitySchemes/token/x-asyncgen-body-token/path",
        10,
    );
    assert_mentions(&d, &["must start with `/`", "\"/auth_token\""]);
}

#[test]
fn body_token_path_with_a_bad_escape() {
    let d = expect_one(
        &format!("{TOKEN_SCHEME}      x-asyncgen-body-token:\n        path: /a~2b\n"),
        "invalid-extension",
        "/components/securitySchemes/token/x-asyncgen-body-token/path",
        10,
    );
    assert_mentions(&d, &["`~` must be followed by `0`"]);
}

#[test]
fn body_token_missing_path() {
    let d = expect_one(
        &format!("{TOKEN_SCHEME}      x-asyncgen-body-token: {{}}\n"),
        "invalid-extension",
        "/components/securitySchemes/token/x-asyncgen-body-token",
        9,
    );
    assert_mentions(&d, &["missing required field `path`"]);
}

#[test]
fn body_token_on_a_non_api_key_scheme() {
    expect_one(
        "components:
  securitySchemes:
    token:
      type: http
      scheme: basic
      x-asyncgen-body-token:
        path: /auth_token
",
        "invalid-extension",
        "/components/securitySchemes/token/x-asyncgen-body-token",
        8,
    );
}

/// A 3.x document whose one message is under the `token` scheme (through the server).
fn body_token_doc(properties: &str) -> String {
    format!(
        "servers:
  s:
    host: example.com
    protocol: https
    security:
      - $ref: '#/components/securitySchemes/token'
channels:
  hook:
    messages:
      a: {{$ref: '#/components/messages/A'}}
operations:
  sendA: {{action: send, channel: {{$ref: '#/channels/hook'}}}}
components:
  messages:
    A:
      payload:
        type: object
        properties:
          {properties}
  securitySchemes:
    token:
      type: httpApiKey
      in: header
      name: auth_token
      x-asyncgen-body-token:
        path: /auth_token
"
    )
}

#[test]
fn body_token_payloads_must_declare_the_token() {
    expect_clean(&body_token_doc("auth_token: {type: string}"));
    let d = expect_one(
        &body_token_doc("token: {type: string}"),
        "invalid-extension",
        "/components/securitySchemes/token/x-asyncgen-body-token/path",
        28,
    );
    assert_mentions(&d, &["message `A`", "no property at `/auth_token`"]);
    let d = expect_one(
        &body_token_doc("auth_token: {type: integer}"),
        "invalid-extension",
        "/components/securitySchemes/token/x-asyncgen-body-token/path",
        28,
    );
    assert_mentions(&d, &["without `type: string`"]);
}

#[test]
fn body_token_payloads_are_found_through_2x_security_requirements() {
    let doc = "asyncapi: 2.6.0
info: {title: t, version: '1'}
servers:
  s:
    url: https://example.com
    protocol: https
    security:
      - token: []
channels:
  hook:
    subscribe:
      message:
        payload:
          type: object
          properties:
            other: {type: string}
components:
  securitySchemes:
    token:
      type: httpApiKey
      in: header
      name: auth_token
      x-asyncgen-body-token: {path: /auth_token}
";
    let loaded = asyncgen_spec::load_str("doc.yml", doc, Path::new("."), &Default::default());
    let ds = loaded.diagnostics.into_vec();
    assert_eq!(ds.len(), 1, "{}", show(&ds));
    assert_eq!(
        (ds[0].location.pointer.as_str(), ds[0].location.line),
        (
            "/components/securitySchemes/token/x-asyncgen-body-token/path",
            Some(23)
        )
    );
    assert_mentions(&ds[0], &["message `/channels/hook/subscribe/message`"]);
}

// ---- x-asyncgen-dispatch ----

const DISPATCH_HEAD: &str = "components:
  schemas:
    Envelope:
      type: object
      properties:
        payload:
          type: object
          properties:
            event:
              const: CallProcessed
  messages:
    M:
      payload:
        $ref: '#/components/schemas/Envelope'
";

#[test]
fn dispatch_valid() {
    expect_clean(&format!(
        "{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        path: /payload/event\n        equals: CallProcessed\n"
    ));
    expect_clean(&format!(
        "{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        present: [payload]\n"
    ));
}

#[test]
fn dispatch_equals_must_match_the_payload_const() {
    let d = expect_one(
        &format!(
            "{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        path: /payload/event\n        equals: IncomingCall\n"
        ),
        "invalid-extension",
        "/components/messages/M/x-asyncgen-dispatch/equals",
        19,
    );
    assert_mentions(&d, &["\"IncomingCall\"", "\"CallProcessed\"", "`const`"]);
}

#[test]
fn dispatch_with_both_forms() {
    let d = expect_one(
        &format!(
            "{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        present: [payload]\n        path: /payload/event\n        equals: CallProcessed\n"
        ),
        "invalid-extension",
        "/components/messages/M/x-asyncgen-dispatch/path",
        19,
    );
    assert!(d.location.at_key);
    assert_mentions(&d, &["cannot be combined with `present`"]);
}

#[test]
fn dispatch_with_neither_form() {
    let d = expect_one(
        &format!("{DISPATCH_HEAD}      x-asyncgen-dispatch: {{}}\n"),
        "invalid-extension",
        "/components/messages/M/x-asyncgen-dispatch",
        17,
    );
    assert_mentions(
        &d,
        &[
            "`present`",
            "`path` with `equals`",
            "`header` with `equals`",
        ],
    );
}

/// The header form: `header` with `equals`, alone; a name that is no HTTP header name, a
/// header without `equals` or combined with `path` or `present` is refused where it is written.
#[test]
fn dispatch_by_header() {
    expect_clean(&format!(
        "{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        header: X-GitHub-Event\n        equals: push\n"
    ));
    let bad = |rule: &str, pointer: &str, line: u32, says: &str| {
        let d = expect_one(
            &format!("{DISPATCH_HEAD}      x-asyncgen-dispatch:\n{rule}"),
            "invalid-extension",
            &format!("/components/messages/M/x-asyncgen-dispatch/{pointer}"),
            line,
        );
        assert_mentions(&d, &[says]);
    };
    bad(
        "        header: X-GitHub-Event\n",
        "header",
        18,
        "`header` needs `equals`",
    );
    bad(
        "        header: X GitHub Event\n        equals: push\n",
        "header",
        18,
        "not an HTTP header name",
    );
    bad(
        "        path: /payload/event\n        header: X-Topic\n        equals: CallProcessed\n",
        "header",
        19,
        "cannot be combined with `path`",
    );
    bad(
        "        present: [payload]\n        header: X-Topic\n",
        "header",
        19,
        "cannot be combined with `present`",
    );
    bad(
        "        equals: push\n",
        "equals",
        18,
        "needs `path` or `header`",
    );
}

/// Two messages naming the same header value (whatever the header name's case) could never be
/// told apart; a header rule and a payload rule never collide.
#[test]
fn dispatch_header_rules_must_differ() {
    let ds = load(
        "components:
  messages:
    A:
      payload: {type: object}
      x-asyncgen-dispatch: {header: X-Topic, equals: push}
    B:
      payload: {type: object}
      x-asyncgen-dispatch: {header: x-topic, equals: push}
    C:
      payload: {type: object}
      x-asyncgen-dispatch: {path: /x-topic, equals: push}
",
    );
    let got = code_pointer_line(&ds);
    assert_eq!(
        got,
        [
            (
                "invalid-extension",
                "/components/messages/A/x-asyncgen-dispatch/equals",
                Some(7)
            ),
            (
                "invalid-extension",
                "/components/messages/B/x-asyncgen-dispatch/equals",
                Some(10)
            ),
        ],
        "{}",
        show(&ds)
    );
}

#[test]
fn dispatch_path_without_equals() {
    expect_one(
        &format!("{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        path: /payload/event\n"),
        "invalid-extension",
        "/components/messages/M/x-asyncgen-dispatch/path",
        18,
    );
}

#[test]
fn dispatch_present_must_be_a_non_empty_list() {
    let d = expect_one(
        &format!("{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        present: call_id\n"),
        "invalid-extension",
        "/components/messages/M/x-asyncgen-dispatch/present",
        18,
    );
    assert_mentions(&d, &["expected a list, found the string \"call_id\""]);
    expect_one(
        &format!("{DISPATCH_HEAD}      x-asyncgen-dispatch:\n        present: []\n"),
        "invalid-extension",
        "/components/messages/M/x-asyncgen-dispatch/present",
        18,
    );
}

#[test]
fn dispatch_rules_must_differ() {
    let ds = load(
        "components:
  messages:
    A:
      payload: {type: object}
      x-asyncgen-dispatch: {present: [id, kind]}
    B:
      payload: {type: object}
      x-asyncgen-dispatch: {present: [kind, id]}
    C:
      payload: {type: object}
      x-asyncgen-dispatch: {present: [id]}
",
    );
    let got = code_pointer_line(&ds);
    assert_eq!(
        got,
        [
            (
                "invalid-extension",
                "/components/messages/A/x-asyncgen-dispatch/present",
                Some(7)
            ),
            (
                "invalid-extension",
                "/components/messages/B/x-asyncgen-dispatch/present",
                Some(10)
            ),
        ],
        "{}",
        show(&ds)
    );
    assert_mentions(&ds[0], &["message `B` has the same rule"]);
}

#[test]
fn dispatch_on_a_message_trait_is_misplaced() {
    let d = expect_one(
        "components:
  messageTraits:
    T:
      x-asyncgen-dispatch:
        present: [id]
",
        "misplaced-extension",
        "/components/messageTraits/T/x-asyncgen-dispatch",
        6,
    );
    assert!(!d.is_error());
    assert_mentions(&d, &["Message Trait Object", "belongs on a Message Object"]);
}

// ---- x-asyncgen-topic ----

const TOPIC_HEAD: &str = "components:
  schemas:
    Topic:
      type: string
      x-asyncgen-topic:
";

#[test]
fn topic_valid() {
    expect_clean(&format!(
        "{TOPIC_HEAD}        pattern: '{{scope}}:{{id}}'
        segments:
          scope:
            enum: [customer_id, agent_id]
          id:
            format: text
            wildcard: '*'
"
    ));
}

#[test]
fn topic_placeholder_without_segment() {
    let d = expect_one(
        &format!(
            "{TOPIC_HEAD}        pattern: '{{scope}}:{{id}}'
        segments:
          scope:
            enum: [customer_id]
"
        ),
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic/pattern",
        8,
    );
    assert_mentions(&d, &["placeholder `{id}` has no entry in `segments`"]);
}

#[test]
fn topic_segment_without_placeholder() {
    let d = expect_one(
        &format!(
            "{TOPIC_HEAD}        pattern: '{{scope}}'
        segments:
          scope:
            enum: [customer_id]
          resource:
            format: text
"
        ),
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic/segments/resource",
        12,
    );
    assert!(d.location.at_key);
    assert_mentions(&d, &["segment `resource` does not appear in `pattern`"]);
}

#[test]
fn topic_segment_with_both_or_neither_kind() {
    expect_one(
        &format!(
            "{TOPIC_HEAD}        pattern: '{{scope}}'
        segments:
          scope:
            enum: [customer_id]
            format: text
"
        ),
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic/segments/scope/format",
        12,
    );
    let d = expect_one(
        &format!(
            "{TOPIC_HEAD}        pattern: '{{scope}}'
        segments:
          scope:
            wildcard: '*'
"
        ),
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic/segments/scope",
        10,
    );
    assert_mentions(&d, &["needs `enum`", "`format: text`"]);
}

#[test]
fn topic_format_is_a_closed_set() {
    let d = expect_one(
        &format!(
            "{TOPIC_HEAD}        pattern: '{{id}}'
        segments:
          id:
            format: uuid
"
        ),
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic/segments/id/format",
        11,
    );
    assert_mentions(&d, &["`uuid` is not allowed here; expected `text`"]);
}

#[test]
fn topic_on_a_non_string_schema() {
    expect_one(
        "components:
  schemas:
    Topic:
      type: object
      x-asyncgen-topic:
        pattern: '{id}'
        segments:
          id: {format: text}
",
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic",
        7,
    );
}

#[test]
fn topic_adjacent_placeholders_cannot_be_split() {
    let d = expect_one(
        &format!(
            "{TOPIC_HEAD}        pattern: '{{a}}{{b}}'
        segments:
          a: {{format: text}}
          b: {{format: text}}
"
        ),
        "invalid-extension",
        "/components/schemas/Topic/x-asyncgen-topic/pattern",
        8,
    );
    assert_mentions(&d, &["no literal text between them"]);
}

// ---- x-asyncgen-token-expiry ----

const WSS_SERVER: &str = "servers:
  s:
    host: example.com
    protocol: wss
";

#[test]
fn token_expiry_valid() {
    expect_clean(&format!(
        "{WSS_SERVER}    x-asyncgen-token-expiry:
      expiresAfter: 1h
      refreshBefore: 5m
      maxConnectionDuration: 1h
      refresh:
        method: GET
        resources: [websocket, subscription]
        responseField: websocket_url
        description: GET the resource that issued the token.
"
    ));
    let e: extensions::TokenExpiry = extensions::parse(
        &json!({"expiresAfter": "1h", "refresh": {"method": "GET", "resources": ["/ws"]}}),
    )
    .expect("defaults");
    assert_eq!(e.refresh_before, Duration::ZERO);
    assert_eq!(e.max_connection_duration, None);
}

#[test]
fn token_expiry_refresh_before_must_be_shorter_than_expiry() {
    let d = expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-token-expiry:
      expiresAfter: 1h
      refreshBefore: 60m
      refresh: {{method: GET, resources: [websocket]}}
"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-token-expiry/refreshBefore",
        9,
    );
    assert_mentions(&d, &["(60m) must be shorter than `expiresAfter` (1h)"]);
}

#[test]
fn token_expiry_needs_resources() {
    expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-token-expiry:
      expiresAfter: 1h
      refresh:
        method: GET
        resources: []
"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-token-expiry/refresh/resources",
        11,
    );
}

#[test]
fn token_expiry_rejects_compound_durations_and_lowercase_methods() {
    let d = expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-token-expiry:
      expiresAfter: 1h30m
      refresh: {{method: GET, resources: [websocket]}}
"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-token-expiry/expiresAfter",
        8,
    );
    assert_mentions(&d, &["`1h30m` is a compound duration", "\"90m\""]);
    let d = expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-token-expiry:
      expiresAfter: 1h
      refresh:
        method: get
        resources: [websocket]
"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-token-expiry/refresh/method",
        10,
    );
    assert_mentions(
        &d,
        &["`get` is not allowed here", "`GET`", "did you mean `GET`?"],
    );
}

#[test]
fn token_expiry_on_a_security_scheme_is_misplaced() {
    let d = expect_one(
        "components:
  securitySchemes:
    token:
      type: httpApiKey
      in: query
      name: token
      x-asyncgen-token-expiry:
        expiresAfter: 1h
        refresh: {method: GET, resources: [websocket]}
",
        "misplaced-extension",
        "/components/securitySchemes/token/x-asyncgen-token-expiry",
        9,
    );
    assert_mentions(&d, &["belongs on a Server Object"]);
}

// ---- x-asyncgen-reconnect ----

const OPS: &str = "channels:
  ws: {address: /ws}
operations:
  subscribe: {action: receive, channel: {$ref: '#/channels/ws'}}
  unsubscribe: {action: receive, channel: {$ref: '#/channels/ws'}}
";

#[test]
fn reconnect_valid() {
    expect_clean(&format!(
        "{WSS_SERVER}    x-asyncgen-reconnect:
      initialDelay: 1s
      multiplier: 2
      maxDelay: 30s
      jitter: none
      replay: [subscribe, unsubscribe]
{OPS}"
    ));
    let r: Reconnect =
        extensions::parse(&json!({"initialDelay": "1s", "maxDelay": "30s"})).expect("defaults");
    assert_eq!(
        (r.multiplier, r.jitter, r.replay.len()),
        (2.0, Jitter::None, 0)
    );
}

#[test]
fn reconnect_replay_must_name_operations() {
    let d = expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-reconnect:
      initialDelay: 1s
      maxDelay: 30s
      replay:
        - subscribe
        - subscibe
{OPS}"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-reconnect/replay/1",
        12,
    );
    assert_mentions(&d, &["operation `subscibe`", "did you mean `subscribe`?"]);
}

#[test]
fn reconnect_replay_uses_operation_ids_in_2x() {
    let doc = "asyncapi: 2.6.0
info: {title: t, version: '1'}
servers:
  s:
    url: wss://example.com
    protocol: wss
    x-asyncgen-reconnect:
      initialDelay: 1s
      maxDelay: 30s
      replay: [sendSubscribe, missing]
channels:
  events:
    publish:
      operationId: sendSubscribe
      message: {payload: {type: object}}
";
    let loaded = asyncgen_spec::load_str("doc.yml", doc, Path::new("."), &Default::default());
    let ds = loaded.diagnostics.into_vec();
    assert_eq!(ds.len(), 1, "{}", show(&ds));
    assert_eq!(
        ds[0].location.pointer.as_str(),
        "/servers/s/x-asyncgen-reconnect/replay/1"
    );
    assert_eq!(ds[0].location.line, Some(10));
}

#[test]
fn reconnect_delays_must_grow() {
    let ds = load(&format!(
        "{WSS_SERVER}    x-asyncgen-reconnect:
      initialDelay: 30s
      multiplier: 0.5
      maxDelay: 1s
"
    ));
    let got = code_pointer_line(&ds);
    assert_eq!(
        got,
        [
            (
                "invalid-extension",
                "/servers/s/x-asyncgen-reconnect/multiplier",
                Some(9)
            ),
            (
                "invalid-extension",
                "/servers/s/x-asyncgen-reconnect/maxDelay",
                Some(10)
            ),
        ],
        "{}",
        show(&ds)
    );
}

#[test]
fn reconnect_jitter_is_a_closed_set() {
    let d = expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-reconnect:
      initialDelay: 1s
      maxDelay: 30s
      jitter: random
"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-reconnect/jitter",
        10,
    );
    assert_mentions(
        &d,
        &["`random` is not allowed here; expected one of `none`, `full`"],
    );
}

// ---- x-asyncgen-heartbeat ----

#[test]
fn heartbeat_valid() {
    expect_clean(&format!(
        "{WSS_SERVER}    x-asyncgen-heartbeat:\n      interval: 30s\n      timeout: 10s\n"
    ));
}

#[test]
fn heartbeat_timeout_missing_or_zero() {
    let d = expect_one(
        &format!("{WSS_SERVER}    x-asyncgen-heartbeat:\n      interval: 30s\n"),
        "invalid-extension",
        "/servers/s/x-asyncgen-heartbeat",
        7,
    );
    assert_mentions(&d, &["missing required field `timeout`"]);
    expect_one(
        &format!(
            "{WSS_SERVER}    x-asyncgen-heartbeat:\n      interval: 30s\n      timeout: 0ms\n"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-heartbeat/timeout",
        9,
    );
}

#[test]
fn heartbeat_on_a_non_websocket_server() {
    let d = expect_one(
        "servers:
  s:
    host: example.com
    protocol: https
    x-asyncgen-heartbeat: {interval: 30s, timeout: 10s}
",
        "invalid-extension",
        "/servers/s/x-asyncgen-heartbeat",
        7,
    );
    assert_mentions(&d, &["protocol is `https`"]);
}

// ---- x-asyncgen-delivery ----

const HTTP_SERVER: &str = "servers:
  s:
    host: example.com
    protocol: https
";

#[test]
fn delivery_valid_on_server_and_operation() {
    expect_clean(&format!(
        "{HTTP_SERVER}    x-asyncgen-delivery:
      timeout: 10s
      retries: [5s, 30s, 120s]
channels:
  hook: {{}}
operations:
  send:
    action: send
    channel: {{$ref: '#/channels/hook'}}
    x-asyncgen-delivery:
      timeout: 2s
"
    ));
}

#[test]
fn delivery_timeout_missing_or_zero() {
    expect_one(
        &format!("{HTTP_SERVER}    x-asyncgen-delivery:\n      retries: [5s]\n"),
        "invalid-extension",
        "/servers/s/x-asyncgen-delivery",
        7,
    );
    let d = expect_one(
        &format!("{HTTP_SERVER}    x-asyncgen-delivery:\n      timeout: 0s\n"),
        "invalid-extension",
        "/servers/s/x-asyncgen-delivery/timeout",
        8,
    );
    assert_mentions(&d, &["longer than 0"]);
}

#[test]
fn delivery_retries_are_durations() {
    let d = expect_one(
        &format!(
            "{HTTP_SERVER}    x-asyncgen-delivery:\n      timeout: 10s\n      retries: [5s, 30x]\n"
        ),
        "invalid-extension",
        "/servers/s/x-asyncgen-delivery/retries/1",
        9,
    );
    assert_mentions(&d, &["`30x` has unknown unit `x`"]);
    let d = expect_one(
        &format!("{HTTP_SERVER}    x-asyncgen-delivery:\n      timeout: 10\n"),
        "invalid-extension",
        "/servers/s/x-asyncgen-delivery/timeout",
        8,
    );
    assert_mentions(&d, &["the number 10 is not a duration", "\"10s\""]);
}

#[test]
fn delivery_value_must_be_a_mapping() {
    let d = expect_one(
        &format!("{HTTP_SERVER}    x-asyncgen-delivery: 10s\n"),
        "invalid-extension",
        "/servers/s/x-asyncgen-delivery",
        7,
    );
    assert_mentions(&d, &["expected a mapping, found the string \"10s\""]);
}

#[test]
fn delivery_on_a_channel_is_misplaced() {
    let d = expect_one(
        "channels:
  hook:
    x-asyncgen-delivery: {timeout: 10s}
operations:
  send: {action: send, channel: {$ref: '#/channels/hook'}}
",
        "misplaced-extension",
        "/channels/hook/x-asyncgen-delivery",
        5,
    );
    assert_mentions(&d, &["a Server Object or an Operation Object"]);
}

// ---- names ----

#[test]
fn unknown_extension_with_a_suggestion() {
    let d = expect_one(
        &format!("{WSS_SERVER}    x-asyncgen-heartbeet: {{interval: 30s, timeout: 10s}}\n"),
        "unknown-extension",
        "/servers/s/x-asyncgen-heartbeet",
        7,
    );
    assert!(!d.is_error() && d.location.at_key);
    assert_mentions(&d, &["did you mean `x-asyncgen-heartbeat`?"]);
}

#[test]
fn unknown_extension_without_a_close_name_lists_them_all() {
    let d = expect_one(
        &format!("{WSS_SERVER}    x-asyncgen-compression: gzip\n"),
        "unknown-extension",
        "/servers/s/x-asyncgen-compression",
        7,
    );
    assert_mentions(&d, &["x-asyncgen-signature", "x-asyncgen-delivery"]);
}

#[test]
fn namespace_typos_are_caught_and_other_extensions_ignored() {
    expect_one(
        &format!("{WSS_SERVER}    x-AsyncGen-heartbeat: {{interval: 30s, timeout: 10s}}\n"),
        "unknown-extension",
        "/servers/s/x-AsyncGen-heartbeat",
        7,
    );
    expect_clean(&format!(
        "{WSS_SERVER}    x-other-tool: {{anything: [1, 2]}}\n    x-asyncgenerator: true\n"
    ));
}

#[test]
fn misplaced_topic_on_a_message() {
    let d = expect_one(
        "components:
  messages:
    M:
      payload: {type: string}
      x-asyncgen-topic: {pattern: '{a}', segments: {a: {format: text}}}
",
        "misplaced-extension",
        "/components/messages/M/x-asyncgen-topic",
        7,
    );
    assert_mentions(&d, &["belongs on a Schema Object"]);
}

#[test]
fn extensions_in_nested_schemas_are_checked() {
    expect_one(
        "components:
  schemas:
    Sub:
      type: object
      properties:
        topics:
          type: array
          items:
            type: string
            x-asyncgen-topic: {pattern: '{a}', segments: {}}
",
        "invalid-extension",
        "/components/schemas/Sub/properties/topics/items/x-asyncgen-topic/pattern",
        12,
    );
}

// ---- public API ----

#[test]
fn registry_lists_every_extension_with_its_objects() {
    let got: Vec<(&str, &[&str])> = extensions::registry()
        .iter()
        .map(|e| (e.name, e.on))
        .collect();
    let expected: &[(&str, &[&str])] = &[
        ("x-asyncgen-signature", &["Security Scheme"]),
        ("x-asyncgen-jwt", &["Security Scheme"]),
        ("x-asyncgen-body-token", &["Security Scheme"]),
        ("x-asyncgen-dispatch", &["Message"]),
        ("x-asyncgen-topic", &["Schema"]),
        ("x-asyncgen-token-expiry", &["Server"]),
        ("x-asyncgen-reconnect", &["Server"]),
        ("x-asyncgen-heartbeat", &["Server"]),
        ("x-asyncgen-delivery", &["Server", "Operation"]),
        ("x-asyncgen-reply", &["Operation"]),
    ];
    assert_eq!(got, expected);
    assert_eq!(Delivery::NAME, "x-asyncgen-delivery");
    assert!(extensions::lookup("x-asyncgen-topic").is_some_and(|e| e.allowed_on("Schema")));
}

#[test]
fn parse_reports_every_problem_with_its_path() {
    let err = extensions::parse::<Reconnect>(&json!({
        "initialDelay": "0s", "multiplier": 0.5, "maxDelay": "1s"
    }))
    .expect_err("invalid");
    assert_eq!(err.extension, "x-asyncgen-reconnect");
    let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["/initialDelay", "/multiplier"]);
    let text = err.to_string();
    assert!(
        text.starts_with("invalid `x-asyncgen-reconnect`: at /initialDelay:"),
        "{text}"
    );
    assert!(text.ends_with("(and 1 more)"), "{text}");

    let err = extensions::parse::<Delivery>(&json!({"timeout": "5s", "retries": [1]}))
        .expect_err("bare number");
    assert_eq!(err.problems[0].path.as_str(), "/retries/0");

    let fields = json!({"x-asyncgen-delivery": {"timeout": "5s"}});
    let fields = fields.as_object().expect("object");
    let d = extensions::get::<Delivery>(fields)
        .expect("present")
        .expect("valid");
    assert!(d.retries.is_empty());
    assert!(extensions::get::<Reconnect>(fields).is_none());
}

#[test]
fn extensions_round_trip_through_serde() {
    let value = json!({
        "algorithm": "hmac-sha256", "encoding": "base64", "prefix": "v1=",
        "timestamp": {"header": "X-Timestamp", "tolerance": "300s", "signedPayload": "{timestamp}.{body}"}
    });
    let s: Signature = extensions::parse(&value).expect("valid");
    assert_eq!(serde_json::to_value(&s).expect("serialize"), value);
    let resolved = s.resolve(Some("X-Signature")).expect("complete");
    assert_eq!(resolved.signed_parts().expect("parts").len(), 3);
}

// ---- JSON Schemas ----

/// `specs/extensions/<name>.schema.json` must be what the Rust types generate. Run with
/// `ASYNCGEN_BLESS=1` to rewrite them after changing a type.
#[test]
fn committed_json_schemas_are_fresh() {
    let dir = repo_root().join("specs/extensions");
    let bless = std::env::var_os("ASYNCGEN_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    let schemas = extensions::derived_json_schemas();
    assert_eq!(schemas.len(), 10);
    for (name, schema) in &schemas {
        let path = dir.join(format!("{name}.schema.json"));
        let expected = format!(
            "{}\n",
            serde_json::to_string_pretty(schema).expect("a schema serializes")
        );
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        if actual != expected {
            if bless {
                std::fs::create_dir_all(&dir).expect("create specs/extensions");
                std::fs::write(&path, &expected).expect("write schema");
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // Files of extensions that no longer exist would mislead editors that load them.
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let known = schemas
            .iter()
            .any(|(name, _)| file == format!("{name}.schema.json"));
        if !known {
            stale.push(format!("{} (no such extension)", entry.path().display()));
        }
    }
    assert!(
        stale.is_empty(),
        "these JSON Schemas differ from the Rust types; regenerate them with\n  \
         ASYNCGEN_BLESS=1 cargo test -p asyncgen-spec --test extensions committed_json_schemas_are_fresh\n\
         (and delete files of removed extensions):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn schemas_carry_the_docs_and_defaults() {
    let schemas = extensions::json_schemas();
    let get = |name: &str| {
        schemas
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.clone())
            .expect(name)
    };
    let reconnect = get("x-asyncgen-reconnect");
    assert_eq!(reconnect["title"], "x-asyncgen-reconnect");
    assert_eq!(reconnect["properties"]["multiplier"]["default"], 2.0);
    assert_eq!(reconnect["properties"]["jitter"]["default"], "none");
    assert_eq!(reconnect["additionalProperties"], false);
    let signature = get("x-asyncgen-signature");
    assert_eq!(
        signature["$defs"]["SignatureTimestamp"]["properties"]["tolerance"]["default"],
        "300s"
    );
    for (name, schema) in &schemas {
        assert!(schema.get("description").is_some(), "{name}: described");
        // `x-asyncgen-reply` is a Message Object: its fields are the specification's.
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            assert_eq!(*name, "x-asyncgen-reply", "{name}: has fields");
            continue;
        };
        let described = properties.values().all(|p| p.get("description").is_some());
        assert!(described, "{name}: every field has a description");
    }
}

// ---- the README's examples ----

/// Every YAML example in the "Extensions" section of both READMEs (the full reference in
/// `specs/`, the overview at the root) reads as its extension, and each shows every extension.
#[test]
fn readme_examples_parse() {
    for readme in ["specs/README.md", "README.md"] {
        readme_examples_parse_in(readme);
    }
}

/// Every diagnostic code is documented in the root README's table.
#[test]
fn readme_lists_every_diagnostic_code() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    for code in asyncgen_spec::Code::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.default_severity());
        assert!(
            readme.contains(&row),
            "README.md lacks the row starting `{row}`"
        );
    }
}

fn readme_examples_parse_in(path: &str) {
    let readme = std::fs::read_to_string(repo_root().join(path)).expect("README");

    let section = readme
        .split_once("\n## Extensions")
        .map(|(_, s)| s)
        .expect("an Extensions section");
    let mut found = std::collections::BTreeMap::<String, usize>::new();
    for block in section.split("```yaml\n").skip(1) {
        let Some((yaml, _)) = block.split_once("```") else {
            panic!("unterminated code block");
        };
        let value: Value = serde_yaml::from_str(&dedent(yaml))
            .unwrap_or_else(|e| panic!("README example does not parse as YAML: {e}\n{yaml}"));
        collect_extensions(&value, &mut |name, v| {
            let ext = extensions::lookup(name)
                .unwrap_or_else(|| panic!("README example uses unknown `{name}`"));
            if let Err(e) = ext.validate(v) {
                panic!("README example of `{name}` is invalid: {e}");
            }
            *found.entry(name.to_owned()).or_default() += 1;
        });
    }
    for ext in extensions::registry() {
        assert!(
            found.contains_key(ext.name),
            "{path} has no example of `{}`",
            ext.name
        );
    }
}

fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").to_owned() + "\n")
        .collect()
}

fn collect_extensions(v: &Value, f: &mut dyn FnMut(&str, &Value)) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k.starts_with(extensions::PREFIX) {
                    f(k, child);
                } else {
                    collect_extensions(child, f);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_extensions(i, f)),
        _ => {}
    }
}

// ---- durations ----

#[test]
fn durations_parse_in_every_unit() {
    let cases = [
        ("300ms", 300, DurationUnit::Millis),
        ("5s", 5_000, DurationUnit::Seconds),
        ("5m", 300_000, DurationUnit::Minutes),
        ("1h", 3_600_000, DurationUnit::Hours),
        ("0s", 0, DurationUnit::Seconds),
    ];
    for (text, millis, unit) in cases {
        let d: Duration = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            (d.as_millis(), d.unit(), d.to_string()),
            (millis, unit, text.to_owned())
        );
    }
    assert_eq!("60s".parse::<Duration>(), Ok(Duration::minutes(1)));
    assert_eq!(
        Duration::secs(90).as_std(),
        std::time::Duration::from_secs(90)
    );
}

#[test]
fn durations_reject_garbage_with_a_reason() {
    use DurationError as E;
    let own = |s: &str| s.to_owned();
    let cases = [
        ("", E::Empty, "empty"),
        ("5", E::NoUnit(own("5")), "has no unit"),
        (
            "5sec",
            E::UnknownUnit {
                text: own("5sec"),
                unit: own("sec"),
            },
            "unknown unit `sec`",
        ),
        (
            "5S",
            E::UnknownUnit {
                text: own("5S"),
                unit: own("S"),
            },
            "unknown unit `S`",
        ),
        ("5 s", E::Malformed(own("5 s")), "not a duration"),
        ("s", E::Malformed(own("s")), "not a duration"),
        ("1h30m", E::Compound(own("1h30m")), "compound"),
        ("1h 30m", E::Compound(own("1h 30m")), "compound"),
        ("1.5s", E::Fraction(own("1.5s")), "fraction"),
        ("-5s", E::Negative(own("-5s")), "negative"),
        (
            "99999999999999999999h",
            E::TooLarge(own("99999999999999999999h")),
            "too long",
        ),
        (
            "9999999999999999h",
            E::TooLarge(own("9999999999999999h")),
            "too long",
        ),
    ];
    for (text, expected, words) in cases {
        let err = text.parse::<Duration>().expect_err(text);
        assert_eq!(err, expected, "{text:?}");
        assert!(err.to_string().contains(words), "{text:?}: {err}");
    }
}

#[test]
fn durations_from_yaml_numbers_say_what_is_missing() {
    let err = serde_json::from_value::<Duration>(json!(10)).expect_err("a bare number");
    assert!(
        err.to_string().contains("add a unit, e.g. \"10s\""),
        "{err}"
    );
    let d: Duration = serde_json::from_value(json!("1500ms")).expect("valid");
    assert_eq!(serde_json::to_value(d).expect("serialize"), json!("1500ms"));
}

#[test]
fn topic_segments_keep_their_order() {
    let t: Topic = extensions::parse(&json!({
        "pattern": "{b}.{a}",
        "segments": {"b": {"format": "text"}, "a": {"enum": ["x", "y"], "wildcard": "*"}}
    }))
    .expect("valid");
    assert_eq!(t.segments.keys().collect::<Vec<_>>(), ["b", "a"]);
    let err = extensions::parse::<Topic>(&json!({
        "pattern": "{a}.{b}",
        "segments": {"a": {"enum": ["x.y"]}, "b": {"format": "text", "wildcard": ""}}
    }))
    .expect_err("separator inside a value, empty wildcard");
    let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["/segments/a/enum/0", "/segments/b/wildcard"]);
}

/// `x-asyncgen-reply` is the reply's Message Object (or a `$ref`): an empty one is refused where
/// it is written, and on a Message it is misplaced (a warning: it belongs on an Operation).
#[test]
fn reply_names_a_message_on_an_operation() {
    let ops = "channels:
  voice:
    address: null
operations:
  call:
    action: send
    channel: {$ref: '#/channels/voice'}
";
    let d = expect_one(
        &format!("{ops}    x-asyncgen-reply: {{}}\n"),
        "invalid-extension",
        "/operations/call/x-asyncgen-reply",
        10,
    );
    assert_mentions(&d, &["is empty", "Message Object"]);
    let ok = load(&format!(
        "{ops}    x-asyncgen-reply: {{$ref: '#/components/messages/twiml'}}
components:
  messages:
    twiml:
      contentType: application/xml
      payload: {{type: object}}
"
    ));
    assert!(
        !ok.iter()
            .any(|d| d.location.pointer.as_str().contains("x-asyncgen-reply")),
        "{}",
        show(&ok)
    );
    let misplaced = expect_one(
        "components:
  messages:
    M:
      payload: {type: object}
      x-asyncgen-reply: {payload: {type: string}}
",
        "misplaced-extension",
        "/components/messages/M/x-asyncgen-reply",
        7,
    );
    assert!(!misplaced.is_error());
}
