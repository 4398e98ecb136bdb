//! Verification: published test vectors, forgeries over HTTP (each gets its documented status
//! and never reaches the handler), bad bodies, and the start-up errors of a receiver without a
//! secret.

#![cfg(all(feature = "receiver", feature = "sender"))]

mod common;

use std::time::{Duration, SystemTime};

use asyncgen_runtime::receiver::{Delivery, Incoming, Receiver, Route, Verifier, VerifyError};
use asyncgen_runtime::sender::Signer;
use asyncgen_runtime::{
    BodyTokenScheme, ConfigError, EventId, JwtScheme, Scheme, Secret, Secrets, Security,
    SignatureAlgorithm, SignatureEncoding, SignatureScheme, SignatureTimestamp,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use common::{Counting, Running, client, post_chunked};
use http::HeaderMap;
use reqwest::StatusCode;

const GITHUB: Security = Security::new(
    "githubWebhook",
    Scheme::Signature(
        SignatureScheme::new("X-Hub-Signature-256", SignatureEncoding::Hex).with_prefix("sha256="),
    ),
);

/// A provider signing a timestamp too, with several signatures per header.
const STAMPED: Security = Security::new(
    "webhookSignature",
    Scheme::Signature(
        SignatureScheme::new("X-Signature", SignatureEncoding::Base64)
            .with_prefix("v1=")
            .with_separator(" ")
            .with_timestamp(SignatureTimestamp::new("X-Timestamp")),
    ),
);

const HEX: Security = Security::new(
    "webhookSignature",
    Scheme::Signature(SignatureScheme::new(
        "X-Webhook-Signature",
        SignatureEncoding::Hex,
    )),
);
const JWT: Security = Security::new("dialpadJwt", Scheme::Jwt(JwtScheme::new(true)));
const TOKEN: Security = Security::new(
    "authToken",
    Scheme::BodyToken(BodyTokenScheme::new("/auth_token")),
);

fn secret(s: &str) -> Secret {
    Secret::new(s).unwrap()
}

fn secrets(s: &[&str]) -> Option<Secrets> {
    Some(Secrets::new(s).unwrap())
}

fn headers_of(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    h
}

// --- published vectors -------------------------------------------------------------------

/// GitHub's documented `X-Hub-Signature-256` example ("Validating webhook deliveries").
#[test]
fn github_documentation_vector() {
    let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let signer = Signer::new(GITHUB, Some(secret("It's a Secret to Everybody"))).unwrap();
    let signed = signer.sign(b"Hello, World!").unwrap();
    assert_eq!(signed.headers["x-hub-signature-256"], expected);

    let verifier = Verifier::new(GITHUB, secrets(&["It's a Secret to Everybody"])).unwrap();
    let body = Bytes::from_static(b"Hello, World!");
    let verified = verifier
        .verify(&headers_of(&[("X-Hub-Signature-256", expected)]), &body)
        .unwrap();
    assert_eq!(verified, body);
    // One flipped bit of the MAC.
    let forged = expected.replace("757107", "757106");
    assert_eq!(
        verifier.verify(&headers_of(&[("X-Hub-Signature-256", &forged)]), &body),
        Err(VerifyError::BadSignature)
    );
}

/// Every provider's published vector (`tests/sdk/vectors.json`) verifies, under the scheme of
/// its preset, exactly when the provider says it does; a valid one stops verifying when one
/// byte of its body or its URL changes.
#[test]
fn the_providers_published_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/sdk/vectors.json");
    let vectors: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("JSON");
    for v in &vectors {
        let name = v["name"].as_str().expect("name");
        let preset =
            asyncgen_signature::preset(v["preset"].as_str().expect("preset")).expect("a preset");
        let security = Security::new(
            "provider",
            Scheme::Signature(SignatureScheme::from_preset(preset)),
        );
        let verifier = Verifier::new(security, secrets(&[v["key"].as_str().expect("key")]))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut headers = HeaderMap::new();
        for (k, value) in v["headers"].as_object().expect("headers") {
            headers.insert(
                http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                value.as_str().expect("text").parse().expect("value"),
            );
        }
        let body = Bytes::from(v["body"].as_str().expect("body").to_owned());
        let url = v["url"].as_str();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(v["now"].as_u64().expect("now"));
        let verify = |url: Option<&str>, body: &Bytes| {
            verifier.verify_request(
                &Incoming {
                    method: "POST",
                    url,
                    headers: &headers,
                    body,
                },
                now,
            )
        };
        if v["valid"] != true {
            assert!(verify(url, &body).is_err(), "{name}: accepted");
            continue;
        }
        assert_eq!(verify(url, &body), Ok(body.clone()), "{name}");
        let mut changed = body.to_vec();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(
            verify(url, &Bytes::from(changed)).is_err(),
            "{name}: changed body"
        );
        if let Some(url) = url {
            let other = url
                .replacen("/myapp", "/yourapp", 1)
                .replacen(".site/", ".site/x", 1);
            assert_ne!(other, url, "{name}");
            assert!(verify(Some(&other), &body).is_err(), "{name}: another URL");
        }
    }
}

