//! `asyncgen scaffold` as a user runs it. `receiver`: for each webhook spec the package builds
//! with `cargo build`, starts with `--listen`, and prints every example the generated sender
//! posts as one JSON line `{message, payload}` (an unknown event with `message: null`); a
//! required secret left unset stops it at start-up, naming the variable. `client`: for each
//! websocket spec the package builds, its mock binary serves the document's examples, and the
//! client prints each as a `{message, payload}` line on stdout and its connection states on
//! stderr.
//!
//! The packages build in one target directory beside the workspace's, with the workspace's
//! `Cargo.lock`, so their dependencies compile once.

mod common;

use common::{
    Running, check_and_build, lines, package_target_dir, policy, repo_root, runtime,
    scaffold_and_build, scaffold_and_build_with, spawn,
};

use std::process::Command;
use std::time::Duration;

use asyncgen_generated_tests::webhook_examples;
use asyncgen_generated_tests::{
    regression_security_undeclared_webhook as undeclared, specs_dial9_webhooks as dial9,
    specs_dialer_cx_webhooks as dialer_cx, specs_dialpad_webhooks as dialpad,
};
use asyncgen_runtime::Secret;
use serde_json::Value;

/// Every example arrives as `{message, payload}`, and an unknown event as `message: null`,
/// each exactly once. Queued delivery hands events to several workers, so the lines may come
/// in any order.
fn check_examples(running: &Running, examples: &[(&str, &str)], expect: impl Fn(Value) -> Value) {
    let mut wanted: Vec<Value> = examples
        .iter()
        .map(|(message, payload)| {
            let payload: Value = serde_json::from_str(payload).expect("example is JSON");
            serde_json::json!({ "message": message, "payload": expect(payload) })
        })
        .collect();
    let mut unknown = 0;
    for _ in 0..=examples.len() {
        let line = running.next_event();
        if line["message"].is_null() {
            unknown += 1;
            continue;
        }
        let at = wanted
            .iter()
            .position(|w| *w == line)
            .unwrap_or_else(|| panic!("unexpected or repeated line: {line}"));
        wanted.remove(at);
    }
    assert_eq!(
        unknown, 1,
        "the unknown event arrives once, with message null"
    );
    assert!(wanted.is_empty(), "never printed: {wanted:?}");
}

