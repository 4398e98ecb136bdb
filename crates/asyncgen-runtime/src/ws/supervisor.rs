//! The task behind a [`Client`](super::Client): connects, restores subscriptions, watches the
//! connection's health and replaces it when it dies, until told to stop.
//!
//! One connection at a time is served by three tasks: this supervisor (commands, timers,
//! subscription bookkeeping), a reader (decodes frames, delivers events) and a writer (drains a
//! bounded queue into the socket). Reading and writing are separate so that a slow write never
//! delays noticing a close frame or a pong, and the supervisor never awaits either, so commands
//! and heartbeats are served even while the socket is stuck.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use super::ClientError;
use super::config::{ClientConfig, ConnectionUrl, redact};
use super::events::{Disconnect, Event, Queue, Raw};
use super::protocol::{Frame, Protocol};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Capacity of the reader/writer → supervisor channel: acks and the end of the connection only.
const INBOUND_CAPACITY: usize = 64;

/// A request from a [`ClientHandle`](super::ClientHandle).
pub(crate) enum Command<O> {
    Subscribe {
        topics: Vec<String>,
        reply: oneshot::Sender<Result<(), ClientError>>,
    },
    Unsubscribe {
        topics: Vec<String>,
        reply: oneshot::Sender<Result<(), ClientError>>,
    },
    Send {
        message: O,
        reply: oneshot::Sender<Result<(), ClientError>>,
    },
}

/// What the reader and writer report to the supervisor.
enum Inbound {
    Ack(Vec<String>),
    Rejected(Vec<String>, String),
    Ended(Disconnect),
}

/// A `subscribe` call waiting for its acknowledgement.
struct Pending {
    remaining: BTreeSet<String>,
    reply: oneshot::Sender<Result<(), ClientError>>,
}

enum Exit {
    Stop,
    Reconnect {
        reason: Disconnect,
        connected_for: Duration,
    },
}

/// Aborts the task when dropped, so that no exit path of a connection leaves its tasks running.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) struct Supervisor<P: Protocol> {
    pub(crate) config: ClientConfig,
    pub(crate) protocol: Arc<P>,
    pub(crate) commands: mpsc::Receiver<Command<P::Outgoing>>,
    pub(crate) queue: Arc<Queue<P::Incoming>>,
    pub(crate) stop: CancellationToken,
    pub(crate) active: BTreeSet<String>,
    pending: Vec<Pending>,
}

impl<P: Protocol> Supervisor<P> {
    pub(crate) fn new(
        config: ClientConfig,
        protocol: Arc<P>,
        commands: mpsc::Receiver<Command<P::Outgoing>>,
        queue: Arc<Queue<P::Incoming>>,
        stop: CancellationToken,
    ) -> Self {
        Supervisor {
            config,
            protocol,
            commands,
            queue,
            stop,
            active: BTreeSet::new(),
            pending: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self) {
        // Failed attempts since the last stable connection.
        let mut failures: u32 = 0;
        loop {
            self.queue.push(Event::Connecting {
                attempt: failures.saturating_add(1),
            });
            let connect_timeout = self.config.connect_timeout;
            // Owned, so that commands can be served (which needs `&mut self`) while connecting.
            let config = self.config.clone();
            let connecting = timeout(connect_timeout, async move { connect(&config).await });
            let Some(result) = self.offline(connecting).await else {
                return;
            };
            let reason = match result {
                Err(_elapsed) => Disconnect::ConnectTimeout,
                Ok(Err(reason)) => reason,
                Ok(Ok((ws, refresh_at))) => match self.serve(ws, refresh_at).await {
                    Exit::Stop => return,
                    Exit::Reconnect {
                        reason,
                        connected_for,
                    } => {
                        if connected_for >= self.config.reconnect.stable_after {
                            failures = 0;
                            // A planned refresh of a healthy connection does not wait.
                            if reason == Disconnect::UrlExpiring {
                                self.queue.push(Event::Reconnecting {
                                    attempt: 1,
                                    delay: Duration::ZERO,
                                    reason,
                                });
                                continue;
                            }
                        }
                        reason
                    }
                },
            };
            failures = failures.saturating_add(1);
            let delay = self.config.reconnect.delay(failures);
            tracing::info!(%reason, ?delay, attempt = failures.saturating_add(1), "ws client: reconnecting");
            self.queue.push(Event::Reconnecting {
                attempt: failures.saturating_add(1),
                delay,
                reason,
            });
            if self.offline(tokio::time::sleep(delay)).await.is_none() {
                return;
            }
        }
    }

    /// Drives `fut` while disconnected, serving commands; `None` when told to stop.
    async fn offline<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        let stop = self.stop.clone();
        tokio::pin!(fut);
        loop {
            tokio::select! {
                biased;
                () = stop.cancelled() => return None,
                out = &mut fut => return Some(out),
                command = self.commands.recv() => match command {
                    None => return None,
                    Some(command) => self.command_offline(command),
                },
            }
        }
    }

