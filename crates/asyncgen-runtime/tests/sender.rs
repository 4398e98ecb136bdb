//! The sender: every scheme's signed requests verify at a receiver and arrive as the payload
//! sent; the delivery policy retries on a non-2xx status, a timeout and a refused connection,
//! with one fresh signature per attempt, and gives up after the last delay.

#![cfg(all(feature = "receiver", feature = "sender"))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use asyncgen_runtime::receiver::{Delivery, Receiver, Route, Verifier};
use asyncgen_runtime::sender::{AttemptError, DeliveryPolicy, SendError, Sender, Signer};
use asyncgen_runtime::{
    BodyTokenScheme, ConfigError, JwtScheme, Scheme, Secret, Secrets, Security, SignatureEncoding,
    SignatureScheme, SignatureTimestamp,
};
use axum::http::StatusCode;
use common::{Counting, Running};

const DIALER_CX: Security = Security::new(
    "webhookSignature",
    Scheme::Signature(SignatureScheme::new(
        "X-Webhook-Signature",
        SignatureEncoding::Hex,
    )),
);
const STAMPED: Security = Security::new(
    "stamped",
    Scheme::Signature(
        SignatureScheme::new("X-Signature", SignatureEncoding::Base64)
            .with_prefix("v1=")
            .with_timestamp(SignatureTimestamp::new("X-Timestamp"))
            .with_signed_payload("v1:{timestamp}:{body}"),
    ),
);
const DIALPAD: Security = Security::new("dialpadJwt", Scheme::Jwt(JwtScheme::new(true)));
const DIAL9: Security = Security::new(
    "authToken",
    Scheme::BodyToken(BodyTokenScheme::new("/auth_token")),
);

/// Dialer.CX's schedule, shortened: the shape (a timeout, three delays) is what is tested.
const QUICK: DeliveryPolicy = DeliveryPolicy::new(
    Duration::from_secs(5),
    &[
        Duration::from_millis(5),
        Duration::from_millis(10),
        Duration::from_millis(20),
    ],
);

