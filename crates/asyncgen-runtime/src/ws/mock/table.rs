//! The connection table behind a mock server's lock: each connection's subscriptions, queues
//! and cancellation, plus the tokens and refusals, and what a connection's writer is sent.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

/// What the writer task sends, in order.
pub(super) enum Outbound {
    Frame(Message),
    /// [`MockServer::drop_every`](super::MockServer::drop_every): flush, then drop the
    /// connection without a close frame.
    Drop,
}

/// What the writer task does ahead of the queue.
pub(super) enum Control {
    Close(CloseFrame),
    Send(Message),
}

/// One connection's cancellation, shared by its tasks, its table entry and its socket.
#[derive(Clone)]
pub(super) struct Links {
    /// Ends the connection now, without a close frame. A child of the server's `stop`.
    pub(super) kill: CancellationToken,
    /// No more events: the connection is silenced, closing or ending. A child of `kill`.
    pub(super) halt: CancellationToken,
    /// [`Fault::Silence`](super::Fault::Silence): wakes the tasks.
    pub(super) silence: CancellationToken,
    /// [`Fault::Silence`](super::Fault::Silence): read by the socket on every read and write.
    pub(super) silenced: Arc<AtomicBool>,
}

impl Links {
    pub(super) fn new(stop: &CancellationToken, silenced: Arc<AtomicBool>) -> Self {
        let kill = stop.child_token();
        Links {
            halt: kill.child_token(),
            kill,
            silence: CancellationToken::new(),
            silenced,
        }
    }
}

/// A registered (handshake completed) connection.
pub(super) struct Conn {
    pub(super) token: Option<String>,
    pub(super) topics: BTreeSet<String>,
    pub(super) queue: mpsc::Sender<Outbound>,
    pub(super) control: mpsc::Sender<Control>,
    pub(super) links: Links,
    /// Events published to it, for `drop_every`.
    pub(super) sent: u64,
    /// The `drop_every` marker is queued: nothing more goes to it.
    pub(super) dropping: bool,
}

impl Conn {
    pub(super) fn new(
        token: Option<String>,
        queue: mpsc::Sender<Outbound>,
        control: mpsc::Sender<Control>,
        links: Links,
    ) -> Self {
        Conn {
            token,
            topics: BTreeSet::new(),
            queue,
            control,
            links,
            sent: 0,
            dropping: false,
        }
    }

    /// Sends a close frame (ahead of queued events); no more events go to it.
    pub(super) fn close(&self, code: u16, reason: &str) {
        self.links.halt.cancel();
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        if self.control.try_send(Control::Close(frame)).is_err() {
            // Flooded with faults, or already ending: drop it instead.
            self.links.kill.cancel();
        }
    }
}

/// Everything behind the server's lock.
#[derive(Default)]
pub(super) struct State {
    pub(super) conns: BTreeMap<u64, Conn>,
    pub(super) tokens: HashSet<String>,
    pub(super) expired: HashSet<String>,
    /// Topic → the serialised refusal reply (`None` if it did not serialise: refused silently).
    pub(super) refusals: HashMap<String, Option<Utf8Bytes>>,
}

impl State {
    pub(super) fn subscribed(&self, topics: &[&str]) -> bool {
        self.conns
            .values()
            .any(|c| topics.iter().all(|t| c.topics.contains(*t)))
    }

    /// The HTTP status refusing `token`, if it is refused.
    pub(super) fn refusal(&self, token: Option<&str>) -> Option<u16> {
        if token.is_some_and(|t| self.expired.contains(t)) {
            return Some(401);
        }
        if self.tokens.is_empty() || token.is_some_and(|t| self.tokens.contains(t)) {
            None
        } else {
            Some(401)
        }
    }
}
