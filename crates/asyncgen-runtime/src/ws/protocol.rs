//! The part of a websocket API that differs per spec, supplied by generated code: how messages
//! are encoded and decoded, what subscribing looks like on the wire, and which incoming messages
//! answer a subscription rather than carry an event.

use super::config::BoxError;

/// What an incoming message is, as far as the supervisor is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame {
    /// An application event: delivered as [`Event::Message`](super::Event::Message).
    Event,
    /// The server confirms a subscription to `topics`. Not delivered as a message. An empty
    /// list confirms the oldest pending subscription, for servers whose acks do not say which.
    Ack {
        /// The confirmed topics.
        topics: Vec<String>,
    },
    /// The server refuses a subscription to `topics`: they are removed from the active set (so
    /// they are not resubscribed) and the waiting `subscribe` call fails. Not delivered.
    Error {
        /// The refused topics.
        topics: Vec<String>,
        /// The server's reason.
        reason: String,
    },
    /// Protocol chatter (application-level heartbeats, welcome banners): counts as a sign of
    /// life, nothing else.
    Ignore,
}

/// A websocket API as generated code describes it.
///
/// `encode` and `decode` default to JSON text frames; override them for other encodings.
/// Every method must be cheap and must not block: they run on the connection's tasks. They
/// should not panic either: a panic in `decode` or `classify` ends the reader, which the
/// heartbeat then reports as a dead connection; one in the other methods stops the client
/// (the stream ends with [`Event::Closed`](super::Event::Closed)).
pub trait Protocol: Send + Sync + 'static {
    /// Messages the client sends.
    type Outgoing: serde::Serialize + Send + 'static;
    /// Messages the server sends.
    type Incoming: serde::de::DeserializeOwned + Send + 'static;

    /// The messages that subscribe to `topics` (often one message listing them).
    fn subscribe(&self, topics: &[String]) -> Vec<Self::Outgoing>;

    /// The messages that unsubscribe from `topics`.
    fn unsubscribe(&self, topics: &[String]) -> Vec<Self::Outgoing>;

    /// The messages that restore the active subscription set after a reconnect; by default the
    /// same as subscribing to all of them.
    fn resubscribe(&self, topics: &[String]) -> Vec<Self::Outgoing> {
        self.subscribe(topics)
    }

    /// Whether `message` is an event or answers a subscription.
    fn classify(&self, message: &Self::Incoming) -> Frame;

    /// Whether the frame with this payload is certainly an event ([`Frame::Event`]), judged
    /// without decoding it. Such frames are queued as they are and decoded by the consumer, in
    /// [`EventStream::recv`](super::EventStream::recv), on its own task: the reader stays free
    /// to read, and each message is allocated and freed on one thread. Others are decoded and
    /// classified by the reader. `false` (the default) is always correct; `true` for a reply
    /// only means its acknowledgement goes unnoticed (the subscribe call times out).
    fn is_event_frame(&self, payload: &[u8]) -> bool {
        let _ = payload;
        false
    }

    /// Whether [`Frame::Ack`] and [`Frame::Error`] messages are also delivered, as
    /// [`Event::Message`](super::Event::Message) right after the
    /// [`Event::Subscribed`](super::Event::Subscribed) /
    /// [`Event::SubscribeRejected`](super::Event::SubscribeRejected) they cause, for consumers
    /// that want the typed reply (an error code, say). Off by default.
    fn deliver_replies(&self) -> bool {
        false
    }

    /// The payload of a text frame for `message`.
    fn encode(&self, message: &Self::Outgoing) -> Result<String, BoxError> {
        Ok(serde_json::to_string(message)?)
    }

    /// The message in a text or binary frame's payload. An error is reported as
    /// [`Event::Malformed`](super::Event::Malformed) and the frame skipped; it never ends the
    /// connection.
    fn decode(&self, payload: &[u8]) -> Result<Self::Incoming, BoxError> {
        Ok(serde_json::from_slice(payload)?)
    }

    /// The message in a text frame, whose payload the websocket layer has already checked to be
    /// UTF-8; by default [`decode`](Self::decode) of its bytes. Override it to skip checking
    /// again (`serde_json::from_str` does not).
    fn decode_text(&self, text: &str) -> Result<Self::Incoming, BoxError> {
        self.decode(text.as_bytes())
    }
}

/// Whether `needle` occurs in `haystack` (SIMD substring search): what a generated
/// [`Protocol::is_event_frame`] uses to rule out the markers of replies without decoding.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}
