//! The contract between the receiver and generated code: [`Endpoint`] turns verified payload
//! bytes into a typed event and handles it. Routes hold endpoints type-erased, so one receiver
//! serves channels of different event types.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// What one route does with a verified payload. Generated code implements it for a wrapper
/// around the user's handler trait; `decode` is the generated dispatch (an unknown event is a
/// variant of `Event`, not an error), `handle` calls the user's method and returns what the
/// provider reads back ([`Reply::none`] for most providers).
///
/// In queued delivery `decode` runs twice: on receipt, to answer 400 for a payload that fits no
/// message, and in the worker, which reads the stored bytes (and the stored [`HEADERS`]) back.
/// It must be pure.
///
/// [`HEADERS`]: Endpoint::HEADERS
pub trait Endpoint: Send + Sync + 'static {
    /// The decoded event, usually an enum over the channel's messages.
    type Event: Send + 'static;

    /// The request headers `decode` reads (a provider's event-type header, say): the receiver
    /// keeps exactly these, and stores them with a queued event, so that the worker decodes
    /// what the receipt decoded. Names are matched without regard to case.
    const HEADERS: &'static [&'static str] = &[];

    /// Verified payload bytes (JSON) and the request's [`HEADERS`](Endpoint::HEADERS) → event;
    /// an error answers 400 with its reason.
    fn decode(&self, payload: &[u8], headers: &EventHeaders) -> Result<Self::Event, DecodeError>;

    /// Whether the provider reads a reply to `event` from the response (Twilio's TwiML, an
    /// interaction's answer): such an event is handled in the request, even in queued
    /// delivery, because the reply exists only once the handler has run.
    fn replies(&self, event: &Self::Event) -> bool {
        let _ = event;
        false
    }

    /// Handles one event. An error answers 500 in direct delivery (the provider retries) and is
    /// retried with backoff in queued delivery; a reply's body is sent back with status 200,
    /// no reply is a 204 (direct) or 202 (queued).
    fn handle(
        &self,
        event: Self::Event,
    ) -> impl Future<Output = Result<Reply, HandlerError>> + Send;
}

/// What the provider reads back from the response to an event: nothing, or a body with its
/// content type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply(Option<(String, bytes::Bytes)>);

impl Reply {
    /// No body: the status alone says the event was accepted.
    pub fn none() -> Self {
        Reply(None)
    }

    /// `body`, sent with `content_type`.
    pub fn body(content_type: impl Into<String>, body: impl Into<bytes::Bytes>) -> Self {
        Reply(Some((content_type.into(), body.into())))
    }

    /// `value` written in `format`, sent with `content_type`; a value that cannot be written so
    /// fails the delivery like a handler error.
    pub fn encode<T: serde::Serialize + ?Sized>(
        format: crate::ReplyFormat,
        content_type: &str,
        value: &T,
    ) -> Result<Self, HandlerError> {
        Ok(Reply::body(content_type, format.encode(value)?))
    }

    /// The content type and the body, if there is one.
    pub fn parts(&self) -> Option<(&str, &bytes::Bytes)> {
        self.0.as_ref().map(|(t, b)| (t.as_str(), b))
    }
}

/// The request headers an endpoint asked for ([`Endpoint::HEADERS`]), as received: names in
/// lower case, the first value of each, values that are not visible ASCII left out (no event
/// type is spelt with them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventHeaders(Vec<(String, String)>);

impl EventHeaders {
    /// No headers.
    pub fn new() -> Self {
        EventHeaders(Vec::new())
    }

    /// Of `headers`, the ones named in `names`.
    pub fn capture(headers: &http::HeaderMap, names: &[&str]) -> Self {
        let kept = names
            .iter()
            .filter_map(|name| {
                let value = headers.get(*name)?.to_str().ok()?;
                Some((name.to_ascii_lowercase(), value.to_owned()))
            })
            .collect();
        EventHeaders(kept)
    }

    /// Adds a header (tests, and queues reading a stored event back).
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The value of header `name`, whatever its case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header as (lower-case name, value), for generated dispatch.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// Whether no header was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a verified payload fits no message: a short reason, sent back in the 400 body, so it
/// must not echo the payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DecodeError {
    reason: String,
}

impl DecodeError {
    /// A decode error with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        DecodeError {
            reason: reason.into(),
        }
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl From<serde_json::Error> for DecodeError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json's message names the line, column and expected type, never the data.
        DecodeError::new(e.to_string())
    }
}

