//! Every signature preset, generated from a document that names only the preset, checked
//! against the provider rather than against ourselves: the provider's published example vectors
//! (`tests/sdk/vectors.json`), and its own SDK (`tests/sdk`), which signs requests our receiver
//! must accept and verifies the requests our sender signs. Then the forgeries every receiver
//! must refuse, and what the receiver does around verification for the presets that need it:
//! handshakes, form posts, URLs behind a public origin, redeliveries.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use asyncgen_generated_tests::regression_signature_presets::receiver as r;
use asyncgen_runtime::receiver::{Incoming, Verifier, VerifyError};
use asyncgen_runtime::sender::{Outgoing, SignedRequest, Signer};
use asyncgen_runtime::{
    KeyFormat, Scheme, Secret, Secrets, Security, SignatureAlgorithm, SignatureScheme,
    SignatureSource, TimestampSource,
};
use bytes::Bytes;
use common::{SEED, encode_key};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

const fn secured(security: Option<Security>) -> Security {
    match security {
        Some(s) => s,
        None => panic!("every preset endpoint is secured"),
    }
}

/// Each preset's generated security, by preset name.
const PRESETS: &[(&str, Security)] = &[
    ("github", secured(r::GITHUB_SECURITY)),
    ("stripe", secured(r::STRIPE_SECURITY)),
    ("slack", secured(r::SLACK_SECURITY)),
    ("shopify", secured(r::SHOPIFY_SECURITY)),
    ("twilio", secured(r::TWILIO_SECURITY)),
    ("standard-webhooks", secured(r::STANDARD_WEBHOOKS_SECURITY)),
    ("svix", secured(r::SVIX_SECURITY)),
    ("zoom", secured(r::ZOOM_SECURITY)),
    ("intercom", secured(r::INTERCOM_SECURITY)),
    ("hubspot-v3", secured(r::HUBSPOT_V3_SECURITY)),
    ("square", secured(r::SQUARE_SECURITY)),
    ("pagerduty", secured(r::PAGERDUTY_SECURITY)),
    ("linear", secured(r::LINEAR_SECURITY)),
    ("sendgrid", secured(r::SENDGRID_SECURITY)),
    ("discord", secured(r::DISCORD_SECURITY)),
    ("mailgun", secured(r::MAILGUN_SECURITY)),
    ("paddle", secured(r::PADDLE_SECURITY)),
    ("telnyx", secured(r::TELNYX_SECURITY)),
    ("plivo", secured(r::PLIVO_SECURITY)),
    ("vonage", secured(r::VONAGE_SECURITY)),
];

fn preset(name: &str) -> Security {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .unwrap_or_else(|| panic!("no preset {name}"))
}

fn scheme(security: Security) -> SignatureScheme {
    match security.scheme {
        Scheme::Signature(s) => s,
        other => panic!("a preset is a signature, not {other:?}"),
    }
}

fn headers_of(value: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, v) in value.as_object().into_iter().flatten() {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(v.as_str().expect("header text")).expect("header value"),
        );
    }
    headers
}

fn headers_json(headers: &HeaderMap) -> Value {
    let map: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v.to_str().expect("ascii"))))
        .collect();
    Value::Object(map)
}

