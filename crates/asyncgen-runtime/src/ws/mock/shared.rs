//! The state a mock server's handle and its connection tasks share (the [`State`] table behind
//! a lock, the event broadcast, counters) and what they do with it: registering connections,
//! handling requests, injecting faults and fanning published events out.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use super::table::{Conn, Control, Links, Outbound, State};
use super::{Fault, MockEvent, MockProtocol, RequestKind};

/// Frames queued per connection (events and replies).
pub(super) const QUEUE_CAPACITY: usize = 1024;
/// Faults and closes queued per connection; they are rare.
pub(super) const CONTROL_CAPACITY: usize = 16;
/// How long a server-initiated close waits for the client's answer before dropping.
pub(super) const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// How long `publish` waits on one connection's full queue before treating it as dead.
const PUBLISH_WAIT: Duration = Duration::from_secs(10);
const EVENTS_CAPACITY: usize = 4096;
/// What [`Fault::Malformed`] sends.
const MALFORMED: &str = "{\"event_type\": ";

/// A connection an event is being delivered to.
struct Target {
    queue: mpsc::Sender<Outbound>,
    links: Links,
    drop_after: bool,
}

pub(super) struct Shared<P: MockProtocol> {
    pub(super) protocol: P,
    pub(super) addr: SocketAddr,
    /// Everything ends: cancelled by `shutdown` and when the last `MockServer` is dropped.
    pub(super) stop: CancellationToken,
    /// The accept loop ends. A child of `stop`.
    pub(super) accepting: CancellationToken,
    pub(super) events: broadcast::Sender<MockEvent>,
    state: Mutex<State>,
    /// Bumped whenever connections or subscriptions change, for the `wait_*` methods.
    changes: watch::Sender<()>,
    accepted: AtomicU64,
    next_id: AtomicU64,
    drop_every: AtomicU64,
}

/// `value` as a text frame's payload; `None` (logged) if it does not serialise.
pub(super) fn encode<T: serde::Serialize>(value: &T) -> Option<Utf8Bytes> {
    match serde_json::to_string(value) {
        Ok(text) => Some(Utf8Bytes::from(text)),
        Err(e) => {
            tracing::warn!(error = %e, "ws mock: could not serialise a message");
            None
        }
    }
}

impl<P: MockProtocol> Shared<P> {
    pub(super) fn new(protocol: P, addr: SocketAddr) -> Self {
        let stop = CancellationToken::new();
        Shared {
            protocol,
            addr,
            accepting: stop.child_token(),
            stop,
            events: broadcast::channel(EVENTS_CAPACITY).0,
            state: Mutex::new(State::default()),
            changes: watch::channel(()).0,
            accepted: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            drop_every: AtomicU64::new(0),
        }
    }

