//! A mock of a spec's websocket server (feature `ws-mock`), so that generated clients, and the
//! applications built on them, can be tested against the server's behaviour, faults included,
//! without the real service.
//!
//! Like the client, most of a websocket server is the same whatever the API: accept, check a
//! token, keep each connection's subscriptions, acknowledge or refuse them, fan events out to the
//! connections whose subscriptions match, and misbehave on request (drop, go silent, close with
//! an error, send garbage, expire a token). This module is that code, once; generated code only
//! describes the server as a [`MockProtocol`].
//!
//! ```no_run
//! # use asyncgen_runtime::ws::mock::*;
//! # #[derive(serde::Deserialize)] struct In { op: String, args: Vec<String> }
//! # #[derive(serde::Serialize)] struct Out { topic: String }
//! struct Api;
//! impl MockProtocol for Api {
//!     type Incoming = In;
//!     type Outgoing = Out;
//!     fn request(&self, m: &In) -> Option<Request> {
//!         let kind = match m.op.as_str() {
//!             "subscribe" => RequestKind::Subscribe,
//!             "unsubscribe" => RequestKind::Unsubscribe,
//!             _ => return None,
//!         };
//!         Some(Request { kind, topics: m.args.clone() })
//!     }
//!     fn ack(&self, _request: &Request) -> Option<Out> { None }
//!     fn topic(&self, event: &Out) -> Option<String> { Some(event.topic.clone()) }
//! }
//! # async fn run() -> std::io::Result<()> {
//! let server = MockServer::bind("127.0.0.1:0", Api).await?;
//! let url = server.url("/ws");
//! // ... point the client at `url`, then:
//! server.publish(&Out { topic: "trades.BTC".into() }).await;
//! server.fault(Fault::Drop);
//! # Ok(()) }
//! ```
//!
//! The crate README describes the behaviour in full.

mod connection;
mod shared;
mod table;
mod tap;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use shared::Shared;

/// What a spec's server does, supplied by generated code.
///
/// Every method must be cheap and must not block: they run on the connections' tasks (and
/// `matches` while the subscription table is locked).
pub trait MockProtocol: Send + Sync + 'static {
    /// Messages clients send.
    type Incoming: serde::de::DeserializeOwned + Send + 'static;
    /// Messages the server sends.
    type Outgoing: serde::Serialize + Send + Sync + 'static;

    /// Whether `message` subscribes or unsubscribes, and to which topics. `None`: neither (no
    /// reply is sent).
    fn request(&self, message: &Self::Incoming) -> Option<Request>;

    /// The acknowledgement of an accepted request; `None` when the protocol has none.
    fn ack(&self, request: &Request) -> Option<Self::Outgoing>;

    /// The reply to a text frame that did not decode as `Incoming`; `None` to ignore it.
    fn invalid(&self, _error: &str) -> Option<Self::Outgoing> {
        None
    }

    /// The topic an event is published on; `None` for a message that goes to every connection.
    fn topic(&self, event: &Self::Outgoing) -> Option<String>;

    /// Whether the subscribed `pattern` covers `topic` (wildcards); by default equality.
    fn matches(&self, pattern: &str, topic: &str) -> bool {
        pattern == topic
    }

    /// The token a connection presents, read from the request's path and query (e.g.
    /// `/v1.0/ws?token=abc`); `None` when absent.
    fn token(&self, _path_and_query: &str) -> Option<String> {
        None
    }

    /// Whether connections receive events without subscribing (servers whose connection URL
    /// selects the events); default false.
    fn implicit_subscription(&self) -> bool {
        false
    }
}

/// A subscription change a client asked for, as [`MockProtocol::request`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Subscribe or unsubscribe.
    pub kind: RequestKind,
    /// The topics (or patterns) concerned.
    pub topics: Vec<String>,
}

/// Which way a [`Request`] changes the subscription set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Add the topics.
    Subscribe,
    /// Remove the topics.
    Unsubscribe,
}

/// A failure [`MockServer::fault`] injects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Drop every open connection without a close frame (TCP closed abruptly).
    Drop,
    /// Stop reading and writing on every open connection while keeping TCP open: pings go
    /// unanswered (tungstenite only answers pings while reading), so a client must detect the
    /// dead connection by its heartbeat. The connection is dropped once the client closes it or
    /// after 5 minutes.
    Silence,
    /// Close every open connection with this code and reason (e.g. 1011).
    Close {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// Send one malformed text frame (not JSON: `{"event_type": ` truncated) to every open
    /// connection.
    Malformed,
    /// Treat `token` as expired: open connections that presented it are closed with code 4001
    /// and reason "token expired"; new connections presenting it are refused at the handshake
    /// with HTTP 401.
    ExpireToken(String),
}

/// Something that happened on a [`MockServer`], as [`MockServer::events`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockEvent {
    /// A websocket handshake completed.
    Connected {
        /// The connection's id (from 1, in order of acceptance).
        id: u64,
        /// The path and query as requested.
        path: String,
    },
    /// A handshake was refused (token missing, unknown or expired).
    Refused {
        /// The path and query as requested.
        path: String,
        /// The HTTP status answered.
        status: u16,
    },
    /// A client sent a text frame.
    Received {
        /// The connection.
        id: u64,
        /// The frame's text.
        text: String,
    },
    /// A connection subscribed.
    Subscribed {
        /// The connection.
        id: u64,
        /// The topics, as requested.
        topics: Vec<String>,
    },
    /// A connection unsubscribed.
    Unsubscribed {
        /// The connection.
        id: u64,
        /// The topics, as requested.
        topics: Vec<String>,
    },
    /// A connection ended.
    Disconnected {
        /// The connection.
        id: u64,
    },
}