    fn command_offline(&mut self, command: Command<P::Outgoing>) {
        match command {
            // Recorded now, sent with the resubscription after the next connect.
            Command::Subscribe { topics, reply } => {
                self.active.extend(topics.iter().cloned());
                self.add_pending(topics, reply);
            }
            Command::Unsubscribe { topics, reply } => {
                for topic in &topics {
                    self.active.remove(topic);
                }
                let _ = reply.send(Ok(()));
            }
            Command::Send { reply, .. } => {
                let _ = reply.send(Err(ClientError::NotConnected));
            }
        }
    }

    fn add_pending(
        &mut self,
        topics: Vec<String>,
        reply: oneshot::Sender<Result<(), ClientError>>,
    ) {
        // Callers that gave up (ack timeout) are forgotten here, which bounds the list by the
        // number of callers still waiting.
        self.pending.retain(|p| !p.reply.is_closed());
        self.pending.push(Pending {
            remaining: topics.into_iter().collect(),
            reply,
        });
    }

    fn on_ack(&mut self, topics: Vec<String>) {
        if topics.is_empty() {
            if let Some(i) = self.pending.iter().position(|p| !p.reply.is_closed()) {
                let _ = self.pending.remove(i).reply.send(Ok(()));
            }
            return;
        }
        let mut still = Vec::with_capacity(self.pending.len());
        for mut p in self.pending.drain(..) {
            for topic in &topics {
                p.remaining.remove(topic);
            }
            if p.remaining.is_empty() {
                let _ = p.reply.send(Ok(()));
            } else {
                still.push(p);
            }
        }
        self.pending = still;
    }

    fn on_rejected(&mut self, topics: Vec<String>, reason: String) {
        let mut refused: BTreeSet<String> = topics.into_iter().collect();
        if refused.is_empty()
            && let Some(p) = self.pending.iter().find(|p| !p.reply.is_closed())
        {
            refused = p.remaining.clone();
        }
        for topic in &refused {
            self.active.remove(topic);
        }
        let mut still = Vec::with_capacity(self.pending.len());
        for p in self.pending.drain(..) {
            if p.remaining.iter().any(|t| refused.contains(t)) {
                let _ = p.reply.send(Err(ClientError::Rejected {
                    topics: refused.iter().cloned().collect(),
                    reason: reason.clone(),
                }));
            } else {
                still.push(p);
            }
        }
        self.pending = still;
    }

