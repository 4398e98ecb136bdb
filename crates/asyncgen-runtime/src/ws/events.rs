//! What the client tells its consumer, and the bounded queue that carries it.
//!
//! Slow-consumer policy: **drop the oldest**. The queue holds at most
//! [`ClientConfig::event_capacity`](super::ClientConfig::event_capacity) events; when it is full
//! the oldest is discarded and counted. The alternative, making the socket reader wait for the
//! consumer, would stop the reader from seeing pongs, so a slow consumer would look like a dead
//! server and cause reconnect storms; and most servers disconnect clients that stop reading
//! anyway. Losses are visible: [`EventStream::dropped`] counts them and each loss is logged.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Why a connection ended (or never started).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Disconnect {
    /// The URL provider failed.
    #[error("the URL provider failed: {0}")]
    UrlProvider(String),
    /// TCP, TLS or the websocket handshake failed.
    #[error("could not connect: {0}")]
    ConnectFailed(String),
    /// Connecting took longer than the connect timeout.
    #[error("connecting timed out")]
    ConnectTimeout,
    /// The server sent a close frame.
    #[error("the server closed the connection with code {code}: {reason}")]
    ServerClosed {
        /// The close code (1000 normal, 1011 server error, ...); 1005 when the frame had none.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// The stream ended without a close frame.
    #[error("the connection ended without a close frame")]
    Eof,
    /// Reading failed.
    #[error("reading failed: {0}")]
    ReadFailed(String),
    /// Writing failed.
    #[error("writing failed: {0}")]
    WriteFailed(String),
    /// No frame arrived within the heartbeat timeout after a ping.
    #[error("no frame within the heartbeat timeout after a ping")]
    HeartbeatTimeout,
    /// The URL is about to expire; the client reconnects with a fresh one.
    #[error("the connection URL is about to expire")]
    UrlExpiring,
}

/// One item of an [`EventStream`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event<I> {
    /// A decoded message the protocol classified as [`Frame::Event`](super::Frame::Event).
    Message(I),
    /// A connection attempt has started.
    Connecting {
        /// Attempts since the client started or since the last stable connection, which counts
        /// as attempt 1 (so the first reconnect after it is attempt 2, after `initial`); a
        /// planned URL refresh of a stable connection starts again at 1.
        attempt: u32,
    },
    /// The websocket handshake succeeded; resubscription messages have been queued.
    Connected,
    /// The server acknowledged a subscription.
    Subscribed {
        /// As the protocol's [`Frame::Ack`](super::Frame::Ack) said.
        topics: Vec<String>,
    },
    /// The server refused a subscription; the topics are no longer active.
    SubscribeRejected {
        /// The refused topics.
        topics: Vec<String>,
        /// The server's reason.
        reason: String,
    },
    /// The connection is gone; attempt `attempt` follows after `delay`.
    Reconnecting {
        /// The number the next attempt will have.
        attempt: u32,
        /// The wait before it.
        delay: Duration,
        /// Why the previous connection ended or failed.
        reason: Disconnect,
    },
    /// A frame that did not decode; it was skipped.
    Malformed {
        /// The decoder's error.
        error: String,
    },
    /// The client stopped (after [`ClientHandle::close`](super::ClientHandle::close) or when
    /// every handle was dropped). Always the last event.
    Closed,
}

/// What the queue holds: an event, or a frame the protocol vouched to be an event, decoded only
/// when the consumer takes it. Decoding on the consumer's task keeps the reader free to read
/// and keeps each message's allocations on the thread that uses and frees them.
pub(crate) enum Item<I> {
    Ready(Event<I>),
    Raw(Raw),
}

/// An undecoded frame's payload.
pub(crate) enum Raw {
    /// Already checked to be UTF-8 by the websocket layer.
    Text(tokio_tungstenite::tungstenite::Utf8Bytes),
    Binary(bytes::Bytes),
}

/// A decoder of `T` frames (`str` or `[u8]`).
type DecodeFn<T, I> = Box<dyn Fn(&T) -> Result<I, super::BoxError> + Send + Sync>;

