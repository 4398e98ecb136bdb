//! Verification without a server: published test vectors, each algorithm against the others,
//! the timestamp tolerance, and the start-up errors of a receiver without a secret. Forgeries
//! over HTTP are in `forgeries.rs`.

#![cfg(all(feature = "receiver", feature = "sender"))]

use std::time::{Duration, SystemTime};

use asyncgen_runtime::receiver::{Incoming, Verifier, VerifyError};
use asyncgen_runtime::sender::Signer;
use asyncgen_runtime::{
    BodyTokenScheme, ConfigError, EventId, JwtScheme, Scheme, Secret, Secrets, Security,
    SignatureAlgorithm, SignatureEncoding, SignatureScheme, SignatureTimestamp,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::HeaderMap;

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