    /// Queues `messages` for the writer; fails without waiting when the queue is full.
    fn write(
        &self,
        writer: &mpsc::Sender<Message>,
        messages: Vec<P::Outgoing>,
    ) -> Result<(), ClientError> {
        for message in messages {
            let text = self
                .protocol
                .encode(&message)
                .map_err(|e| ClientError::Encode(e.to_string()))?;
            writer.try_send(Message::text(text)).map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => ClientError::WriteBufferFull,
                mpsc::error::TrySendError::Closed(_) => ClientError::NotConnected,
            })?;
        }
        Ok(())
    }

    fn command_online(&mut self, command: Command<P::Outgoing>, writer: &mpsc::Sender<Message>) {
        match command {
            Command::Subscribe { topics, reply } => {
                let messages = self.protocol.subscribe(&topics);
                match self.write(writer, messages) {
                    Ok(()) => {
                        self.active.extend(topics.iter().cloned());
                        self.add_pending(topics, reply);
                    }
                    // The connection died and the supervisor has not heard yet: as offline,
                    // the next connection's resubscription carries the topics.
                    Err(ClientError::NotConnected) => {
                        self.command_offline(Command::Subscribe { topics, reply });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Command::Unsubscribe { topics, reply } => {
                for topic in &topics {
                    self.active.remove(topic);
                }
                // Even if the message cannot be sent, the topics are not resubscribed later.
                let _ = reply.send(self.write(writer, self.protocol.unsubscribe(&topics)));
            }
            Command::Send { message, reply } => {
                let _ = reply.send(self.write(writer, vec![message]));
            }
        }
    }

    /// Serves one established connection until it ends or the client stops. Deadlines that would
    /// overflow `Instant` (absurd settings) are treated as never.
    async fn serve(&mut self, ws: Ws, refresh_at: Option<Instant>) -> Exit {
        let connected_at = Instant::now();
        let (sink, stream) = ws.split();
        let (write_tx, write_rx) = mpsc::channel(self.config.write_capacity);
        let (inbound_tx, mut inbound_rx) = mpsc::channel(INBOUND_CAPACITY);
        // Frames read so far: the heartbeat compares it across a ping.
        let seen = Arc::new(AtomicU64::new(0));
        // Before the reader starts, so that no message precedes it.
        self.queue.push(Event::Connected);
        let mut writer = AbortOnDrop(tokio::spawn(write_loop(sink, write_rx, inbound_tx.clone())));
        let mut reader = AbortOnDrop(tokio::spawn(read_loop(
            stream,
            Arc::clone(&self.protocol),
            Arc::clone(&self.queue),
            inbound_tx,
            Arc::clone(&seen),
        )));

        if !self.active.is_empty() {
            let topics: Vec<String> = self.active.iter().cloned().collect();
            if let Err(e) = self.write(&write_tx, self.protocol.resubscribe(&topics)) {
                tracing::warn!(error = %e, "ws client: could not queue the resubscription");
            }
        }

        let heartbeat = self.config.heartbeat;
        let mut next_ping = heartbeat.and_then(|h| connected_at.checked_add(h.interval));
        // The first ping not yet followed by any frame, and the frame count when it was sent.
        let mut unanswered_ping: Option<(Instant, u64)> = None;
        let stop = self.stop.clone();
        let exit = loop {
            let dead_at = unanswered_ping
                .zip(heartbeat)
                .and_then(|((at, _), h)| at.checked_add(h.timeout));
            tokio::select! {
                biased;
                () = stop.cancelled() => break None,
                inbound = inbound_rx.recv() => match inbound {
                    Some(Inbound::Ack(topics)) => self.on_ack(topics),
                    Some(Inbound::Rejected(topics, reason)) => self.on_rejected(topics, reason),
                    Some(Inbound::Ended(reason)) => break Some(reason),
                    None => break Some(Disconnect::Eof),
                },
                command = self.commands.recv() => match command {
                    None => break None,
                    Some(command) => self.command_online(command, &write_tx),
                },
                () = sleep_opt(next_ping) => {
                    let now = Instant::now();
                    // A full write queue already means trouble; the timeout will tell.
                    let _ = write_tx.try_send(Message::Ping(Default::default()));
                    unanswered_ping.get_or_insert((now, seen.load(AtomicOrdering::Relaxed)));
                    next_ping = heartbeat.and_then(|h| now.checked_add(h.interval));
                }
                () = sleep_opt(dead_at) => {
                    match unanswered_ping {
                        Some((_, frames)) if seen.load(AtomicOrdering::Relaxed) == frames => {
                            break Some(Disconnect::HeartbeatTimeout)
                        }
                        _ => unanswered_ping = None,
                    }
                }
                () = sleep_opt(refresh_at) => break Some(Disconnect::UrlExpiring),
            }
        };
        let connected_for = connected_at.elapsed();
        match exit {
            None => {
                close(
                    &write_tx,
                    &mut writer,
                    &mut reader,
                    self.config.close_timeout,
                )
                .await;
                Exit::Stop
            }
            Some(reason) => {
                if matches!(reason, Disconnect::UrlExpiring) {
                    close(
                        &write_tx,
                        &mut writer,
                        &mut reader,
                        self.config.close_timeout,
                    )
                    .await;
                }
                Exit::Reconnect {
                    reason,
                    connected_for,
                }
            }
        }
    }
}

/// The close handshake, bounded by `limit`: send a normal close, wait for the writer to send it
/// and for the reader to see the server's answer. The tasks are aborted afterwards anyway.
async fn close(
    writer_tx: &mpsc::Sender<Message>,
    writer: &mut AbortOnDrop,
    reader: &mut AbortOnDrop,
    limit: Duration,
) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "client closing".into(),
    };
    if writer_tx.try_send(Message::Close(Some(frame))).is_err() {
        return;
    }
    let _ = timeout(limit, async {
        let _ = (&mut writer.0).await;
        let _ = (&mut reader.0).await;
    })
    .await;
}