/// The protocol's decoders (text, binary), as the [`EventStream`] calls them.
pub(crate) struct Decoder<I> {
    pub(crate) text: DecodeFn<str, I>,
    pub(crate) binary: DecodeFn<[u8], I>,
}

/// State shared by the supervisor (producer) and the [`EventStream`] (consumer).
pub(crate) struct Queue<I> {
    events: Mutex<VecDeque<Item<I>>>,
    capacity: usize,
    ready: Notify,
    dropped: AtomicU64,
    finished: AtomicBool,
}

impl<I> Queue<I> {
    pub(crate) fn new(capacity: usize) -> Self {
        Queue {
            events: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity,
            ready: Notify::new(),
            dropped: AtomicU64::new(0),
            finished: AtomicBool::new(false),
        }
    }

    // Nothing panics while the lock is held, but a poisoned queue is still a valid queue.
    fn lock(&self) -> MutexGuard<'_, VecDeque<Item<I>>> {
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds an event, dropping the oldest when full.
    pub(crate) fn push(&self, event: Event<I>) {
        self.push_item(Item::Ready(event));
    }

    /// Adds a frame that is an event, to be decoded by the consumer; dropping the oldest when
    /// full.
    pub(crate) fn push_raw(&self, frame: Raw) {
        self.push_item(Item::Raw(frame));
    }

    fn push_item(&self, event: Item<I>) {
        let dropped_one = {
            let mut events = self.lock();
            let dropped_one = events.len() >= self.capacity && events.pop_front().is_some();
            events.push_back(event);
            dropped_one
        };
        if dropped_one {
            let total = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // Logging every loss of a flood would itself be a flood.
            if total.is_power_of_two() {
                tracing::warn!(
                    total,
                    "ws client: consumer too slow, dropped the oldest event"
                );
            }
        }
        self.ready.notify_one();
    }

    /// Pushes [`Event::Closed`] and marks the end of the stream.
    pub(crate) fn finish(&self) {
        self.push(Event::Closed);
        self.finished.store(true, Ordering::Release);
        self.ready.notify_one();
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The client's events, in order: messages and state changes. Single consumer.
///
/// Dropping the stream stops the client (nobody would see its events).
pub struct EventStream<I> {
    pub(crate) queue: Arc<Queue<I>>,
    pub(crate) stop: CancellationToken,
    pub(crate) decode: Decoder<I>,
}

impl<I> EventStream<I> {
    /// The next event; `None` after [`Event::Closed`] has been returned.
    pub async fn recv(&mut self) -> Option<Event<I>> {
        loop {
            if let Some(item) = self.queue.lock().pop_front() {
                return Some(self.resolve(item));
            }
            if self.queue.finished.load(Ordering::Acquire) {
                // `finish` pushes before setting the flag: check once more.
                let item = self.queue.lock().pop_front();
                return item.map(|i| self.resolve(i));
            }
            // `notify_one` leaves a permit when nobody waits, so a push between the check above
            // and this await is not missed.
            self.queue.ready.notified().await;
        }
    }

    /// The next event if one is ready.
    pub fn try_recv(&mut self) -> Option<Event<I>> {
        let item = self.queue.lock().pop_front();
        item.map(|i| self.resolve(i))
    }

    fn resolve(&self, item: Item<I>) -> Event<I> {
        match item {
            Item::Ready(event) => event,
            Item::Raw(frame) => match match &frame {
                Raw::Text(text) => (self.decode.text)(text.as_str()),
                Raw::Binary(bytes) => (self.decode.binary)(bytes),
            } {
                Ok(message) => Event::Message(message),
                Err(e) => {
                    tracing::debug!(error = %e, "ws client: skipped a malformed frame");
                    Event::Malformed {
                        error: e.to_string(),
                    }
                }
            },
        }
    }

    /// Events discarded so far because the consumer was too slow (the oldest go first).
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }
}

impl<I> Drop for EventStream<I> {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl<I> std::fmt::Debug for EventStream<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}