#[test]
fn scaffolded_receivers_build_and_print_every_event() {
    let rt = runtime();

    // Dialer.CX: HMAC signature.
    let (_keep, binary) = scaffold_and_build(
        "receiver",
        "specs/dialer-cx/webhooks.yml",
        "dialer-cx-receiver",
    );
    let missing = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("WEBHOOK_SIGNATURE")
        .output()
        .expect("run");
    assert!(!missing.status.success(), "started without its secret");
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("WEBHOOK_SIGNATURE"),
        "the start-up error names the variable: {}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let running = Running::start(&binary, &[("WEBHOOK_SIGNATURE", "cx-secret")]);
    let sender = dialer_cx::sender::WebhookSender::with_policy(
        &running.url,
        Some(Secret::new("cx-secret").expect("secret")),
        policy(),
    )
    .expect("sender");
    rt.block_on(async {
        for (_, payload) in webhook_examples::SPECS_DIALER_CX_WEBHOOKS {
            let event = dialer_cx::types::WebhookEvent::from_value(
                serde_json::from_str(payload).expect("JSON"),
            )
            .expect("decodes");
            assert_eq!(sender.send(&event).await.expect("delivered").status, 202);
        }
        let unknown = dialer_cx::types::WebhookEvent::Unknown(
            serde_json::json!({"event": "call.transferred", "timestamp": "2026-03-07T15:27:00Z", "data": {}}),
        );
        sender.send(&unknown).await.expect("an unknown event is accepted");
    });
    check_examples(&running, webhook_examples::SPECS_DIALER_CX_WEBHOOKS, |v| v);
    let forged = dialer_cx::sender::WebhookSender::with_policy(
        &running.url,
        Some(Secret::new("not-the-secret").expect("secret")),
        policy(),
    )
    .expect("sender");
    let (_, example) = webhook_examples::SPECS_DIALER_CX_WEBHOOKS[0];
    let refused = rt.block_on(
        forged.send(
            &dialer_cx::types::WebhookEvent::from_value(
                serde_json::from_str(example).expect("JSON"),
            )
            .expect("decodes"),
        ),
    );
    assert!(refused.is_err(), "a wrong secret is refused");
    drop(running);

    // Dial 9: a token in the body.
    let (_keep9, binary) =
        scaffold_and_build("receiver", "specs/dial9/webhooks.yml", "dial9-receiver");
    let running = Running::start(&binary, &[("AUTH_TOKEN", "d9-token")]);
    let sender = dial9::sender::WebhookSender::with_policy(
        &running.url,
        Some(Secret::new("d9-token").expect("token")),
        policy(),
    )
    .expect("sender");
    rt.block_on(async {
        for (_, payload) in webhook_examples::SPECS_DIAL9_WEBHOOKS {
            let event =
                dial9::types::WebhookEvent::from_value(serde_json::from_str(payload).expect("JSON"))
                    .expect("decodes");
            sender.send(&event).await.expect("delivered");
        }
        let unknown = dial9::types::WebhookEvent::Unknown(
            serde_json::json!({"payload": {"event": "CallTransferred"}, "timestamp": 1, "auth_token": ""}),
        );
        sender.send(&unknown).await.expect("an unknown event is accepted");
    });
    check_examples(&running, webhook_examples::SPECS_DIAL9_WEBHOOKS, |mut v| {
        v["auth_token"] = Value::from("d9-token");
        v
    });
    drop(running);

    // Dialpad: JWT bodies with a secret, plain JSON without one (the scheme is optional).
    let (_keeppad, binary) =
        scaffold_and_build("receiver", "specs/dialpad/webhooks.yml", "dialpad-receiver");
    for secret in [Some("pad-secret"), None] {
        let env: Vec<(&str, &str)> = secret.map(|s| ("DIALPAD_JWT", s)).into_iter().collect();
        let running = Running::start(&binary, &env);
        let sender = dialpad::sender::WebhookSender::with_policy(
            &running.url,
            secret.map(|s| Secret::new(s).expect("secret")),
            policy(),
        )
        .expect("sender");
        rt.block_on(async {
            for (_, payload) in webhook_examples::SPECS_DIALPAD_WEBHOOKS {
                let event = dialpad::types::WebhookEvent::from_value(
                    serde_json::from_str(payload).expect("JSON"),
                )
                .expect("decodes");
                sender.send(&event).await.expect("delivered");
            }
            let unknown =
                dialpad::types::WebhookEvent::Unknown(serde_json::json!({"brand_new": true}));
            sender
                .send(&unknown)
                .await
                .expect("an unknown event is accepted");
        });
        check_examples(&running, webhook_examples::SPECS_DIALPAD_WEBHOOKS, |v| v);
    }
}

/// A document that declares no security: the scaffolded receiver refuses to start and says how
/// to opt out; scaffolded with `--insecure-no-verification`, it starts and accepts an unsigned
/// event. Never an open receiver nobody asked for.
#[test]
fn an_unverified_receiver_runs_only_when_scaffolded_insecure() {
    const SPEC: &str = "tests/fixtures/regressions/security-undeclared-webhook/asyncapi.yml";
    let (_keep, binary) = scaffold_and_build("receiver", SPEC, "unverified-receiver");
    let refused = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert!(!refused.status.success(), "started without verification");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("verifies nothing") && stderr.contains("insecure_no_verification"),
        "the start-up error says why and how to opt out: {stderr}"
    );

    let (_keep_open, binary) = scaffold_and_build_with(
        "receiver",
        SPEC,
        "insecure-receiver",
        &["--insecure-no-verification"],
    );
    let running = Running::start(&binary, &[]);
    let (message, example) = webhook_examples::REGRESSION_SECURITY_UNDECLARED_WEBHOOK[0];
    let sender = undeclared::sender::WebhookSender::with_policy(&running.url, None, policy())
        .expect("an unsigned sender");
    let event =
        undeclared::types::WebhookEvent::from_value(serde_json::from_str(example).expect("JSON"))
            .expect("decodes");
    runtime()
        .block_on(sender.send(&event))
        .expect("an unsigned event is accepted");
    let line = running.next_event();
    assert_eq!(line["message"], message);
}

