//! The websocket client supervisor generated clients call (feature `ws-client`).
//!
//! A websocket API's client is mostly the same code whatever the API: connect, subscribe,
//! notice when the connection dies (including the silent, half-open kind), reconnect with
//! backoff, restore the subscriptions, refresh short-lived URLs, and never let one bad frame or
//! a slow consumer take the process down. This module is that code, once; generated code only
//! describes the API as a [`Protocol`] (message types, what subscribing looks like, which
//! messages are acks).
//!
//! ```no_run
//! # use asyncgen_runtime::ws::*;
//! # #[derive(serde::Serialize)] struct Out { op: &'static str, args: Vec<String> }
//! # #[derive(serde::Deserialize)] struct In { op: String, args: Vec<String> }
//! struct Api;
//! impl Protocol for Api {
//!     type Outgoing = Out;
//!     type Incoming = In;
//!     fn subscribe(&self, topics: &[String]) -> Vec<Out> {
//!         vec![Out { op: "subscribe", args: topics.to_vec() }]
//!     }
//!     fn unsubscribe(&self, topics: &[String]) -> Vec<Out> {
//!         vec![Out { op: "unsubscribe", args: topics.to_vec() }]
//!     }
//!     fn classify(&self, m: &In) -> Frame {
//!         match m.op.as_str() {
//!             "subscribed" => Frame::Ack { topics: m.args.clone() },
//!             _ => Frame::Event,
//!         }
//!     }
//! }
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let (client, mut events) = Client::spawn(ClientConfig::new("wss://example.com/ws"), Api)?;
//! client.subscribe(["trades.BTC"]).await?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         Event::Message(m) => { /* handle */ }
//!         Event::Closed => break,
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The crate README describes the reconnect, heartbeat and slow-consumer behaviour in full.

mod config;
mod events;
mod protocol;
mod supervisor;

#[cfg(feature = "ws-mock")]
pub mod mock;

use std::sync::{Arc, Once};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

pub use config::{
    BoxError, BoxFuture, ClientConfig, ConnectionUrl, ExpiringUrl, Heartbeat, Jitter,
    ReconnectPolicy, UrlProvider, with_query,
};
pub use events::{Disconnect, Event, EventStream};
pub use protocol::{Frame, Protocol, contains};

use crate::ConfigError;
use events::Queue;
use supervisor::{Command, Supervisor};

/// Requests waiting for the supervisor; it answers each without awaiting anything, so the
/// queue drains quickly and a small bound suffices.
const COMMAND_CAPACITY: usize = 64;

/// Why a request to the client failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The client has stopped.
    #[error("the websocket client has stopped")]
    Closed,
    /// There is no connection right now (it is being re-established).
    #[error("the websocket is not connected")]
    NotConnected,
    /// The outgoing queue ([`ClientConfig::write_capacity`]) is full: the socket is not keeping
    /// up.
    #[error("the websocket write queue is full")]
    WriteBufferFull,
    /// The protocol could not encode the message.
    #[error("could not encode the message: {0}")]
    Encode(String),
    /// The server refused the subscription; the topics are no longer active.
    #[error("the server refused the subscription to {topics:?}: {reason}")]
    Rejected {
        /// The refused topics.
        topics: Vec<String>,
        /// The server's reason.
        reason: String,
    },
}

/// How a subscription request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// The server acknowledged every topic.
    Confirmed,
    /// No acknowledgement within [`ClientConfig::ack_timeout`]. The topics stay active (some
    /// servers never acknowledge) and are resubscribed after reconnects.
    TimedOut,
}

/// Starts websocket clients.
#[derive(Debug)]
pub struct Client;

impl Client {
    /// Validates `config` and starts the supervisor on the current tokio runtime; it connects
    /// at once. Returns the handle for requests and the stream of events.
    ///
    /// The client stops on [`ClientHandle::close`], when every handle is dropped, or when the
    /// event stream is dropped.
    pub fn spawn<P: Protocol>(
        config: ClientConfig,
        protocol: P,
    ) -> Result<(ClientHandle<P>, EventStream<P::Incoming>), ConfigError> {
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            ConfigError::InvalidSetting("ws client: Client::spawn needs a tokio runtime".into())
        })?;
        install_crypto_provider();
        let queue = Arc::new(Queue::new(config.event_capacity));
        let protocol = Arc::new(protocol);
        let (text, binary) = (Arc::clone(&protocol), Arc::clone(&protocol));
        let decode = events::Decoder {
            text: Box::new(move |frame| text.decode_text(frame)),
            binary: Box::new(move |frame| binary.decode(frame)),
        };
        let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let stop = CancellationToken::new();
        let done = CancellationToken::new();
        let ack_timeout = config.ack_timeout;
        let supervisor = Supervisor::new(
            config,
            protocol,
            command_rx,
            Arc::clone(&queue),
            stop.clone(),
        );
        let finished = Finished {
            queue: Arc::clone(&queue),
            done: done.clone(),
        };
        runtime.spawn(async move {
            // Marks the end even if the task is aborted by a runtime shutdown.
            let _finished = finished;
            supervisor.run().await;
        });
        let handle = ClientHandle {
            commands: command_tx,
            stop: stop.clone(),
            done,
            ack_timeout,
        };
        Ok((
            handle,
            EventStream {
                queue,
                stop,
                decode,
            },
        ))
    }
}

