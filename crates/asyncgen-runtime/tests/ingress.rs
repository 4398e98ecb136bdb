//! The request path before an event is stored or handled: the body limit (by declared length
//! and while reading), a body that cannot be read, form posts decoded as the JSON object of
//! their fields, and the statuses of direct delivery.

#![cfg(all(feature = "receiver", feature = "sender"))]

mod common;

use std::sync::atomic::Ordering;

use asyncgen_runtime::receiver::{Delivery, Receiver, Route, Verifier};
use common::{Counting, Running, client, post_chunked, post_raw};
use reqwest::StatusCode;

const LIMIT: usize = 64;

async fn start(counting: &Counting) -> Running {
    let receiver = Receiver::builder()
        .delivery(Delivery::Direct)
        .body_limit(LIMIT)
        .route(Route::new(
            "events",
            "/events",
            Verifier::insecure_no_verification(),
            counting.clone(),
        ))
        .build()
        .unwrap();
    Running::start(&receiver).await
}

async fn post(running: &Running, content_type: &str, body: impl Into<reqwest::Body>) -> StatusCode {
    client()
        .post(format!("{}/events", running.url))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

/// `{"id":ID}` padded with spaces to `len` bytes.
fn padded(id: &str, len: usize) -> Vec<u8> {
    let mut body = format!(r#"{{"id":"{id}"}}"#).into_bytes();
    body.resize(len, b' ');
    body
}

/// A body of exactly the limit is read and handled; one byte more is refused by its declared
/// length, and a chunked body (no declared length) once the limit is crossed.
#[tokio::test]
async fn the_body_limit_is_inclusive() {
    let counting = Counting::new();
    let running = start(&counting).await;
    let json = "application/json";
    assert_eq!(
        post(&running, json, padded("at", LIMIT)).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(counting.count("at"), 1);
    assert_eq!(
        post(&running, json, padded("over", LIMIT + 1)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        post_chunked(&running.url, "/events", 3, LIMIT / 2).await,
        413
    );
    assert_eq!(counting.calls(), 1);
    running.stop().await;
}

/// A body that ends before its declared length is a bad request, not a body over the limit.
#[tokio::test]
async fn a_body_cut_short_is_a_bad_request() {
    let counting = Counting::new();
    let running = start(&counting).await;
    let status = post_raw(
        &running.url,
        "/events",
        &format!("Content-Length: {LIMIT}"),
        br#"{"id":"cut"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(counting.calls(), 0);
    running.stop().await;
}

/// A form post (Twilio, Slack commands) reaches the decoder as the JSON object of its fields,
/// whatever the case and parameters of its content type; JSON is read as JSON.
#[tokio::test]
async fn form_posts_are_decoded_as_their_fields() {
    let counting = Counting::new();
    let running = start(&counting).await;
    for (content_type, id) in [
        ("application/x-www-form-urlencoded", "form-1"),
        ("Application/X-WWW-Form-Urlencoded; charset=UTF-8", "form-2"),
    ] {
        let body = format!("id={id}&CallSid=CA1");
        assert_eq!(
            post(&running, content_type, body).await,
            StatusCode::NO_CONTENT,
            "{content_type}"
        );
        assert_eq!(counting.count(id), 1, "{content_type}");
    }
    assert_eq!(
        post(&running, "application/json", r#"{"id":"json"}"#).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(counting.count("json"), 1);
    running.stop().await;
}

/// Direct delivery answers 204 once the handler succeeded, 400 for a payload no message fits
/// (the handler is not called), and 500 when the handler failed, so the provider retries.
#[tokio::test]
async fn direct_delivery_answers_with_the_handler_outcome() {
    let counting = Counting::new();
    let running = start(&counting).await;
    let json = "application/json";
    assert_eq!(
        post(&running, json, r#"{"id":"ok"}"#).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        post(&running, json, r#"{"id":7}"#).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(counting.calls(), 1);
    counting.fail.store(true, Ordering::SeqCst);
    assert_eq!(
        post(&running, json, r#"{"id":"down"}"#).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(counting.calls(), 2);
    running.stop().await;
}