/// A receiver scaffolded from a document that names only providers' presets builds, starts with
/// each provider's key in the form its dashboard shows (public keys for Discord, Telnyx and
/// SendGrid) and the public URL Twilio signs, answers the handshakes, accepts what each provider
/// signs and refuses a forgery.
#[test]
fn a_receiver_scaffolded_from_presets_verifies_each_provider() {
    use asyncgen_generated_tests::regression_signature_presets::receiver as presets;
    use asyncgen_runtime::sender::{Outgoing, Signer};
    use asyncgen_runtime::{Scheme, Security};

    const SPEC: &str = "tests/fixtures/regressions/signature-presets/asyncapi.yml";
    let (_keep, binary) = scaffold_and_build("receiver", SPEC, "preset-receiver");
    let readme =
        std::fs::read_to_string(_keep.path().join("preset-receiver/README.md")).expect("README");
    assert!(
        readme.contains("--public-url") && readme.contains("the provider's public key"),
        "{readme}"
    );

    // One key per scheme: a shared secret, or for an asymmetric preset the private key the
    // test signs with and the public key the receiver is given.
    let seed = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let signer = |security: Security| -> (Signer, String) {
        let Scheme::Signature(s) = security.scheme else {
            panic!("a preset is a signature")
        };
        if s.algorithm.is_asymmetric() {
            let key = if s.key_format() == asyncgen_runtime::KeyFormat::Hex {
                "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20".to_owned()
            } else {
                seed.to_owned()
            };
            let signer =
                Signer::new(security, Some(Secret::new(&key).expect("key"))).expect("signer");
            let public = signer.public_key().expect("public key");
            (signer, public)
        } else {
            let secret = if s.key_format() == asyncgen_runtime::KeyFormat::Whsec {
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()
            } else {
                format!("{}-secret", security.key)
            };
            let signer =
                Signer::new(security, Some(Secret::new(&secret).expect("secret"))).expect("signer");
            (signer, secret)
        }
    };
    let securities = [
        presets::GITHUB_SECURITY,
        presets::STRIPE_SECURITY,
        presets::SLACK_SECURITY,
        presets::SHOPIFY_SECURITY,
        presets::TWILIO_SECURITY,
        presets::STANDARD_WEBHOOKS_SECURITY,
        presets::SVIX_SECURITY,
        presets::ZOOM_SECURITY,
        presets::INTERCOM_SECURITY,
        presets::HUBSPOT_V3_SECURITY,
        presets::SQUARE_SECURITY,
        presets::PAGERDUTY_SECURITY,
        presets::LINEAR_SECURITY,
        presets::SENDGRID_SECURITY,
        presets::DISCORD_SECURITY,
        presets::MAILGUN_SECURITY,
        presets::PADDLE_SECURITY,
        presets::TELNYX_SECURITY,
        presets::PLIVO_SECURITY,
        presets::VONAGE_SECURITY,
    ]
    .map(|s| s.expect("secured"));
    let keys: Vec<(String, String)> = securities
        .iter()
        .map(|s| (s.env_var(), signer(*s).1))
        .collect();
    let env: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let origin = "https://hooks.example.com";
    let running = Running::start_with(&binary, &["--public-url", origin], &env);
    let base = running.url.rsplit_once('/').expect("a path").0.to_owned();
    let rt = runtime();
    let client = reqwest::Client::new();
    let post = |path: &str, signed: &asyncgen_runtime::sender::SignedRequest| {
        rt.block_on(async {
            let response = client
                .post(format!("{base}{path}"))
                .headers(signed.headers.clone())
                .body(signed.body.clone())
                .send()
                .await
                .expect("the receiver answers");
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        })
    };

    let (slack, _) = signer(presets::SLACK_SECURITY.expect("slack"));
    let challenge = r#"{"type":"url_verification","challenge":"c-1"}"#;
    let (status, body) = post(
        presets::SLACK_PATH,
        &slack.sign(challenge.as_bytes()).expect("signs"),
    );
    assert_eq!((status, body.trim()), (200, r#"{"challenge":"c-1"}"#));

    let (discord, _) = signer(presets::DISCORD_SECURITY.expect("discord"));
    let ping = discord.sign(br#"{"type":1}"#).expect("signs");
    let (status, body) = post(presets::DISCORD_PATH, &ping);
    assert_eq!((status, body.trim()), (200, r#"{"type":1}"#));

    let (stripe, _) = signer(presets::STRIPE_SECURITY.expect("stripe"));
    let event = stripe
        .sign(br#"{"id":"evt_1","type":"charge.succeeded"}"#)
        .expect("signs");
    assert_eq!(post(presets::STRIPE_PATH, &event).0, 202);
    assert_eq!(running.next_event()["payload"]["id"], "evt_1");
    let mut forged = event.clone();
    forged.body = br#"{"id":"evt_2","type":"charge.succeeded"}"#.to_vec().into();
    assert_eq!(post(presets::STRIPE_PATH, &forged).0, 401);

    let (twilio, _) = signer(presets::TWILIO_SECURITY.expect("twilio"));
    let url = format!("{origin}{}", presets::TWILIO_PATH);
    let mut form = twilio
        .sign_request(
            &Outgoing::post(b"CallSid=CA1&CallStatus=ringing").to(&url),
            std::time::SystemTime::now(),
        )
        .expect("signs");
    form.headers.insert(
        "content-type",
        "application/x-www-form-urlencoded".parse().expect("header"),
    );
    assert_eq!(post(presets::TWILIO_PATH, &form).0, 202);
    let line = running.next_event();
    assert_eq!(
        line["payload"],
        serde_json::json!({"CallSid": "CA1", "CallStatus": "ringing"})
    );
}

/// A document as providers publish it, with neither servers nor security, becomes a verified,
/// dispatching receiver with one command (`scaffold receiver DOC --verify shopify`): its events
/// arrive at `/` and at the channel's own `/refunds`, each printed with its message's name, the
/// secret read from the variable its README names, and a forgery refused.
#[test]
fn a_document_without_servers_or_security_scaffolds_a_verified_receiver() {
    const SPEC: &str = "tests/fixtures/regressions/no-servers-webhook/asyncapi.yml";
    let (keep, binary) = scaffold_and_build_with(
        "receiver",
        SPEC,
        "storefront-receiver",
        &["--verify", "shopify"],
    );
    let readme =
        std::fs::read_to_string(keep.path().join("storefront-receiver/README.md")).expect("README");
    assert!(readme.contains("SHOPIFY_SIGNATURE"), "{readme}");

    let secret = "storefront-secret";
    let signer = shopify_signer(secret);
    let running = Running::start(&binary, &[("SHOPIFY_SIGNATURE", secret)]);
    let base = running.url.trim_end_matches('/').to_owned();
    let rt = runtime();
    let client = reqwest::Client::new();
    let post = |path: &str, signed: &asyncgen_runtime::sender::SignedRequest| {
        rt.block_on(async {
            client
                .post(format!("{base}{path}"))
                .headers(signed.headers.clone())
                .body(signed.body.clone())
                .send()
                .await
                .expect("the receiver answers")
                .status()
                .as_u16()
        })
    };
    let examples = webhook_examples::REGRESSION_NO_SERVERS_WEBHOOK;
    for (path, message) in [
        ("/", "orderCreated"),
        ("/", "orderCancelled"),
        ("/refunds", "refundCreated"),
    ] {
        let (_, example) = examples
            .iter()
            .find(|(name, _)| *name == message)
            .expect("an example");
        let signed = signer.sign(example.as_bytes()).expect("signs");
        assert_eq!(post(path, &signed), 202, "{message} at {path}");
        let line = running.next_event();
        assert_eq!(line["message"], message, "{line}");
        let payload: Value = serde_json::from_str(example).expect("JSON");
        assert_eq!(line["payload"], payload);
    }
    let (_, example) = examples[0];
    let mut forged = signer.sign(example.as_bytes()).expect("signs");
    forged.body = example.replace("199.00", "0.01").into_bytes().into();
    assert_eq!(post("/", &forged), 401);
    let unsigned = shopify_signer("another")
        .sign(example.as_bytes())
        .expect("signs");
    assert_eq!(post("/", &unsigned), 401);
    assert!(
        running
            .lines
            .recv_timeout(Duration::from_millis(500))
            .is_err(),
        "a refused event reached the handler"
    );
}

/// The issue's whole case in one command (`scaffold receiver DOC --verify shopify`): a
/// document without servers or security, whose events share one payload and are told apart by
/// the `X-Shopify-Topic` header, becomes a verified receiver that dispatches each signed event
/// by that header (through its queue, which stores the header with the event): two topics of
/// one payload print as two messages, an unknown topic as an unknown event, and a forged topic
/// (the signature covers only the body) still reaches a handler only as what it claims.
#[test]
fn a_receiver_scaffolded_for_header_dispatch_tells_events_apart_by_their_topic() {
    use asyncgen_runtime::sender::Signer;

    const SPEC: &str = "tests/fixtures/regressions/header-dispatch-shared-payload-v3/asyncapi.yml";
    let (_keep, binary) =
        scaffold_and_build_with("receiver", SPEC, "topic-receiver", &["--verify", "shopify"]);
    let secret = "topic-secret";
    let signer = shopify_signer(secret);
    let running = Running::start(&binary, &[("SHOPIFY_SIGNATURE", secret)]);
    let url = running.url.clone();
    let rt = runtime();
    let client = reqwest::Client::new();
    let post = |topic: Option<&str>, body: &str, key: &Signer| {
        let signed = key.sign(body.as_bytes()).expect("signs");
        rt.block_on(async {
            let mut request = client
                .post(&url)
                .headers(signed.headers.clone())
                .body(signed.body.clone());
            if let Some(topic) = topic {
                request = request.header("X-Shopify-Topic", topic);
            }
            request
                .send()
                .await
                .expect("the receiver answers")
                .status()
                .as_u16()
        })
    };
    let order = r#"{"id":820982911946154500,"total_price":"409.94"}"#;
    let payload: Value = serde_json::from_str(order).expect("JSON");
    for (topic, message) in [
        (Some("orders/create"), Value::from("orders/create")),
        (Some("orders/updated"), Value::from("orders/updated")),
        (Some("orders/delete"), Value::from("orders/delete")),
        (Some("orders/paid"), Value::Null),
        (None, Value::Null),
    ] {
        assert_eq!(post(topic, order, &signer), 202, "{topic:?}");
        let line = running.next_event();
        assert_eq!(line["message"], message, "{topic:?}: {line}");
        assert_eq!(line["payload"], payload, "{topic:?}: {line}");
    }
    let stranger = shopify_signer("another");
    assert_eq!(post(Some("orders/create"), order, &stranger), 401);
    assert!(
        running
            .lines
            .recv_timeout(Duration::from_millis(500))
            .is_err(),
        "a refused event reached the handler"
    );
}

/// A document whose provider reads a reply (TwiML, from `x-asyncgen-reply`) scaffolds a
/// receiver that builds, answers each call in the request (queued delivery notwithstanding)
/// with the document's example reply as XML, and prints the event; a message without a reply
/// is queued and printed.
#[test]
fn a_scaffolded_receiver_answers_with_the_documents_example_reply() {
    use asyncgen_generated_tests::regression_reply_xml_twiml_v2 as voice;

    const SPEC: &str = "tests/fixtures/regressions/reply-xml-twiml-v2/asyncapi.yml";
    let (_keep, binary) = scaffold_and_build_with(
        "receiver",
        SPEC,
        "voice-receiver",
        &["--insecure-no-verification"],
    );
    let running = Running::start(&binary, &[]);
    let sender = voice::sender::WebhookSender::with_policy(&running.url, None, policy())
        .expect("an unsigned sender");
    let call = voice::types::IncomingCallPayload {
        call_sid: "CA5a0e1b1d7f".into(),
        from: "+15005550006".into(),
        to: "+15005550001".into(),
        direction: None,
    };
    let rt = runtime();
    let replied = rt
        .block_on(sender.send_incoming_call(&call))
        .expect("answered with TwiML");
    assert_eq!(replied.delivered.status, 200);
    assert_eq!(replied.reply.say.as_deref(), Some("Thanks for calling."));
    let line = running.next_event();
    assert_eq!(line["message"], "incomingCall", "{line}");
    assert_eq!(line["payload"]["CallSid"], "CA5a0e1b1d7f", "{line}");

    let status = voice::types::CallStatusPayload {
        call_sid: "CA5a0e1b1d7f".into(),
        call_status: "completed".into(),
    };
    let delivered = rt
        .block_on(sender.send_call_status(&status))
        .expect("accepted");
    assert_eq!(delivered.status, 202);
    let line = running.next_event();
    assert_eq!(line["message"], "callStatus", "{line}");
}

/// A signer of Shopify's scheme with `secret`.
fn shopify_signer(secret: &str) -> asyncgen_runtime::sender::Signer {
    use asyncgen_generated_tests::regression_signature_presets::receiver as presets;
    asyncgen_runtime::sender::Signer::new(
        presets::SHOPIFY_SECURITY.expect("shopify"),
        Some(Secret::new(secret).expect("secret")),
    )
    .expect("signer")
}

#[test]
fn scaffold_refuses_a_non_empty_directory_and_a_spec_without_webhooks() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.rs"), "// mine").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["scaffold", "receiver", "specs/dial9/webhooks.yml", "-o"])
        .arg(dir.path())
        .current_dir(repo_root())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.rs")).expect("read"),
        "// mine"
    );

    let target = dir.path().join("ws");
    let out = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["scaffold", "receiver", "specs/voipbin/websocket.yml", "-o"])
        .arg(&target)
        .current_dir(repo_root())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no webhook endpoint"));
    assert!(!target.exists(), "nothing written");
}

#[test]
fn scaffolded_clients_build_and_print_every_event_of_the_mock() {
    use asyncgen_generated_tests::specs_dialpad_websocket as dialpad_ws;
    use asyncgen_generated_tests::specs_voipbin_websocket as voipbin;
    let voipbin_expected: Vec<(&str, &str)> = voipbin::mock::EXAMPLES
        .iter()
        .copied()
        .filter(|(_, json)| json.contains("\"topic\":\"customer_id:abc123:"))
        .collect();
    // (spec, package, client arguments, the examples it must print in order)
    type Case<'a> = (&'a str, &'a str, &'a [&'a str], Vec<(&'a str, &'a str)>);
    let cases: [Case; 2] = [
        (
            "specs/voipbin/websocket.yml",
            "voipbin-client",
            &["--token", "tok", "--subscribe", "customer_id:abc123:*:*"],
            voipbin_expected,
        ),
        (
            "specs/dialpad/websocket.yml",
            "dialpad-client",
            &[],
            dialpad_ws::mock::EXAMPLES.to_vec(),
        ),
    ];
    for (spec, name, args, expected) in cases {
        assert!(!expected.is_empty(), "{spec}: examples to expect");
        let (_dir, client) = scaffold_and_build("client", spec, name);
        let mock_binary = package_target_dir()
            .join("debug")
            .join(format!("{name}-mock"));
        let mut mock = spawn(&mock_binary, &["--listen", "127.0.0.1:0", "--token", "tok"]);
        let mock_out = lines(mock.0.stdout.take().expect("stdout"));
        let url = mock_out
            .recv_timeout(Duration::from_secs(30))
            .expect("the mock says where it listens");
        let url = url
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{spec}: unexpected mock output {url}"))
            .to_owned();

        let mut all_args = vec!["--url", url.as_str()];
        all_args.extend_from_slice(args);
        let mut running = spawn(&client, &all_args);
        let stdout = lines(running.0.stdout.take().expect("stdout"));
        let stderr = lines(running.0.stderr.take().expect("stderr"));
        for (message, payload) in &expected {
            let line = stdout
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("{spec}: no line for {message}"));
            let line: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("{spec}: not a JSON line ({e}): {line}"));
            assert_eq!(line["message"], *message, "{spec}: {line}");
            let payload: Value = serde_json::from_str(payload).expect("example is JSON");
            assert_eq!(line["payload"], payload, "{spec}: {message}");
        }
        let mut want = vec!["connecting", "connected"];
        if !args.is_empty() {
            want.push("subscribed");
        }
        // Printed before the events, but read on another thread: wait for as many.
        let states: Vec<Value> = (0..want.len())
            .filter_map(|_| stderr.recv_timeout(Duration::from_secs(30)).ok())
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect();
        let names: Vec<&str> = states.iter().filter_map(|s| s["state"].as_str()).collect();

        assert_eq!(names, want, "{spec}: state lines on stderr");
        assert_eq!(states[0]["attempt"], 1, "{spec}");
    }
}

#[test]
fn scaffold_client_refuses_a_document_without_websockets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("client");
    let out = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["scaffold", "client", "specs/dial9/webhooks.yml", "-o"])
        .arg(&target)
        .current_dir(repo_root())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no websocket"));
    assert!(!target.exists(), "nothing written");
}