async fn sleep_opt(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Asks for the URL if needed and opens the websocket; returns it with the instant at which it
/// should be replaced.
async fn connect(config: &ClientConfig) -> Result<(Ws, Option<Instant>), Disconnect> {
    let (url, expires_in) = match &config.url {
        ConnectionUrl::Static(url) => (url.clone(), None),
        ConnectionUrl::Provider(provider) => {
            let got = provider()
                .await
                .map_err(|e| Disconnect::UrlProvider(e.to_string()))?;
            (got.url, got.expires_in)
        }
    };
    let obtained_at = Instant::now();
    // `checked_add`: an absurd lifetime means never, not a panic.
    let refresh_at = expires_in.and_then(|lifetime| {
        // A margin as long as the lifetime would reconnect at once, forever: then refresh half
        // way through instead.
        let after = lifetime
            .checked_sub(config.refresh_before)
            .filter(|after| !after.is_zero())
            .unwrap_or(lifetime / 2);
        obtained_at.checked_add(after)
    });
    let ws_config = WebSocketConfig::default()
        .write_buffer_size((128 << 10).min(config.max_write_buffer_size / 2))
        .max_write_buffer_size(config.max_write_buffer_size)
        .max_message_size(Some(config.max_message_size))
        .max_frame_size(Some(config.max_message_size));
    let connector = config.tls.clone().map(Connector::Rustls);
    tracing::debug!(url = redact(&url), "ws client: connecting");
    let (ws, _response) = tokio_tungstenite::connect_async_tls_with_config(
        url.as_str(),
        Some(ws_config),
        true,
        connector,
    )
    .await
    .map_err(|e| Disconnect::ConnectFailed(describe(&e)))?;
    Ok((ws, refresh_at))
}

/// tungstenite errors can quote the request URL; keep to the kind of failure.
fn describe(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Http(response) => format!("HTTP status {}", response.status()),
        other => other.to_string(),
    }
}

async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut queue: mpsc::Receiver<Message>,
    inbound: mpsc::Sender<Inbound>,
) {
    while let Some(message) = queue.recv().await {
        let closing = matches!(message, Message::Close(_));
        if let Err(e) = sink.send(message).await {
            let _ = inbound
                .send(Inbound::Ended(Disconnect::WriteFailed(e.to_string())))
                .await;
            return;
        }
        if closing {
            return;
        }
    }
}

async fn read_loop<P: Protocol>(
    mut stream: SplitStream<Ws>,
    protocol: Arc<P>,
    queue: Arc<Queue<P::Incoming>>,
    inbound: mpsc::Sender<Inbound>,
    seen: Arc<AtomicU64>,
) {
    let end = loop {
        let Some(item) = stream.next().await else {
            break Disconnect::Eof;
        };
        seen.fetch_add(1, AtomicOrdering::Relaxed);
        let payload = match &item {
            Ok(Message::Text(text)) => text.as_bytes(),
            Ok(Message::Binary(bytes)) => bytes.as_ref(),
            Ok(Message::Close(frame)) => {
                break match frame {
                    Some(frame) => Disconnect::ServerClosed {
                        code: u16::from(frame.code),
                        reason: frame.reason.as_str().to_owned(),
                    },
                    None => Disconnect::ServerClosed {
                        code: 1005,
                        reason: String::new(),
                    },
                };
            }
            // tungstenite answers pings itself; pongs only prove liveness, recorded above.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
            Err(e) => break Disconnect::ReadFailed(e.to_string()),
        };
        if protocol.is_event_frame(payload) {
            let frame = match item {
                Ok(Message::Text(text)) => Raw::Text(text),
                Ok(Message::Binary(bytes)) => Raw::Binary(bytes),
                _ => continue,
            };
            queue.push_raw(frame);
            continue;
        }
        let decoded = match &item {
            Ok(Message::Text(text)) => protocol.decode_text(text.as_str()),
            _ => protocol.decode(payload),
        };
        let message = match decoded {
            Ok(message) => message,
            Err(e) => {
                tracing::debug!(error = %e, "ws client: skipped a malformed frame");
                queue.push(Event::Malformed {
                    error: e.to_string(),
                });
                continue;
            }
        };
        match protocol.classify(&message) {
            Frame::Event => queue.push(Event::Message(message)),
            Frame::Ack { topics } => {
                queue.push(Event::Subscribed {
                    topics: topics.clone(),
                });
                if protocol.deliver_replies() {
                    queue.push(Event::Message(message));
                }
                let _ = inbound.send(Inbound::Ack(topics)).await;
            }
            Frame::Error { topics, reason } => {
                queue.push(Event::SubscribeRejected {
                    topics: topics.clone(),
                    reason: reason.clone(),
                });
                if protocol.deliver_replies() {
                    queue.push(Event::Message(message));
                }
                let _ = inbound.send(Inbound::Rejected(topics, reason)).await;
            }

            Frame::Ignore => {}
        }
    };
    let _ = inbound.send(Inbound::Ended(end)).await;
}