/// A running mock server. Cheap to clone; it stops accepting and drops every connection when
/// the last clone is dropped.
pub struct MockServer<P: MockProtocol> {
    handle: Arc<Handle<P>>,
}

/// Owned by the [`MockServer`] clones only (tasks hold [`Shared`]): its drop ends everything.
struct Handle<P: MockProtocol> {
    shared: Arc<Shared<P>>,
    accept_task: Mutex<Option<JoinHandle<()>>>,
}

impl<P: MockProtocol> Drop for Handle<P> {
    fn drop(&mut self) {
        self.shared.stop.cancel();
    }
}

impl<P: MockProtocol> Clone for MockServer<P> {
    fn clone(&self) -> Self {
        MockServer {
            handle: Arc::clone(&self.handle),
        }
    }
}

impl<P: MockProtocol> std::fmt::Debug for MockServer<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.local_addr())
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl<P: MockProtocol> MockServer<P> {
    fn shared(&self) -> &Shared<P> {
        &self.handle.shared
    }

    /// Binds (e.g. "127.0.0.1:0") and starts accepting on the current tokio runtime.
    pub async fn bind(addr: impl ToSocketAddrs, protocol: P) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let shared = Arc::new(Shared::new(protocol, listener.local_addr()?));
        let accept_task = tokio::spawn(connection::accept_loop(Arc::clone(&shared), listener));
        Ok(MockServer {
            handle: Arc::new(Handle {
                shared,
                accept_task: Mutex::new(Some(accept_task)),
            }),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared().addr
    }

    /// `ws://{addr}{path_and_query}`; `path_and_query` should start with `/`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{}", self.local_addr(), path_and_query)
    }

    /// From now on connections must present one of the accepted tokens (as
    /// [`MockProtocol::token`] reads it); unknown → 401, expired → 401. Accepting an expired
    /// token makes it valid again.
    pub fn accept_token(&self, token: impl Into<String>) {
        self.shared().accept_token(token.into());
    }

    /// When a subscribe request names `topic` (exact string), answer with `reply` instead of the
    /// ack and add none of that request's topics.
    pub fn refuse(&self, topic: impl Into<String>, reply: P::Outgoing) {
        let reply = shared::encode(&reply);
        self.shared().refuse(topic.into(), reply);
    }

    /// Publishes to every connection with a subscription matching the event's topic (or, for
    /// implicit-subscription protocols or topic `None`, to every connection). Serialises once.
    /// Waits while a connection's outgoing queue is full (backpressure; capacity 1024 frames),
    /// but never on a silenced, closing or dead connection, which is skipped; a connection whose
    /// queue stays full for 10 s is treated as dead and dropped. Returns how many connections
    /// the event was queued for (0 if it does not serialise).
    pub async fn publish(&self, event: &P::Outgoing) -> usize {
        let Some(text) = shared::encode(event) else {
            return 0;
        };
        let topic = self.shared().protocol.topic(event);
        self.shared().publish(topic.as_deref(), text).await
    }

    /// [`publish`](Self::publish) with an already-serialised text frame and its topic.
    pub async fn publish_text(&self, topic: Option<&str>, text: impl Into<String>) -> usize {
        let text = Utf8Bytes::from(text.into());
        self.shared().publish(topic, text).await
    }

    /// Injects a fault (see [`Fault`]) into the connections open now.
    pub fn fault(&self, fault: Fault) {
        self.shared().fault(fault);
    }

    /// After every `n` events published to a connection, drop it without a close frame (the
    /// `n`-th event is written first); `None` (or `Some(0)`) turns it off. Counts start with
    /// each connection.
    pub fn drop_every(&self, n: Option<u64>) {
        self.shared().set_drop_every(n.unwrap_or(0));
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        self.shared().connections()
    }

    /// Total connections accepted so far (handshake completed).
    pub fn accepted(&self) -> u64 {
        self.shared().accepted()
    }

    /// Waits (bounded by `limit`) until some open connection's subscription set contains every
    /// one of `topics`; false on timeout.
    pub async fn wait_subscribed(&self, topics: &[&str], limit: Duration) -> bool {
        self.shared()
            .wait_until(limit, |state| state.subscribed(topics))
            .await
    }

    /// Waits (bounded by `limit`) until exactly `n` connections are open; false on timeout.
    pub async fn wait_connections(&self, n: usize, limit: Duration) -> bool {
        self.shared()
            .wait_until(limit, |state| state.conns.len() == n)
            .await
    }

    /// A receiver of everything that happens from now on (tokio broadcast, capacity 4096: a
    /// receiver that falls further behind loses the oldest).
    pub fn events(&self) -> broadcast::Receiver<MockEvent> {
        self.shared().events.subscribe()
    }

    /// Stops accepting (the port is released) and closes every connection with 1001, waiting
    /// at most 2 s for the close handshakes before dropping what is left.
    pub async fn shutdown(&self) {
        let shared = self.shared();
        shared.accepting.cancel();
        let accept_task = self
            .handle
            .accept_task
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(task) = accept_task {
            let _ = timeout(Duration::from_secs(1), task).await;
        }
        shared.close_all(1001, "server shutting down");
        let limit = shared::CLOSE_WAIT + Duration::from_millis(500);
        if !self.wait_connections(0, limit).await {
            shared.stop.cancel();
            self.wait_connections(0, Duration::from_secs(1)).await;
        }
        shared.stop.cancel();
    }
}