/// Ends the event stream and wakes `close` callers when the supervisor task ends, however.
struct Finished<I> {
    queue: Arc<Queue<I>>,
    done: CancellationToken,
}

impl<I> Drop for Finished<I> {
    fn drop(&mut self) {
        self.queue.finish();
        self.done.cancel();
    }
}

/// rustls needs a process-wide crypto provider when none is chosen per connection. Install
/// aws-lc-rs (what reqwest already uses) once; if the application installed one first, that
/// one stays and is used.
fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}

/// Requests to a running client. Cheap to clone; the client stops when the last clone is
/// dropped.
pub struct ClientHandle<P: Protocol> {
    commands: mpsc::Sender<Command<P::Outgoing>>,
    stop: CancellationToken,
    done: CancellationToken,
    ack_timeout: Duration,
}

impl<P: Protocol> Clone for ClientHandle<P> {
    fn clone(&self) -> Self {
        ClientHandle {
            commands: self.commands.clone(),
            stop: self.stop.clone(),
            done: self.done.clone(),
            ack_timeout: self.ack_timeout,
        }
    }
}

impl<P: Protocol> std::fmt::Debug for ClientHandle<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHandle")
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl<P: Protocol> ClientHandle<P> {
    async fn request(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<(), ClientError>>) -> Command<P::Outgoing>,
    ) -> Result<oneshot::Receiver<Result<(), ClientError>>, ClientError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| ClientError::Closed)?;
        Ok(answer)
    }

    /// Adds `topics` to the active set (resubscribed after every reconnect) and sends the
    /// protocol's subscribe messages, or records them for the next connection if disconnected.
    /// Waits at most [`ClientConfig::ack_timeout`] for the acknowledgement, counted from when the
    /// request reaches the client (at once, unless it is flooded with requests).
    pub async fn subscribe<T: Into<String>>(
        &self,
        topics: impl IntoIterator<Item = T>,
    ) -> Result<Ack, ClientError> {
        let mut topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        topics.sort();
        topics.dedup();
        if topics.is_empty() {
            return Ok(Ack::Confirmed);
        }
        let answer = self
            .request(|reply| Command::Subscribe { topics, reply })
            .await?;
        // tokio's `timeout` treats an overflowing deadline as never.
        match timeout(self.ack_timeout, answer).await {
            Ok(Ok(result)) => result.map(|()| Ack::Confirmed),
            Ok(Err(_dropped)) => Err(ClientError::Closed),
            Err(_elapsed) => Ok(Ack::TimedOut),
        }
    }

    /// Removes `topics` from the active set and, when connected, sends the protocol's
    /// unsubscribe messages (no acknowledgement is awaited).
    pub async fn unsubscribe<T: Into<String>>(
        &self,
        topics: impl IntoIterator<Item = T>,
    ) -> Result<(), ClientError> {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        let answer = self
            .request(|reply| Command::Unsubscribe { topics, reply })
            .await?;
        answer.await.map_err(|_| ClientError::Closed)?
    }

    /// Queues `message` for the socket. Fails with [`ClientError::NotConnected`] while
    /// reconnecting rather than holding messages that may be stale when the connection is back.
    pub async fn send(&self, message: P::Outgoing) -> Result<(), ClientError> {
        let answer = self
            .request(|reply| Command::Send { message, reply })
            .await?;
        answer.await.map_err(|_| ClientError::Closed)?
    }

    /// Stops the client: a normal close (code 1000) is sent and the close handshake awaited for
    /// at most [`ClientConfig::close_timeout`]; then the event stream ends with
    /// [`Event::Closed`]. Returns once the client has stopped.
    pub async fn close(&self) {
        self.stop.cancel();
        self.done.cancelled().await;
    }

    /// Whether the client has stopped.
    pub fn is_closed(&self) -> bool {
        self.done.is_cancelled()
    }
}