    // Nothing panics while the lock is held but `MockProtocol::matches`; a poisoned table is
    // still a valid table.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn emit(&self, event: MockEvent) {
        // No receiver is not an error.
        let _ = self.events.send(event);
    }

    fn changed(&self) {
        self.changes.send_replace(());
    }

    pub(super) fn connections(&self) -> usize {
        self.lock().conns.len()
    }

    pub(super) fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    pub(super) fn set_drop_every(&self, n: u64) {
        self.drop_every.store(n, Ordering::Relaxed);
    }

    pub(super) fn accept_token(&self, token: String) {
        let mut state = self.lock();
        state.expired.remove(&token);
        state.tokens.insert(token);
    }

    pub(super) fn refuse(&self, topic: String, reply: Option<Utf8Bytes>) {
        self.lock().refusals.insert(topic, reply);
    }

    /// Whether a handshake presenting `token` is refused, and with which status.
    pub(super) fn admit(&self, token: Option<&str>) -> Option<u16> {
        self.lock().refusal(token)
    }

    /// Adds a connection whose handshake completed; returns its id.
    pub(super) fn register(
        &self,
        path: String,
        token: Option<String>,
        queue: mpsc::Sender<Outbound>,
        control: mpsc::Sender<Control>,
        links: Links,
    ) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut state = self.lock();
            // The token may have expired during the handshake.
            let expired = token.as_deref().is_some_and(|t| state.expired.contains(t));
            let conn = Conn::new(token, queue, control, links);
            if expired {
                conn.close(4001, "token expired");
            }
            state.conns.insert(id, conn);
        }
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.emit(MockEvent::Connected { id, path });
        self.changed();
        id
    }

    /// Removes a connection that ended and ends its tasks.
    pub(super) fn unregister(&self, id: u64) {
        let conn = self.lock().conns.remove(&id);
        if let Some(conn) = conn {
            conn.links.kill.cancel();
            self.emit(MockEvent::Disconnected { id });
            self.changed();
        }
    }

    /// Handles a text frame from connection `id`; returns the reply to queue, if any.
    pub(super) fn on_text(&self, id: u64, text: &str) -> Option<Utf8Bytes> {
        self.emit(MockEvent::Received {
            id,
            text: text.to_owned(),
        });
        let message: P::Incoming = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(e) => {
                return self
                    .protocol
                    .invalid(&e.to_string())
                    .and_then(|r| encode(&r));
            }
        };
        let request = self.protocol.request(&message)?;
        {
            let mut state = self.lock();
            if request.kind == RequestKind::Subscribe
                && let Some(reply) = request.topics.iter().find_map(|t| state.refusals.get(t))
            {
                return reply.clone();
            }
            let conn = state.conns.get_mut(&id)?;
            match request.kind {
                RequestKind::Subscribe => conn.topics.extend(request.topics.iter().cloned()),
                RequestKind::Unsubscribe => {
                    for topic in &request.topics {
                        conn.topics.remove(topic);
                    }
                }
            }
        }
        let topics = request.topics.clone();
        self.emit(match request.kind {
            RequestKind::Subscribe => MockEvent::Subscribed { id, topics },
            RequestKind::Unsubscribe => MockEvent::Unsubscribed { id, topics },
        });
        self.changed();
        self.protocol.ack(&request).and_then(|r| encode(&r))
    }

    pub(super) async fn publish(&self, topic: Option<&str>, text: Utf8Bytes) -> usize {
        let every = self.drop_every.load(Ordering::Relaxed);
        let everyone = topic.is_none() || self.protocol.implicit_subscription();
        // Snapshot the targets; the sends, which may wait, happen outside the lock.
        let targets: Vec<Target> = {
            let mut state = self.lock();
            state
                .conns
                .values_mut()
                .filter(|c| !c.dropping && !c.links.halt.is_cancelled())
                .filter(|c| {
                    everyone
                        || topic
                            .is_some_and(|t| c.topics.iter().any(|p| self.protocol.matches(p, t)))
                })
                .map(|c| {
                    c.sent = c.sent.saturating_add(1);
                    let drop_after = every > 0 && c.sent % every == 0;
                    c.dropping = drop_after;
                    Target {
                        queue: c.queue.clone(),
                        links: c.links.clone(),
                        drop_after,
                    }
                })
                .collect()
        };
        let mut queued = 0;
        for target in targets {
            let frame = Outbound::Frame(Message::Text(text.clone()));
            if !deliver(&target, frame).await {
                continue;
            }
            queued += 1;
            if target.drop_after {
                deliver(&target, Outbound::Drop).await;
            }
        }
        queued
    }

    pub(super) fn fault(&self, fault: Fault) {
        let mut state = self.lock();
        match fault {
            Fault::Drop => state.conns.values().for_each(|c| c.links.kill.cancel()),
            Fault::Silence => {
                for c in state.conns.values() {
                    c.links.silenced.store(true, Ordering::Release);
                    c.links.silence.cancel();
                    c.links.halt.cancel();
                }
            }
            Fault::Close { code, reason } => {
                state.conns.values().for_each(|c| c.close(code, &reason));
            }
            Fault::Malformed => {
                for c in state.conns.values() {
                    if c.links.halt.is_cancelled() {
                        continue;
                    }
                    let frame = Control::Send(Message::text(MALFORMED));
                    if c.control.try_send(frame).is_err() {
                        tracing::warn!("ws mock: control queue full, malformed frame not sent");
                    }
                }
            }
            Fault::ExpireToken(token) => {
                state
                    .conns
                    .values()
                    .filter(|c| c.token.as_deref() == Some(token.as_str()))
                    .for_each(|c| c.close(4001, "token expired"));
                state.tokens.remove(&token);
                state.expired.insert(token);
            }
        }
    }

    pub(super) fn close_all(&self, code: u16, reason: &str) {
        self.lock()
            .conns
            .values()
            .for_each(|c| c.close(code, reason));
    }

    /// Waits (bounded by `limit`) until `done` holds for the table.
    pub(super) async fn wait_until(&self, limit: Duration, done: impl Fn(&State) -> bool) -> bool {
        // Subscribed before the first check, so no change after it is missed.
        let mut changes = self.changes.subscribe();
        // tokio's `timeout` treats an overflowing deadline as never.
        timeout(limit, async {
            loop {
                let ready = done(&self.lock());
                if ready {
                    return;
                }
                if changes.changed().await.is_err() {
                    // Cannot happen while `self` holds the sender; never spin.
                    std::future::pending::<()>().await;
                }
            }
        })
        .await
        .is_ok()
    }
}

/// Queues `frame` for `target`: at once if there is room, else waiting while the connection
/// is live, for at most [`PUBLISH_WAIT`] (then the connection is dropped). False if not queued.
async fn deliver(target: &Target, frame: Outbound) -> bool {
    let frame = match target.queue.try_send(frame) {
        Ok(()) => return true,
        Err(mpsc::error::TrySendError::Closed(_)) => return false,
        Err(mpsc::error::TrySendError::Full(frame)) => frame,
    };
    tokio::select! {
        biased;
        () = target.links.halt.cancelled() => false,
        sent = timeout(PUBLISH_WAIT, target.queue.send(frame)) => match sent {
            Ok(Ok(())) => true,
            Ok(Err(_closed)) => false,
            Err(_elapsed) => {
                tracing::warn!("ws mock: a connection's queue stayed full, dropping it");
                target.links.kill.cancel();
                false
            }
        },
    }
}
