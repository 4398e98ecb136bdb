//! The request path of a route: read the raw body once, verify it, decode it, then handle it
//! inline or store it durably, and choose the status the provider sees.
//!
//! | outcome | status |
//! |---|---|
//! | body over the limit | 413 |
//! | signature, token or JWT missing or wrong | 401 (400 when a token must be read from a body that is not JSON) |
//! | payload fits no message | 400 with the decoder's reason |
//! | direct: handled / handler failed | 204 / 500 |
//! | an event whose provider reads a reply ([`Endpoint::replies`], handled in the request even when queued): the reply / none | 200 with its body / 204 |
//! | queued: stored, or a duplicate of a stored event | 202 |
//! | queued: queue full | 503 with `Retry-After` |
//! | queued: storage failed | 500 |

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::builder::{Delivery, Settings};
#[cfg(doc)]
use super::endpoint::Endpoint;
use super::endpoint::{EventHeaders, RunError, joined, spawn_run};
use super::verify::Incoming;
use super::{RouteState, Shared};
use crate::queue::{DedupeEntry, EnqueueOutcome, NewEvent};

/// Handles one request on `route`.
pub(crate) async fn receive(
    route: Arc<RouteState>,
    shared: Arc<Shared>,
    request: Request,
) -> Response {
    let received_at = SystemTime::now();
    let (parts, body) = request.into_parts();
    let body = match read_body(body, &parts.headers, &shared.settings).await {
        Ok(body) => body,
        Err(response) => return response,
    };

    let url = shared.public_origin.as_deref().map(|origin| {
        // The URI as the client sent it, even when the application nests the router.
        let uri = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        format!("{origin}{path}")
    });
    let incoming = Incoming {
        method: parts.method.as_str(),
        url: url.as_deref(),
        headers: &parts.headers,
        body: &body,
    };
    let payload = match route.verifier.verify_request(&incoming, received_at) {
        Ok(payload) => payload,
        Err(e) => {
            tracing::warn!(route = %route.id, reason = %e, "request refused");
            return text(e.status(), &e.to_string());
        }
    };
    if let Some(reply) = route.verifier.handshake_reply(&payload) {
        tracing::info!(route = %route.id, "answered the provider's handshake");
        let mut response = (StatusCode::OK, reply.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    }
    // Form posts (Twilio, Slack commands) are decoded as the JSON object of their fields.
    let payload = if is_form(&parts.headers) {
        super::form::to_json(&payload)
    } else {
        payload
    };

    let kept = EventHeaders::capture(&parts.headers, route.endpoint.headers());
    match shared.settings.delivery {
        Delivery::Direct => direct(&route, payload, kept).await,
        Delivery::Queued => {
            let received = Received {
                headers: &parts.headers,
                kept,
                payload,
                received_at,
            };
            queued(&route, &shared, received).await
        }
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

async fn read_body(
    body: Body,
    headers: &HeaderMap,
    settings: &Settings,
) -> Result<Bytes, Response> {
    let limit = settings.body_limit;
    let too_large = || text(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large");
    // A declared length over the limit is refused before a byte is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // A total deadline, not one between chunks: a body trickling a byte at a time would
    // otherwise hold the connection for ever.
    let read = tokio::time::timeout(settings.body_timeout(), Limited::new(body, limit).collect());
    let Ok(read) = read.await else {
        let mut response = text(StatusCode::REQUEST_TIMEOUT, "the body took too long");
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return Err(response);
    };
    match read {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large()),
        Err(e) => {
            tracing::debug!(error = %e, "could not read a request body");
            Err(text(StatusCode::BAD_REQUEST, "could not read the body"))
        }
    }
}

async fn direct(route: &RouteState, payload: Bytes, headers: EventHeaders) -> Response {
    match joined(spawn_run(route.endpoint.clone(), payload, headers).await) {
        Ok(reply) => match reply.parts() {
            Some((content_type, body)) => {
                let mut response = (StatusCode::OK, body.clone()).into_response();
                if let Ok(value) = HeaderValue::from_str(content_type) {
                    response.headers_mut().insert(header::CONTENT_TYPE, value);
                }
                response
            }
            None => StatusCode::NO_CONTENT.into_response(),
        },
        Err(RunError::Decode(e)) => {
            tracing::warn!(route = %route.id, reason = %e, "payload refused");
            text(StatusCode::BAD_REQUEST, e.reason())
        }
        Err(RunError::Handler(e)) => {
            tracing::warn!(route = %route.id, error = %e, "handler failed; the provider will retry");
            // The handler's error stays in our logs; the provider only needs to retry.
            text(StatusCode::INTERNAL_SERVER_ERROR, "the handler failed")
        }
    }
}

/// A verified request on its way to the queue.
struct Received<'a> {
    /// Every request header: the dedupe key may be one.
    headers: &'a HeaderMap,
    /// The headers the decoder reads, stored with the payload.
    kept: EventHeaders,
    payload: Bytes,
    received_at: SystemTime,
}

async fn queued(route: &RouteState, shared: &Shared, received: Received<'_>) -> Response {
    let Received {
        headers,
        kept,
        payload,
        received_at,
    } = received;
    // Decoded here to refuse what no worker could handle (the worker decodes the stored bytes
    // again), and to answer in the request an event whose provider waits for a reply: only
    // the handler can give it.
    match route.endpoint.check(&payload, &kept) {
        Err(e) => {
            tracing::warn!(route = %route.id, reason = %e, "payload refused");
            return text(StatusCode::BAD_REQUEST, e.reason());
        }
        Ok(true) => return direct(route, payload, kept).await,
        Ok(false) => {}
    }
    let Some(queue) = &shared.queue else {
        // `build` refuses queued delivery without a queue.
        return text(StatusCode::INTERNAL_SERVER_ERROR, "no queue");
    };
    let dedupe = route.dedupe.as_ref().and_then(|d| {
        let key = d.key(headers, &payload);
        if key.is_none() {
            tracing::debug!(route = %route.id, "no dedupe id in the event; handling it without");
        }
        // Scoped by route: two channels may number their events independently.
        key.map(|key| DedupeEntry {
            key: format!("{}\u{1f}{key}", route.id),
            ttl: d.ttl,
        })
    });
    let event = NewEvent {
        route: route.id.clone(),
        payload,
        headers: kept,
        received_at,
        dedupe,
    };
    match queue.enqueue(event).await {
        Ok(EnqueueOutcome::Enqueued(id)) => {
            tracing::debug!(route = %route.id, %id, "event queued");
            StatusCode::ACCEPTED.into_response()
        }
        Ok(EnqueueOutcome::Duplicate) => {
            tracing::info!(route = %route.id, "duplicate delivery acknowledged, not queued");
            StatusCode::ACCEPTED.into_response()
        }
        Ok(EnqueueOutcome::Full) => {
            tracing::warn!(route = %route.id, "queue full; asking the provider to retry later");
            let mut response = text(StatusCode::SERVICE_UNAVAILABLE, "the queue is full");
            let secs = shared.settings.retry_after.as_secs().max(1);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            response
        }
        Err(e) => {
            tracing::error!(route = %route.id, error = %e, "could not queue an event");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not store the event",
            )
        }
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
