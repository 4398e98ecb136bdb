//! Forgeries over HTTP, against a running receiver: each is answered with its documented status
//! and never reaches the handler, while authentic requests (rotated keys, timestamps within
//! the tolerance, JWTs, body tokens) are handled; bodies that are not a message get 400, bodies
//! over the limit 413.

#![cfg(all(feature = "receiver", feature = "sender"))]

mod common;

use std::time::{Duration, SystemTime};

use asyncgen_runtime::receiver::{Delivery, Receiver, Route, Verifier};
use asyncgen_runtime::sender::Signer;
use asyncgen_runtime::{
    BodyTokenScheme, JwtScheme, Scheme, Secret, Secrets, Security, SignatureEncoding,
    SignatureScheme, SignatureTimestamp,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Counting, Running, client, post_chunked};
use http::HeaderMap;
use reqwest::StatusCode;

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