fn verify(
    verifier: &Verifier,
    url: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<Bytes, VerifyError> {
    verifier.verify_request(
        &Incoming {
            method: "POST",
            url,
            headers,
            body: &Bytes::copy_from_slice(body),
        },
        now,
    )
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The sender of a preset whose provider documents its delivery imitates it: Svix's timeout and
/// retry schedule, GitHub's single attempt.
#[test]
fn senders_deliver_on_the_providers_schedule() {
    use asyncgen_generated_tests::regression_signature_presets::sender as s;
    let secs = |d: &[Duration]| d.iter().map(Duration::as_secs).collect::<Vec<_>>();
    assert_eq!(s::SVIX_DELIVERY.timeout, Duration::from_secs(15));
    assert_eq!(
        secs(&s::SVIX_DELIVERY.retries),
        [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    );
    assert_eq!(s::SLACK_DELIVERY.timeout, Duration::from_secs(3));
    assert_eq!(secs(&s::SLACK_DELIVERY.retries), [0, 60, 300]);
    assert_eq!(s::GITHUB_DELIVERY.timeout, Duration::from_secs(10));
    assert!(s::GITHUB_DELIVERY.retries.is_empty());
}

// --- the providers' published vectors ---------------------------------------------------------

/// Every published example verifies exactly when the provider says it does, and a valid one
/// stops verifying when one byte of its body changes.
#[test]
fn published_vectors_verify_as_the_provider_says() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk/vectors.json");
    let text = std::fs::read_to_string(path).expect("tests/sdk/vectors.json");
    let vectors: Vec<Value> = serde_json::from_str(&text).expect("vectors parse");
    assert!(vectors.len() >= 20, "{} vectors", vectors.len());
    let mut presets = std::collections::BTreeSet::new();
    for v in &vectors {
        let name = v["name"].as_str().expect("name");
        let security = preset(v["preset"].as_str().expect("preset"));
        presets.insert(v["preset"].as_str().expect("preset"));
        let key = v["key"].as_str().expect("key");
        let verifier = Verifier::new(security, Some(Secrets::single(key).expect("key")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let headers = headers_of(&v["headers"]);
        let body = v["body"].as_str().expect("body").as_bytes();
        let url = v["url"].as_str();
        let now = at(v["now"].as_u64().expect("now"));
        let got = verify(&verifier, url, &headers, body, now);
        if v["valid"] == true {
            assert!(got.is_ok(), "{name}: {got:?}");
            let mut changed = body.to_vec();
            let last = changed.len() - 1;
            changed[last] ^= 0x01;
            assert!(
                verify(&verifier, url, &headers, &changed, now).is_err(),
                "{name}: a changed body verified"
            );
        } else {
            assert!(got.is_err(), "{name}: a refused vector verified");
        }
    }
    // The providers that publish vectors; the others are checked against their SDKs below.
    for p in [
        "github",
        "slack",
        "twilio",
        "standard-webhooks",
        "svix",
        "square",
        "pagerduty",
        "sendgrid",
        "paddle",
    ] {
        assert!(presets.contains(p), "no vector for {p}");
    }
}

// --- the providers' SDKs -----------------------------------------------------------------------

/// Runs `tests/sdk/provider_sdk.py` with `command` on `request`. `None` when the preset's SDK is
/// not installed here (say so; `.ci/run` installs them all and sets `ASYNCGEN_REQUIRE_SDKS`,
/// which turns a missing SDK into a failure).
fn sdk(command: &str, request: &Value) -> Option<Value> {
    let python = std::env::var("ASYNCGEN_SDK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk/provider_sdk.py");
    let mut child = match Command::new(&python)
        .arg(script)
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return missing(&format!("{python}: {e}")),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write the request");
    let out = child.wait_with_output().expect("the SDK runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    match out.status.code() {
        Some(0) => Some(serde_json::from_str(&stdout).expect("the SDK answers JSON")),
        Some(2) => missing(&stdout),
        _ => panic!(
            "{command} {}: {}{}",
            request["preset"],
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn missing(what: &str) -> Option<Value> {
    if std::env::var("ASYNCGEN_REQUIRE_SDKS").is_ok_and(|v| v == "1") {
        panic!("a provider SDK is missing ({what}); install tests/sdk/requirements.txt");
    }
    eprintln!(
        "skipped: a provider SDK is not installed ({what}); pip install -r tests/sdk/requirements.txt and set ASYNCGEN_SDK_PYTHON"
    );
    None
}

/// A provider's side of one preset: what it signs with, and what it posts.
struct Provider {
    name: &'static str,
    security: Security,
    /// The shared secret as the dashboard shows it, or the private key in the scheme's format.
    signing_key: String,
    /// What the receiver is configured with: the same secret, or the public key.
    verifying_key: String,
    url: Option<&'static str>,
    body: &'static str,
}

fn provider(name: &'static str) -> Provider {
    let security = preset(name);
    let s = scheme(security);
    let (signing_key, verifying_key) = if s.algorithm.is_asymmetric() {
        let private = encode_key(s.key_format(), &SEED);
        let signer = Signer::new(security, Some(Secret::new(&private).expect("key"))).expect(name);
        (private, signer.public_key().expect("a public key"))
    } else {
        let secret = match s.key_format() {
            KeyFormat::Whsec => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
            _ => format!("{name}-secret-0123456789"),
        };
        (secret.clone(), secret)
    };
    let url = s
        .signs_url()
        .then_some("https://hooks.example.com/provider?tenant=7&b=2");
    let body = match name {
        "twilio" => "CallSid=CA1234&CallStatus=completed&From=%2B14158675309&Digits=2&Digits=1",
        "plivo" => "CallUUID=c-1&From=%2B14158675309&Digits=2&Digits=1&Empty=",
        "sendgrid" => {
            r#"[{"email":"a@example.com","event":"delivered","sg_event_id":"e1","timestamp":1}]"#
        }
        "mailgun" => r#"{"event-data":{"id":"ev-1","event":"delivered"}}"#,
        "linear" => r#"{"type":"Issue","action":"create","webhookId":"w-1"}"#,
        "discord" => r#"{"type":2,"id":"1"}"#,
        _ => r#"{"id":"evt_1","type":"ping","event_id":"ev_1","data":{"id":"d_1"}}"#,
    };
    Provider {
        name,
        security,
        signing_key,
        verifying_key,
        url,
        body,
    }
}

impl Provider {
    fn verifier(&self) -> Verifier {
        Verifier::new(
            self.security,
            Some(Secrets::single(&self.verifying_key).expect("key")),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn signer(&self) -> Signer {
        Signer::new(
            self.security,
            Some(Secret::new(&self.signing_key).expect("key")),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn sign(&self, body: &str, now: SystemTime) -> SignedRequest {
        let mut outgoing = Outgoing::post(body.as_bytes());
        if let Some(url) = self.url {
            outgoing = outgoing.to(url);
        }
        self.signer()
            .sign_request(&outgoing, now)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn key_fields(&self, signing: bool) -> Value {
        let s = scheme(self.security);
        match (s.algorithm.is_asymmetric(), signing) {
            (true, true) => json!({ "seed_hex": hex::encode(SEED) }),
            (true, false) => json!({ "public_key": self.verifying_key }),
            (false, _) => json!({ "secret": self.signing_key }),
        }
    }
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// For every preset: what the provider's SDK signs, the generated receiver accepts; what the
/// generated sender signs, the provider's SDK accepts; and an asymmetric preset's public key
/// is written exactly as the provider's dashboard (and SDK) writes it.
#[test]
fn every_preset_agrees_with_the_providers_sdk() {
    let now_secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let now = at(now_secs);
    for &(name, _) in PRESETS {
        let p = provider(name);
        let request = merge(
            json!({
                "preset": name, "body": p.body, "timestamp": now_secs, "url": p.url,
                "method": "POST", "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
            }),
            p.key_fields(true),
        );
        let Some(signed) = sdk("sign", &request) else {
            continue;
        };
        if let Some(public) = signed.get("public_key").and_then(Value::as_str) {
            assert_eq!(public, p.verifying_key, "{name}: the public key's form");
        }
        let body = signed["body"].as_str().expect("body");
        let got = verify(
            &p.verifier(),
            p.url,
            &headers_of(&signed["headers"]),
            body.as_bytes(),
            now,
        );
        assert!(
            got.is_ok(),
            "{name}: the SDK's request was refused: {got:?}"
        );

        let ours = p.sign(p.body, now);
        let answer = sdk(
            "verify",
            &merge(
                json!({
                    "preset": name, "headers": headers_json(&ours.headers),
                    "body": String::from_utf8(ours.body.to_vec()).expect("text body"),
                    "url": p.url, "method": "POST", "now": now_secs,
                }),
                p.key_fields(false),
            ),
        )
        .expect("the SDK that signed also verifies");
        assert_eq!(
            answer["valid"], true,
            "{name}: the SDK refused ours: {answer}"
        );
    }
}

// --- forgeries ---------------------------------------------------------------------------------

/// `signed` with its signature text replaced by `edit(signature)`, wherever the preset keeps it.
fn with_signature(
    s: &SignatureScheme,
    signed: &SignedRequest,
    edit: impl Fn(&str) -> String,
) -> (HeaderMap, Vec<u8>) {
    let mut headers = signed.headers.clone();
    let mut body = signed.body.to_vec();
    match s.source {
        SignatureSource::Header(name) => {
            let old = headers[name].to_str().expect("ascii").to_owned();
            headers.insert(name, HeaderValue::from_str(&edit(&old)).expect("value"));
        }
        SignatureSource::Field(pointer) => {
            let mut json: Value = serde_json::from_slice(&body).expect("json");
            let slot = json.pointer_mut(pointer).expect("signature field");
            *slot = json!(edit(slot.as_str().expect("text")));
            body = serde_json::to_vec(&json).expect("json");
        }
    }
    (headers, body)
}

/// Every forgery the issue names, for every preset: each is refused with 401.
#[test]
fn every_preset_refuses_forgeries() {
    let now = at(1_750_000_000);
    for &(name, security) in PRESETS {
        let p = provider(name);
        let s = scheme(security);
        let verifier = p.verifier();
        let signed = p.sign(p.body, now);
        let refused =
            |why: &str, url: Option<&str>, headers: &HeaderMap, body: &[u8], at| match verify(
                &verifier, url, headers, body, at,
            ) {
                Ok(_) => panic!("{name}: {why} was accepted"),
                Err(e) => assert_eq!(e.status(), 401, "{name}: {why}: {e}"),
            };
        assert!(
            verify(&verifier, p.url, &signed.headers, &signed.body, now).is_ok(),
            "{name}: our own request"
        );

        // Signed with another secret or key.
        let mut other = provider(name);
        if s.algorithm.is_asymmetric() {
            let key = encode_key(s.key_format(), &[7u8; 32]);
            other.verifying_key = Signer::new(security, Some(Secret::new(&key).expect("key")))
                .expect("signer")
                .public_key()
                .expect("public");
        } else {
            other.verifying_key = match s.key_format() {
                KeyFormat::Whsec => "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
                _ => "another-secret".to_owned(),
            };
        }
        assert!(
            verify(&other.verifier(), p.url, &signed.headers, &signed.body, now).is_err(),
            "{name}: another key verified"
        );

        // The body changed after signing. Mailgun signs only its timestamp and token, so its
        // token stands for the body.
        let changed = match name {
            "mailgun" => String::from_utf8(signed.body.to_vec())
                .expect("text")
                .replacen("\"token\":\"msg_", "\"token\":\"msh_", 1),
            "twilio" => p.body.replace("completed", "failed"),
            "plivo" => p.body.replace("c-1", "c-2"),
            _ => String::from_utf8(signed.body.to_vec())
                .expect("text")
                .replacen('1', "2", 1),
        };
        assert_ne!(changed.as_bytes(), &signed.body[..], "{name}: a change");
        refused(
            "a changed body",
            p.url,
            &signed.headers,
            changed.as_bytes(),
            now,
        );

        // The signature of an empty body, sent with a real one (where the body is signed).
        let timestamp_in_body = matches!(
            s.timestamp.map(|t| t.source),
            Some(TimestampSource::Field(_))
        );
        if s.template().contains("{body}") && !timestamp_in_body {
            let empty = p.sign("", now);
            let (headers, _) = with_signature(&s, &signed, |_| match s.source {
                SignatureSource::Header(h) => empty.headers[h].to_str().expect("a").to_owned(),
                SignatureSource::Field(_) => unreachable!("body-signing presets use headers"),
            });
            refused(
                "an empty body's signature",
                p.url,
                &headers,
                &signed.body,
                now,
            );
        }

        // Truncated and emptied signatures.
        let (headers, body) = with_signature(&s, &signed, |sig| sig[..sig.len() - 4].to_owned());
        refused("a truncated signature", p.url, &headers, &body, now);
        let (headers, body) = with_signature(&s, &signed, |_| String::new());
        refused("an empty signature", p.url, &headers, &body, now);

        // Stale and future timestamps, one second past the tolerance.
        if let Some(ts) = s.timestamp {
            let late = ts.tolerance + Duration::from_secs(1);
            for when in [now + late, now - late] {
                let got = verify(&verifier, p.url, &signed.headers, &signed.body, when);
                assert_eq!(got, Err(VerifyError::StaleTimestamp), "{name}");
            }
            let edge = verify(
                &verifier,
                p.url,
                &signed.headers,
                &signed.body,
                now + ts.tolerance,
            );
            assert!(edge.is_ok(), "{name}: the tolerance is inclusive");
        }

        // Signed for another URL.
        if let Some(url) = p.url {
            let other = url.replace("/provider", "/other");
            refused(
                "another URL",
                Some(&other),
                &signed.headers,
                &signed.body,
                now,
            );
        }

        // A valid signature under the wrong algorithm, and for an asymmetric preset an HMAC
        // keyed with the public key (which anyone has).
        let wrong: Vec<(SignatureAlgorithm, KeyFormat, String)> = if s.algorithm.is_asymmetric() {
            vec![(
                SignatureAlgorithm::HmacSha256,
                KeyFormat::Text,
                p.verifying_key.clone(),
            )]
        } else {
            SignatureAlgorithm::ALL
                .iter()
                .filter(|a| !a.is_asymmetric() && **a != s.algorithm)
                .map(|a| (*a, s.key_format(), p.signing_key.clone()))
                .collect()
        };
        for (algorithm, key, secret) in wrong {
            let forged = Security::new(
                security.key,
                Scheme::Signature(s.with_algorithm(algorithm).with_key(key)),
            );
            let mut outgoing = Outgoing::post(p.body.as_bytes());
            if let Some(url) = p.url {
                outgoing = outgoing.to(url);
            }
            let forged = Signer::new(forged, Some(Secret::new(&secret).expect("key")))
                .expect("forger")
                .sign_request(&outgoing, now)
                .expect("signs");
            refused(algorithm.name(), p.url, &forged.headers, &forged.body, now);
        }
    }
}

// --- the receiver around verification ----------------------------------------------------------

use asyncgen_generated_tests::regression_signature_presets::types;
use asyncgen_runtime::receiver::{Delivery, HandlerError, Receiver};
use common::Running;
use std::sync::{Arc, Mutex};

/// Records every event a handler method was called with, as JSON.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Value>>>);

impl Seen {
    fn push(&self, event: impl serde::Serialize) -> std::future::Ready<Result<(), HandlerError>> {
        let value = serde_json::to_value(event).expect("encodes");
        self.0.lock().expect("lock").push(value);
        std::future::ready(Ok(()))
    }

    fn all(&self) -> Vec<Value> {
        self.0.lock().expect("lock").clone()
    }

    /// Waits (bounded) until `n` events were handled.
    async fn reach(&self, n: usize) -> Vec<Value> {
        for _ in 0..300 {
            if self.all().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.all()
    }
}

macro_rules! seen_handler {
    ($($trait:ident :: $method:ident($ty:ty)),* $(,)?) => {
        $(
            impl r::$trait for Seen {
                fn $method(&self, event: $ty)
                    -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
                    self.push(event)
                }
            }
        )*
    };
}

seen_handler!(
    SlackHandler::event(types::EventPayload),
    ZoomHandler::event(types::EventPayload),
    DiscordHandler::event(types::EventPayload),
    TwilioHandler::form_event(types::FormEventPayload),
    GithubHandler::event(types::EventPayload),
    SendgridHandler::event_batch(types::EventBatchPayload),
);

/// Posts `signed` to `path` on `server`; the status and the body of the answer.
async fn post(server: &Running, path: &str, signed: &SignedRequest) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .headers(signed.headers.clone())
        .body(signed.body.clone())
        .send()
        .await
        .expect("the receiver answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

fn verifier_for(p: &Provider) -> Verifier {
    p.verifier()
}

/// Slack, Zoom and Discord check an endpoint before they send it anything: the receiver
/// answers each handshake (only once it verifies) without calling a handler, and handles the
/// events that follow.
#[tokio::test]
async fn handshakes_are_answered_after_verification() {
    let now = SystemTime::now();
    let (slack, zoom, discord) = (provider("slack"), provider("zoom"), provider("discord"));
    let seen = Seen::default();
    let routes = vec![
        r::SlackRoute::new(seen.clone()).route_at(r::SLACK_PATH, verifier_for(&slack)),
        r::ZoomRoute::new(seen.clone()).route_at(r::ZOOM_PATH, verifier_for(&zoom)),
        r::DiscordRoute::new(seen.clone()).route_at(r::DISCORD_PATH, verifier_for(&discord)),
    ];
    let server = Running::start_all(routes, Delivery::Direct, None).await;

    let challenge = r#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let (status, body) = post(&server, r::SLACK_PATH, &slack.sign(challenge, now)).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    );

    let validation = r#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
    let (status, body) = post(&server, r::ZOOM_PATH, &zoom.sign(validation, now)).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(answer["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
    // Zoom's documentation: encryptedToken is the hex HMAC-SHA256 of plainToken under the
    // webhook's secret token; computed here independently of the runtime.
    let expected = {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(zoom.signing_key.as_bytes()).expect("key");
        mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
        hex::encode(mac.finalize().into_bytes())
    };
    assert_eq!(answer["encryptedToken"], expected);

    let (status, body) = post(
        &server,
        r::DISCORD_PATH,
        &discord.sign(r#"{"type":1,"id":"1"}"#, now),
    )
    .await;
    assert_eq!((status, body.trim()), (200, r#"{"type":1}"#));

    // An unsigned handshake is a forgery like any other: refused, not answered.
    let mut forged = slack.sign(challenge, now);
    forged.headers.remove("x-slack-signature");
    assert_eq!(post(&server, r::SLACK_PATH, &forged).await.0, 401);
    assert!(seen.all().is_empty(), "a handshake reached a handler");

    // The events that follow reach the handler.
    let event = r#"{"type":"event_callback","event_id":"Ev1"}"#;
    assert_eq!(
        post(&server, r::SLACK_PATH, &slack.sign(event, now))
            .await
            .0,
        204
    );
    assert_eq!(
        seen.reach(1).await,
        [json!({"type": "event_callback", "event_id": "Ev1"})]
    );
}

/// Twilio signs the URL it calls and posts a form: behind a proxy the receiver verifies against
/// the public origin it is given, and the handler gets the form's fields typed.
#[tokio::test]
async fn a_signed_form_post_verifies_against_the_public_origin() {
    let now = SystemTime::now();
    let twilio = provider("twilio");
    let seen = Seen::default();
    let route =
        || r::TwilioRoute::new(seen.clone()).route_at(r::TWILIO_PATH, verifier_for(&twilio));
    let Err(refused) = Receiver::builder()
        .delivery(Delivery::Direct)
        .route(route())
        .build()
    else {
        panic!("a URL-signing route without a public origin started");
    };
    assert!(
        matches!(&refused, asyncgen_runtime::ConfigError::PublicOriginRequired(id) if id == r::TWILIO_ROUTE_ID),
        "{refused:?}"
    );

    let origin = "https://hooks.example.com";
    let server = Running::start_all(vec![route()], Delivery::Direct, Some(origin)).await;
    let path = format!("{}?tenant=7", r::TWILIO_PATH);
    let form = "CallSid=CA1234&CallStatus=completed&From=%2B14158675309";
    let mut signed = twilio
        .signer()
        .sign_request(
            &Outgoing::post(form.as_bytes()).to(&format!("{origin}{path}")),
            now,
        )
        .expect("signs");
    signed.headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    assert_eq!(post(&server, &path, &signed).await.0, 204);
    assert_eq!(
        seen.reach(1).await,
        [json!({"CallSid": "CA1234", "CallStatus": "completed", "From": "+14158675309"})]
    );
    // The same signature for another query string or path: refused, and nothing handled.
    assert_eq!(post(&server, r::TWILIO_PATH, &signed).await.0, 401);
    assert_eq!(post(&server, &format!("{path}&x=1"), &signed).await.0, 401);
    assert_eq!(seen.all().len(), 1);
}

/// A preset that names the provider's event id dedupes redeliveries by default (queued
/// delivery): GitHub's `X-GitHub-Delivery` is handled once however often it arrives.
#[tokio::test]
async fn redeliveries_of_one_event_id_are_handled_once() {
    let now = SystemTime::now();
    let github = provider("github");
    let seen = Seen::default();
    let route = r::GithubRoute::new(seen.clone()).route_at(r::GITHUB_PATH, verifier_for(&github));
    let server = Running::start_all(vec![route], Delivery::Queued, None).await;
    let mut first = github.sign(r#"{"zen":"one"}"#, now);
    first
        .headers
        .insert("x-github-delivery", HeaderValue::from_static("d-1"));
    let mut second = github.sign(r#"{"zen":"two"}"#, now);
    second
        .headers
        .insert("x-github-delivery", HeaderValue::from_static("d-2"));
    for request in [&first, &first, &second, &first] {
        assert_eq!(post(&server, r::GITHUB_PATH, request).await.0, 202);
    }
    let handled = seen.reach(2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(handled, [json!({"zen": "one"}), json!({"zen": "two"})]);
    assert_eq!(seen.all().len(), 2, "a redelivery was handled again");
}

/// SendGrid posts a JSON array of events, signed with ECDSA: one request, one message.
#[tokio::test]
async fn a_signed_array_of_events_is_one_message() {
    let sendgrid = provider("sendgrid");
    let seen = Seen::default();
    let route =
        r::SendgridRoute::new(seen.clone()).route_at(r::SENDGRID_PATH, verifier_for(&sendgrid));
    let server = Running::start_all(vec![route], Delivery::Direct, None).await;
    let signed = sendgrid.sign(sendgrid.body, SystemTime::now());
    assert_eq!(post(&server, r::SENDGRID_PATH, &signed).await.0, 204);
    assert_eq!(
        seen.reach(1).await,
        [serde_json::from_str::<Value>(sendgrid.body).expect("json")]
    );
}