/// A handler's failure: retried (the default) or, with [`HandlerError::permanent`], sent
/// straight to the dead letters in queued delivery.
///
/// Any error converts into it with `?`. It deliberately does not implement
/// [`std::error::Error`] itself, as `anyhow::Error` does not: that blanket conversion would
/// otherwise conflict with the reflexive `From`.
pub struct HandlerError {
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
    permanent: bool,
}

impl HandlerError {
    /// A retryable failure caused by `error`.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        HandlerError {
            source: error.into(),
            permanent: false,
        }
    }

    /// A retryable failure with a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        HandlerError::new(message.to_string())
    }

    /// A failure that retrying cannot fix: in queued delivery the event goes to the dead
    /// letters at once (and can be replayed after a fix); in direct delivery it is a 500 like
    /// any other.
    pub fn permanent(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        HandlerError {
            source: error.into(),
            permanent: true,
        }
    }

    /// Whether retrying is pointless.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The underlying error.
    pub fn inner(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.source
    }
}

impl<E> From<E> for HandlerError
where
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    fn from(error: E) -> Self {
        HandlerError::new(error)
    }
}

impl fmt::Debug for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerError")
            .field("source", &self.source)
            .field("permanent", &self.permanent)
            .finish()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

/// What a generated handler's default method does with an event the user did not implement a
/// method for: logs it (at `debug`, with the message name; `None` for an unknown event) and
/// accepts it, so that adding a message to the spec never fails a delivery.
pub fn accept_unhandled(
    route: &'static str,
    message: Option<&'static str>,
) -> std::future::Ready<Result<(), HandlerError>> {
    match message {
        Some(message) => tracing::debug!(route, message, "event accepted without a handler"),
        None => tracing::debug!(route, "unknown event accepted"),
    }
    std::future::ready(Ok(()))
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why running an event failed.
#[derive(Debug)]
pub(crate) enum RunError {
    Decode(DecodeError),
    Handler(HandlerError),
}

/// An [`Endpoint`] with its event type erased, so routes of different types share one table.
pub(crate) trait ErasedEndpoint: Send + Sync + 'static {
    /// [`Endpoint::HEADERS`].
    fn headers(&self) -> &'static [&'static str];
    /// Decodes and drops: does the payload fit a message, and does the provider read a reply
    /// to it ([`Endpoint::replies`])?
    fn check(&self, payload: &[u8], headers: &EventHeaders) -> Result<bool, DecodeError>;
    /// Decodes and handles.
    fn run<'a>(
        &'a self,
        payload: &'a [u8],
        headers: &'a EventHeaders,
    ) -> BoxFuture<'a, Result<Reply, RunError>>;
}

impl<E: Endpoint> ErasedEndpoint for E {
    fn headers(&self) -> &'static [&'static str] {
        E::HEADERS
    }

    fn check(&self, payload: &[u8], headers: &EventHeaders) -> Result<bool, DecodeError> {
        self.decode(payload, headers)
            .map(|event| self.replies(&event))
    }

    fn run<'a>(
        &'a self,
        payload: &'a [u8],
        headers: &'a EventHeaders,
    ) -> BoxFuture<'a, Result<Reply, RunError>> {
        Box::pin(async move {
            let event = self.decode(payload, headers).map_err(RunError::Decode)?;
            self.handle(event).await.map_err(RunError::Handler)
        })
    }
}

/// Starts an endpoint on its own task so that a panicking handler is a failed attempt rather
/// than a dropped connection or a dead worker, and so that a worker can abandon it (timeout,
/// shutdown) by aborting the task.
pub(crate) fn spawn_run(
    endpoint: Arc<dyn ErasedEndpoint>,
    payload: bytes::Bytes,
    headers: EventHeaders,
) -> tokio::task::JoinHandle<Result<Reply, RunError>> {
    tokio::spawn(async move { endpoint.run(&payload, &headers).await })
}

/// The outcome of a task started by [`spawn_run`].
pub(crate) fn joined(
    result: Result<Result<Reply, RunError>, tokio::task::JoinError>,
) -> Result<Reply, RunError> {
    match result {
        Ok(result) => result,
        Err(join) if join.is_panic() => {
            Err(RunError::Handler(HandlerError::msg("the handler panicked")))
        }
        Err(_) => Err(RunError::Handler(HandlerError::msg(
            "the handler was cancelled",
        ))),
    }
}