/// `scaffold` takes the generation options `generate` takes (it once lacked
/// `--derive-json-schema`; `generate.rs` checks its help lists every option):
/// `--derive-json-schema` reaches the package's generated code, its dependencies and the
/// regenerate command its README gives, so the package builds and `asyncgen check` with that
/// command finds it fresh.
#[test]
fn scaffold_derives_json_schema_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let package = dir.path().join("schema-receiver");
    let out = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["scaffold", "receiver", "specs/dialpad/webhooks.yml", "-o"])
        .arg(&package)
        .arg("--runtime-path")
        .arg(repo_root().join("crates/asyncgen-runtime"))
        .arg("--derive-json-schema")
        .current_dir(repo_root())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |file: &str| std::fs::read_to_string(package.join(file)).expect(file);
    assert!(read("src/api/types.rs").contains("::schemars::JsonSchema"));
    let regenerate =
        "asyncgen generate spec/webhooks.yml -o src/api --only types,receiver --derive-json-schema";
    assert!(
        read("README.md").contains(regenerate),
        "{}",
        read("README.md")
    );
    check_and_build(
        &package,
        "spec/webhooks.yml",
        &["--only", "types,receiver", "--derive-json-schema"],
        "--derive-json-schema",
    );
}

/// The package runs some outputs: `--only` may add to them, not drop them, and says what to
/// add when it does.
#[test]
fn scaffold_only_must_keep_what_the_package_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("receiver");
    let out = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["scaffold", "receiver", "specs/dialpad/webhooks.yml", "-o"])
        .arg(&target)
        .args(["--only", "sender"])
        .current_dir(repo_root())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let advice = "`--only sender` leaves out `types,receiver`, which the receiver package runs: \
                  use `--only types,receiver,sender`";
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(advice),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!target.exists(), "nothing written");
}