/// A preset's verifier knows the provider's event id and answers its handshake (only the
/// handshake, and only with the secret the provider checks).
#[test]
fn presets_carry_their_event_id_and_handshake() {
    let verifier = |name: &str, key: &str| {
        let preset = asyncgen_signature::preset(name).expect("preset");
        let scheme = Scheme::Signature(SignatureScheme::from_preset(preset));
        Verifier::new(Security::new(preset.name, scheme), secrets(&[key])).expect("verifier")
    };
    let slack = verifier("slack", "s");
    assert_eq!(slack.event_id(), Some(EventId::Field("/event_id")));
    assert_eq!(
        slack.handshake_reply(br#"{"type":"url_verification","challenge":"c"}"#),
        Some(serde_json::json!({"challenge": "c"}))
    );
    assert_eq!(slack.handshake_reply(br#"{"type":"event_callback"}"#), None);
    let zoom = verifier("zoom", "z");
    let reply = zoom
        .handshake_reply(br#"{"event":"endpoint.url_validation","payload":{"plainToken":"t"}}"#)
        .expect("answered");
    let mac = {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"z").expect("key");
        mac.update(b"t");
        hex::encode(mac.finalize().into_bytes())
    };
    assert_eq!(reply["encryptedToken"], mac);
    let github = verifier("github", "g");
    assert_eq!(
        github.event_id(),
        Some(EventId::Header("X-GitHub-Delivery"))
    );
    assert_eq!(github.handshake_reply(br#"{"type":1}"#), None);
    assert_eq!(verifier("zoom", "z").event_id(), None);
    assert!(verifier("twilio", "t").signs_url() && verifier("plivo", "p").signs_url());
    assert!(!slack.signs_url() && !github.signs_url());
    assert!(!Verifier::insecure_no_verification().signs_url());
    assert_eq!(Verifier::insecure_no_verification().event_id(), None);
    assert_eq!(
        Verifier::new(JWT, secrets(&["j"]))
            .expect("jwt")
            .handshake_reply(br#"{"type":1}"#),
        None
    );
}

/// The signer's key and the verifier's for `algorithm`: one shared secret, or a private key
/// (a fixed Ed25519 seed or P-256 scalar, base64) and the public key the signer reports.
fn key_pair(security: Security) -> (Signer, Option<Secrets>) {
    let private = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    let Scheme::Signature(s) = security.scheme else {
        unreachable!("signature schemes only")
    };
    if s.algorithm.is_asymmetric() {
        let signer = Signer::new(security, Some(secret(private))).unwrap();
        let public = signer.public_key().unwrap();
        (signer, secrets(&[&public]))
    } else {
        (
            Signer::new(security, Some(secret("k"))).unwrap(),
            secrets(&["k"]),
        )
    }
}

/// Every algorithm and encoding round-trips through the signer and the verifier, and a
/// signature made under one algorithm never verifies under another (a downgrade or a misread
/// document).
#[test]
fn each_algorithm_verifies_only_itself() {
    let body = Bytes::from_static(br#"{"event":"ping"}"#);
    let scheme = |algorithm, encoding| {
        Security::new(
            "webhookSignature",
            Scheme::Signature(
                SignatureScheme::new("X-Signature", encoding).with_algorithm(algorithm),
            ),
        )
    };
    for &encoding in SignatureEncoding::ALL {
        for &algorithm in SignatureAlgorithm::ALL {
            let (signer, _) = key_pair(scheme(algorithm, encoding));
            let signed = signer.sign(&body).unwrap();
            let header = signed.headers["x-signature"].to_str().unwrap().to_owned();
            for &other in SignatureAlgorithm::ALL {
                let (_, keys) = key_pair(scheme(other, encoding));
                let verifier = Verifier::new(scheme(other, encoding), keys).unwrap();
                let got = verifier.verify(&headers_of(&[("X-Signature", &header)]), &body);
                if other == algorithm {
                    assert_eq!(got, Ok(body.clone()), "{} {encoding:?}", algorithm.name());
                } else {
                    assert_eq!(
                        got,
                        Err(VerifyError::BadSignature),
                        "{} signature accepted as {}",
                        algorithm.name(),
                        other.name()
                    );
                }
            }
        }
    }
}

/// RFC 7515 appendix A.1: the HS256 JWS example, verified by the JWT path.
///
/// Its claims carry `exp: 1300819380` (March 2011). Verified now, the honest outcome is
/// "expired"; since `exp` is only checked after the signature, that outcome already proves the
/// signature verified. Verified as of a moment before `exp` (the verifier takes its clock as
/// an argument: `verify_at`), the token passes and yields the claims exactly as signed. No
/// switch turns expiry checking off.
#[test]
fn rfc7515_a1_vector() {
    let k =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
    let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9\
                 .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
                 .dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let key = URL_SAFE_NO_PAD.decode(k).unwrap();
    let required = Security::new("rfc", Scheme::Jwt(JwtScheme::new(false)));
    let verifier = Verifier::new(required, Some(Secrets::single(&key).unwrap())).unwrap();
    let body = Bytes::from_static(token.as_bytes());

    assert_eq!(
        verifier.verify(&HeaderMap::new(), &body),
        Err(VerifyError::JwtExpired)
    );

    let before_exp = SystemTime::UNIX_EPOCH + Duration::from_secs(1_300_819_380 - 10);
    let claims = verifier
        .verify_at(&HeaderMap::new(), &body, before_exp)
        .unwrap();
    assert_eq!(
        claims.as_ref(),
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );

    // The same moment, another key: the signature is what failed.
    let wrong = Verifier::new(required, secrets(&["not the key"])).unwrap();
    assert_eq!(
        wrong.verify_at(&HeaderMap::new(), &body, before_exp),
        Err(VerifyError::JwtSignature)
    );
}

// --- start-up -----------------------------------------------------------------------------

/// The tolerance is inclusive: a timestamp exactly `tolerance` old (or ahead) verifies, one
/// second more is stale, on either side of the receiver's clock.
#[test]
fn the_timestamp_tolerance_is_inclusive_in_both_directions() {
    let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let signed = Signer::new(STAMPED, Some(secret("k")))
        .unwrap()
        .sign_at(b"{}", sent)
        .unwrap();
    let verifier = Verifier::new(STAMPED, secrets(&["k"])).unwrap();
    let tolerance = SignatureTimestamp::DEFAULT_TOLERANCE;
    let one = Duration::from_secs(1);
    for now in [sent + tolerance, sent - tolerance] {
        assert_eq!(
            verifier.verify_at(&signed.headers, &signed.body, now),
            Ok(signed.body.clone()),
            "{now:?}"
        );
    }
    for now in [sent + tolerance + one, sent - tolerance - one] {
        assert_eq!(
            verifier.verify_at(&signed.headers, &signed.body, now),
            Err(VerifyError::StaleTimestamp)
        );
    }
}

/// Only the named opt-out checks nothing, and says so (the receiver logs every such route when
/// it serves); a verifier built from a scheme never does.
#[test]
fn only_the_named_opt_out_is_insecure() {
    assert!(Verifier::insecure_no_verification().is_insecure());
    for security in [HEX, STAMPED, GITHUB, TOKEN] {
        assert!(
            !Verifier::new(security, secrets(&["k"]))
                .unwrap()
                .is_insecure()
        );
    }
    assert!(!Verifier::new(JWT, None).unwrap().is_insecure());
    let body = Bytes::from_static(b"anything at all");
    assert_eq!(
        Verifier::insecure_no_verification().verify(&HeaderMap::new(), &body),
        Ok(body.clone())
    );
}

#[test]
fn a_scheme_without_a_secret_is_a_startup_error() {
    for security in [HEX, STAMPED, TOKEN] {
        let err = Verifier::new(security, None).unwrap_err();
        assert!(
            matches!(&err, ConfigError::MissingSecret { env_var, .. } if *env_var == security.env_var()),
            "{err}"
        );
    }
    let required_jwt = Security::new("dialpadJwt", Scheme::Jwt(JwtScheme::new(false)));
    assert!(matches!(
        Verifier::new(required_jwt, None),
        Err(ConfigError::MissingSecret { .. })
    ));
    // Only the optional JWT scheme may run without one.
    assert!(Verifier::new(JWT, None).is_ok());
    // Nothing in this test's environment names these variables, so from_env fails as well.
    let err = Verifier::from_env(Security::new("asyncgenRuntimeTestUnsetScheme", HEX.scheme))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("ASYNCGEN_RUNTIME_TEST_UNSET_SCHEME"),
        "{err}"
    );
    assert!(matches!(Secrets::new([""]), Err(ConfigError::EmptySecret)));
}

// --- forgeries over HTTP ------------------------------------------------------------------

struct Harness {
    running: Running,
    counting: Counting,
    client: reqwest::Client,
}

impl Harness {
    async fn start() -> Harness {
        let counting = Counting::new();
        let route = |id: &str, verifier: Verifier| {
            Route::new(id, format!("/{id}"), verifier, counting.clone())
        };
        let receiver = Receiver::builder()
            .delivery(Delivery::Direct)
            .route(route(
                "hex",
                Verifier::new(HEX, secrets(&["s3cret"])).unwrap(),
            ))
            .route(route(
                "stamped",
                Verifier::new(STAMPED, secrets(&["new-key", "old-key"])).unwrap(),
            ))
            .route(route(
                "jwt",
                Verifier::new(JWT, secrets(&["jwt-key"])).unwrap(),
            ))
            .route(route("plain-jwt", Verifier::new(JWT, None).unwrap()))
            .route(route(
                "token",
                Verifier::new(TOKEN, secrets(&["tok-1", "tok-2"])).unwrap(),
            ))
            .route(route("open", Verifier::insecure_no_verification()))
            .build()
            .unwrap();
        Harness {
            running: Running::start(&receiver).await,
            counting,
            client: client(),
        }
    }

    async fn post(
        &self,
        path: &str,
        headers: HeaderMap,
        body: impl Into<reqwest::Body>,
    ) -> StatusCode {
        self.client
            .post(format!("{}/{path}", self.running.url))
            .headers(headers)
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn post_signed(
        &self,
        path: &str,
        signed: asyncgen_runtime::sender::SignedRequest,
    ) -> StatusCode {
        self.post(path, signed.headers, signed.body).await
    }

    /// Posts a forgery: it must get `status` and must not reach the handler.
    async fn refused(
        &self,
        what: &str,
        path: &str,
        headers: HeaderMap,
        body: impl Into<reqwest::Body>,
        status: StatusCode,
    ) {
        let before = self.counting.calls();
        let got = self.post(path, headers, body).await;
        assert_eq!(got, status, "{what}");
        assert_eq!(self.counting.calls(), before, "{what} reached the handler");
    }
}

#[tokio::test]
async fn hmac_forgeries_are_refused() {
    let h = Harness::start().await;
    let body = br#"{"id":"h1"}"#;
    let good = Signer::new(HEX, Some(secret("s3cret")))
        .unwrap()
        .sign(body)
        .unwrap();
    let good_sig = good.headers["x-webhook-signature"]
        .to_str()
        .unwrap()
        .to_owned();
    let sig = |v: &str| headers_of(&[("X-Webhook-Signature", v)]);

    let wrong = Signer::new(HEX, Some(secret("guess")))
        .unwrap()
        .sign(body)
        .unwrap();
    h.refused(
        "wrong secret",
        "hex",
        wrong.headers,
        &body[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "no header",
        "hex",
        HeaderMap::new(),
        &body[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "empty signature",
        "hex",
        sig(""),
        &body[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "truncated signature",
        "hex",
        sig(&good_sig[..62]),
        &body[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "one byte short",
        "hex",
        sig(&good_sig[..good_sig.len() - 2]),
        &body[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "undecodable hex",
        "hex",
        sig(&format!("zz{}", &good_sig[2..])),
        &body[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "signature of another body",
        "hex",
        sig(&good_sig),
        &br#"{"id":"h2"}"#[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "body re-serialised",
        "hex",
        sig(&good_sig),
        &br#"{"id": "h1"}"#[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "trailing newline added",
        "hex",
        sig(&good_sig),
        &b"{\"id\":\"h1\"}\n"[..],
        StatusCode::UNAUTHORIZED,
    )
    .await;

    assert_eq!(h.post_signed("hex", good).await, StatusCode::NO_CONTENT);
    assert_eq!(h.counting.count("h1"), 1);
    // Case does not change the MAC's bytes.
    assert_eq!(
        h.post("hex", sig(&good_sig.to_uppercase()), &body[..])
            .await,
        StatusCode::NO_CONTENT
    );
    h.running.stop().await;
}

#[tokio::test]
async fn timestamped_signatures_and_rotation() {
    let h = Harness::start().await;
    let body = br#"{"id":"t1"}"#;
    let now = SystemTime::now();
    let signer = |key: &str| Signer::new(STAMPED, Some(secret(key))).unwrap();

    let old = signer("new-key")
        .sign_at(body, now - Duration::from_secs(301))
        .unwrap();
    h.refused(
        "timestamp too old",
        "stamped",
        old.headers,
        old.body,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let future = signer("new-key")
        .sign_at(body, now + Duration::from_secs(301))
        .unwrap();
    h.refused(
        "timestamp in the future",
        "stamped",
        future.headers,
        future.body,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // A signature for one timestamp under another timestamp header.
    let mut moved = signer("new-key").sign_at(body, now).unwrap();
    moved.headers.insert("x-timestamp", "1".parse().unwrap());
    h.refused(
        "timestamp swapped",
        "stamped",
        moved.headers,
        moved.body,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let mut missing = signer("new-key").sign_at(body, now).unwrap();
    missing.headers.remove("x-timestamp");
    h.refused(
        "timestamp missing",
        "stamped",
        missing.headers,
        missing.body,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let stranger = signer("stranger").sign(body).unwrap();
    h.refused(
        "unknown key",
        "stamped",
        stranger.headers,
        stranger.body,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // Within the tolerance, either way, and with the second (rotated) secret.
    let recent = signer("new-key")
        .sign_at(body, now - Duration::from_secs(200))
        .unwrap();
    assert_eq!(
        h.post_signed("stamped", recent).await,
        StatusCode::NO_CONTENT
    );
    let ahead = signer("new-key")
        .sign_at(body, now + Duration::from_secs(200))
        .unwrap();
    assert_eq!(
        h.post_signed("stamped", ahead).await,
        StatusCode::NO_CONTENT
    );
    let rotated = signer("old-key").sign(body).unwrap();
    assert_eq!(
        h.post_signed("stamped", rotated).await,
        StatusCode::NO_CONTENT
    );

    // Several signatures in one header: one valid among invalid ones is enough.
    let mut several = signer("new-key").sign(body).unwrap();
    let valid = several.headers["x-signature"].to_str().unwrap().to_owned();
    let header = format!("v1=AAAA v1=!!notbase64 {valid} v0=whatever");
    several
        .headers
        .insert("x-signature", header.parse().unwrap());
    assert_eq!(
        h.post_signed("stamped", several).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.counting.count("t1"), 4);
    h.running.stop().await;
}

fn jwt_with(alg: jsonwebtoken::Algorithm, claims: &serde_json::Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(alg),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .unwrap()
}

#[tokio::test]
async fn jwt_forgeries_are_refused() {
    use jsonwebtoken::Algorithm;

    let h = Harness::start().await;
    let claims = serde_json::json!({"id": "j1"});
    let key = b"jwt-key";
    let unauthorized = StatusCode::UNAUTHORIZED;

    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    h.refused("alg none", "jwt", HeaderMap::new(), none, unauthorized)
        .await;
    h.refused(
        "HS512",
        "jwt",
        HeaderMap::new(),
        jwt_with(Algorithm::HS512, &claims, key),
        unauthorized,
    )
    .await;
    h.refused(
        "HS384",
        "jwt",
        HeaderMap::new(),
        jwt_with(Algorithm::HS384, &claims, key),
        unauthorized,
    )
    .await;
    h.refused(
        "wrong key",
        "jwt",
        HeaderMap::new(),
        jwt_with(Algorithm::HS256, &claims, b"guess"),
        unauthorized,
    )
    .await;

    let expired = serde_json::json!({"id": "j1", "exp": 1_000_000_000});
    h.refused(
        "expired",
        "jwt",
        HeaderMap::new(),
        jwt_with(Algorithm::HS256, &expired, key),
        unauthorized,
    )
    .await;
    let bad_exp = serde_json::json!({"id": "j1", "exp": "tomorrow"});
    h.refused(
        "exp not a number",
        "jwt",
        HeaderMap::new(),
        jwt_with(Algorithm::HS256, &bad_exp, key),
        unauthorized,
    )
    .await;

    let valid = jwt_with(Algorithm::HS256, &claims, key);
    let parts: Vec<&str> = valid.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(br#"{"id":"j2"}"#),
        parts[2]
    );
    h.refused(
        "tampered payload",
        "jwt",
        HeaderMap::new(),
        tampered,
        unauthorized,
    )
    .await;
    h.refused(
        "truncated signature",
        "jwt",
        HeaderMap::new(),
        valid[..valid.len() - 4].to_owned(),
        unauthorized,
    )
    .await;
    h.refused(
        "no signature",
        "jwt",
        HeaderMap::new(),
        format!("{}.{}", parts[0], parts[1]),
        unauthorized,
    )
    .await;
    h.refused(
        "not a JWT",
        "jwt",
        HeaderMap::new(),
        "garbage",
        unauthorized,
    )
    .await;
    h.refused(
        "plain JSON where a secret is set",
        "jwt",
        HeaderMap::new(),
        claims.to_string(),
        unauthorized,
    )
    .await;

    // Verified: the claims are the payload (a future exp is fine, none is fine).
    let later = serde_json::json!({"id": "j1", "exp": 4_000_000_000u64});
    assert_eq!(
        h.post(
            "jwt",
            HeaderMap::new(),
            jwt_with(Algorithm::HS256, &later, key)
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let signed = Signer::new(JWT, Some(secret("jwt-key")))
        .unwrap()
        .sign(claims.to_string().as_bytes())
        .unwrap();
    assert_eq!(h.post_signed("jwt", signed).await, StatusCode::NO_CONTENT);
    assert_eq!(h.counting.count("j1"), 2);

    // Optional scheme, no secret configured: plain JSON only.
    assert_eq!(
        h.post("plain-jwt", HeaderMap::new(), format!("\n  {claims}"))
            .await,
        StatusCode::NO_CONTENT
    );
    h.refused(
        "a JWT where no secret is set",
        "plain-jwt",
        HeaderMap::new(),
        valid,
        unauthorized,
    )
    .await;
    assert_eq!(h.counting.count("j1"), 3);
    h.running.stop().await;
}

#[tokio::test]
async fn body_token_forgeries_are_refused() {
    let h = Harness::start().await;
    h.refused(
        "wrong token",
        "token",
        HeaderMap::new(),
        r#"{"id":"b1","auth_token":"tok-3"}"#,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "token prefix",
        "token",
        HeaderMap::new(),
        r#"{"id":"b1","auth_token":"tok-"}"#,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "empty token",
        "token",
        HeaderMap::new(),
        r#"{"id":"b1","auth_token":""}"#,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "missing token",
        "token",
        HeaderMap::new(),
        r#"{"id":"b1"}"#,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "token not a string",
        "token",
        HeaderMap::new(),
        r#"{"id":"b1","auth_token":1}"#,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "token in a header",
        "token",
        headers_of(&[("auth_token", "tok-1")]),
        r#"{"id":"b1"}"#,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    h.refused(
        "not JSON",
        "token",
        HeaderMap::new(),
        "auth_token=tok-1",
        StatusCode::BAD_REQUEST,
    )
    .await;

    assert_eq!(
        h.post(
            "token",
            HeaderMap::new(),
            r#"{"id":"b1","auth_token":"tok-2"}"#
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let signed = Signer::new(TOKEN, Some(secret("tok-1")))
        .unwrap()
        .sign(br#"{"id":"b1"}"#)
        .unwrap();
    assert_eq!(h.post_signed("token", signed).await, StatusCode::NO_CONTENT);
    assert_eq!(h.counting.count("b1"), 2);
    h.running.stop().await;
}

#[tokio::test]
async fn bad_bodies_get_400_and_413() {
    let h = Harness::start().await;
    let hex = |body: &[u8]| {
        Signer::new(HEX, Some(secret("s3cret")))
            .unwrap()
            .sign(body)
            .unwrap()
    };

    // Authentic requests whose payload fits no message: 400, handler not called.
    for (what, body) in [
        ("empty", &b""[..]),
        ("not JSON", b"hello"),
        ("truncated JSON", br#"{"id":"#),
        ("wrong shape", br#"{"event":"call.started"}"#),
        ("wrong type", br#"{"id":7}"#),
    ] {
        let signed = hex(body);
        h.refused(
            what,
            "hex",
            signed.headers,
            signed.body,
            StatusCode::BAD_REQUEST,
        )
        .await;
        h.refused(
            what,
            "open",
            HeaderMap::new(),
            body.to_vec(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }

    // 10 MB: refused by its declared length, before reading or verifying it.
    let huge = vec![b' '; 10 * 1024 * 1024];
    h.refused(
        "10 MB",
        "open",
        HeaderMap::new(),
        huge.clone(),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    h.refused(
        "10 MB signed",
        "hex",
        hex(&huge).headers,
        huge,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;

    // Chunked, so without a declared length: refused once the limit is crossed.
    assert_eq!(
        post_chunked(&h.running.url, "/open", 20, 16 * 1024).await,
        413
    );
    assert_eq!(post_chunked(&h.running.url, "/open", 1, 2).await, 400);

    // Other methods are not routes.
    let get = h
        .client
        .get(format!("{}/open", h.running.url))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    h.running.stop().await;
}