#[tokio::test]
async fn each_scheme_round_trips_through_a_receiver() {
    let counting = Counting::new();
    let secrets = |s: &str| Some(Secrets::single(s).unwrap());
    let receiver = Receiver::builder()
        .delivery(Delivery::Direct)
        .route(Route::new(
            "cx",
            "/cx",
            Verifier::new(DIALER_CX, secrets("cx")).unwrap(),
            counting.clone(),
        ))
        .route(Route::new(
            "st",
            "/st",
            Verifier::new(STAMPED, secrets("st")).unwrap(),
            counting.clone(),
        ))
        .route(Route::new(
            "dp",
            "/dp",
            Verifier::new(DIALPAD, secrets("dp")).unwrap(),
            counting.clone(),
        ))
        .route(Route::new(
            "dp-plain",
            "/dp-plain",
            Verifier::new(DIALPAD, None).unwrap(),
            counting.clone(),
        ))
        .route(Route::new(
            "d9",
            "/d9",
            Verifier::new(DIAL9, secrets("d9")).unwrap(),
            counting.clone(),
        ))
        .build()
        .unwrap();
    let running = Running::start(&receiver).await;
    let secret = |s: &str| Some(Secret::new(s).unwrap());
    let cases = [
        ("cx", Signer::new(DIALER_CX, secret("cx")).unwrap()),
        ("st", Signer::new(STAMPED, secret("st")).unwrap()),
        ("dp", Signer::new(DIALPAD, secret("dp")).unwrap()),
        // Optional JWT without a secret: plain JSON, as Dialpad sends it.
        ("dp-plain", Signer::new(DIALPAD, None).unwrap()),
        ("d9", Signer::new(DIAL9, secret("d9")).unwrap()),
    ];
    for (path, signer) in cases {
        let sender = Sender::new(&format!("{}/{path}", running.url), signer, QUICK).unwrap();
        let delivered = sender
            .send_json(&serde_json::json!({"id": path, "payload": {"n": 1}}))
            .await
            .unwrap();
        assert_eq!(delivered.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(delivered.attempts, 1);
        assert_eq!(counting.count(path), 1, "{path}");
    }
    running.stop().await;
}

#[test]
fn signing_needs_a_secret_unless_optional() {
    assert!(matches!(
        Signer::new(DIALER_CX, None),
        Err(ConfigError::MissingSecret { .. })
    ));
    assert!(Signer::new(DIALPAD, None).is_ok());
    // A body token needs a JSON object to go into.
    let d9 = Signer::new(DIAL9, Some(Secret::new("t").unwrap())).unwrap();
    assert!(d9.sign(b"[1]").is_err());
    assert!(d9.sign(b"not json").is_err());
}

/// A server answering 500 to the first `failures` requests, then 204; counts requests and
/// records each attempt's timestamp header.
async fn flaky(failures: u32) -> (String, Arc<AtomicU32>, Arc<std::sync::Mutex<Vec<String>>>) {
    let hits = Arc::new(AtomicU32::new(0));
    let stamps = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, s) = (hits.clone(), stamps.clone());
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let (hits, stamps) = (h.clone(), s.clone());
            async move {
                if let Some(t) = headers.get("x-timestamp") {
                    stamps.lock().unwrap().push(t.to_str().unwrap().to_owned());
                }
                if hits.fetch_add(1, Ordering::SeqCst) < failures {
                    (StatusCode::INTERNAL_SERVER_ERROR, "try again")
                } else {
                    (StatusCode::NO_CONTENT, "")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hits, stamps)
}

#[tokio::test]
async fn retries_follow_the_schedule_then_give_up() {
    let signer = || Signer::new(STAMPED, Some(Secret::new("st").unwrap())).unwrap();

    let (url, hits, stamps) = flaky(2).await;
    let delivered = Sender::new(&url, signer(), QUICK)
        .unwrap()
        .send(b"{}")
        .await
        .unwrap();
    assert_eq!(delivered.attempts, 3);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!(
        stamps.lock().unwrap().len(),
        3,
        "every attempt is signed afresh"
    );

    let (url, hits, _) = flaky(u32::MAX).await;
    let err = Sender::new(&url, signer(), QUICK)
        .unwrap()
        .send(b"{}")
        .await
        .unwrap_err();
    match err {
        SendError::Failed { attempts, last } => {
            assert_eq!(attempts, 4, "one attempt and three retries");
            assert_eq!(last.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
            assert!(last.to_string().contains("try again"));
        }
        other => panic!("{other}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 4);

    let none = DeliveryPolicy::new(Duration::from_secs(5), &[]);
    let (url, hits, _) = flaky(1).await;
    let err = Sender::new(&url, signer(), none)
        .unwrap()
        .send(b"{}")
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Failed { attempts: 1, .. }));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_silent_server_times_out_and_a_closed_port_is_a_transport_error() {
    // Accepts connections and reads requests, never answers.
    let app =
        axum::Router::new().route("/", axum::routing::post(std::future::pending::<StatusCode>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let policy =
        DeliveryPolicy::with_retries(Duration::from_millis(100), vec![Duration::from_millis(1)]);
    let err = Sender::new(&url, Signer::plain(), policy.clone())
        .unwrap()
        .send(b"{}")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Failed {
                attempts: 2,
                last: AttemptError::Timeout
            }
        ),
        "{err}"
    );

    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Sender::new(
        &format!("http://127.0.0.1:{port}/"),
        Signer::plain(),
        policy,
    )
    .unwrap()
    .send(b"{}")
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Failed {
                attempts: 2,
                last: AttemptError::Transport(_)
            }
        ),
        "{err}"
    );
}

/// Every preset's request, as the sender writes it, verifies under the preset; what the
/// caller gave (a message id header, a token field) is signed as given, what it left out is
/// made up; a millisecond timestamp field is a number, a Stripe-like header carries its `t=`.
#[test]
fn every_preset_signs_what_it_verifies() {
    use asyncgen_runtime::receiver::Incoming;
    use asyncgen_runtime::sender::Outgoing;
    use asyncgen_runtime::{KeyFormat, SignatureSource};
    use std::time::UNIX_EPOCH;

    let now = UNIX_EPOCH + Duration::from_secs(1_750_000_000);
    let seed = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
    for preset in asyncgen_signature::PRESETS {
        let scheme = SignatureScheme::from_preset(preset);
        let security = Security::new(preset.name, Scheme::Signature(scheme));
        let key = match scheme.key_format() {
            KeyFormat::Hex if scheme.algorithm.is_asymmetric() => seed.to_owned(),
            KeyFormat::Base64 if scheme.algorithm.is_asymmetric() => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(hex::decode(seed).expect("hex"))
            }
            KeyFormat::Whsec => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
            _ => format!("{}-secret", preset.name),
        };
        let signer = Signer::new(security, Some(Secret::new(&key).expect("key"))).expect("signer");
        let public = signer.public_key().unwrap_or(key);
        let verifier = Verifier::new(security, Some(Secrets::single(&public).expect("key")))
            .expect("verifier");
        let body = if preset.form {
            "CallSid=CA1&Digits=1".to_owned()
        } else {
            r#"{"id":"evt_1","signature":{"token":"given-token"}}"#.to_owned()
        };
        let url = "https://hooks.example.com/in?x=1";
        let mut outgoing = Outgoing::post(body.as_bytes()).to(url);
        outgoing
            .headers
            .insert("webhook-id", "msg_given".parse().expect("value"));
        let signed = signer.sign_request(&outgoing, now).expect(preset.name);
        let got = verifier.verify_request(
            &Incoming {
                method: "POST",
                url: Some(url),
                headers: &signed.headers,
                body: &signed.body,
            },
            now,
        );
        assert_eq!(got.as_ref().err(), None, "{}", preset.name);
        // A later clock (past every tolerance) tells a signed timestamp from none.
        let later = now + Duration::from_secs(3600);
        if scheme.timestamp.is_some() {
            let late = Incoming {
                method: "POST",
                url: Some(url),
                headers: &signed.headers,
                body: &signed.body,
            };
            assert!(
                verifier.verify_request(&late, later).is_err(),
                "{}",
                preset.name
            );
        }
        let text = String::from_utf8(signed.body.to_vec()).expect("text");
        match preset.name {
            "standard-webhooks" => assert_eq!(signed.headers["webhook-id"], "msg_given"),
            "svix" => {
                let id = signed.headers["svix-id"].to_str().expect("ascii");
                assert!(id.starts_with("msg_") && id.len() == 36, "{id}");
            }
            "mailgun" => {
                assert!(text.contains(r#""token":"given-token""#), "{text}");
                // Without a token, the sender makes one up, as Mailgun does.
                let bare = signer
                    .sign_request(&Outgoing::post(br#"{"event-data":{"id":"e"}}"#), now)
                    .expect("signs without a token");
                let json: serde_json::Value = serde_json::from_slice(&bare.body).expect("json");
                let token = json["signature"]["token"].as_str().expect("a token");
                assert!(token.starts_with("msg_"), "{token}");
                let got = verifier.verify_request(
                    &Incoming {
                        method: "POST",
                        url: None,
                        headers: &bare.headers,
                        body: &bare.body,
                    },
                    now,
                );
                assert!(got.is_ok(), "{got:?}");
            }
            "linear" => {
                let json: serde_json::Value = serde_json::from_str(&text).expect("json");
                assert_eq!(json["webhookTimestamp"], 1_750_000_000_000u64);
            }
            "stripe" => {
                let header = signed.headers["stripe-signature"].to_str().expect("ascii");
                assert!(header.starts_with("t=1750000000,v1="), "{header}");
            }
            "paddle" => {
                let header = signed.headers["paddle-signature"].to_str().expect("ascii");
                assert!(header.starts_with("ts=1750000000;h1="), "{header}");
            }
            _ => {}
        }
        if let SignatureSource::Header(h) = scheme.source {
            assert!(signed.headers.contains_key(h), "{}", preset.name);
        }
    }
}
