//! The tasks behind a [`MockServer`](super::MockServer): the accept loop, and per connection
//! the handshake (token check), a reader (requests, replies) and a writer (drains the bounded
//! queue into the socket, batching frames and flushing when the queue is momentarily empty).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{
    ErrorResponse, Request as HandshakeRequest, Response as HandshakeResponse,
};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::MockProtocol;
use super::shared::{CLOSE_WAIT, CONTROL_CAPACITY, QUEUE_CAPACITY, Shared};
use super::table::{Control, Links, Outbound};
use super::tap::Tap;
use crate::ws::mock::MockEvent;

type Ws = WebSocketStream<Tap>;

/// Connections open or in their handshake at once; beyond it new ones are dropped.
const MAX_CONNECTIONS: usize = 1024;
/// Limit on a client's handshake.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);
/// How long a silenced connection is kept if the client never closes it.
const SILENCE_LIMIT: Duration = Duration::from_secs(300);
/// Largest message and frame accepted from a client, and bytes buffered for writing.
const MAX_MESSAGE: usize = 16 << 20;
/// Frames fed to the socket between flushes at most.
const BATCH: usize = 1024;

/// Aborts the task when dropped, so that no exit path leaves a writer running.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Removes the connection from the table however its task ends (panics included).
struct Registration<'a, P: MockProtocol> {
    shared: &'a Shared<P>,
    id: u64,
}

impl<P: MockProtocol> Drop for Registration<'_, P> {
    fn drop(&mut self) {
        self.shared.unregister(self.id);
    }
}

pub(super) async fn accept_loop<P: MockProtocol>(shared: Arc<Shared<P>>, listener: TcpListener) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            biased;
            () = shared.accepting.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((tcp, _peer)) => {
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    tracing::warn!("ws mock: too many connections, dropped a new one");
                    continue;
                };
                // Small frames (acks, pongs) should not wait for Nagle.
                let _ = tcp.set_nodelay(true);
                tokio::spawn(serve(Arc::clone(&shared), tcp, slot));
            }
            Err(e) => {
                // E.g. out of file descriptors: wait rather than spin.
                tracing::warn!(error = %e, "ws mock: accept failed");
                tokio::select! {
                    () = shared.accepting.cancelled() => return,
                    () = sleep(Duration::from_millis(50)) => {}
                }
            }
        }
    }
}

/// What the handshake callback saw.
#[derive(Default)]
struct Seen {
    path: String,
    token: Option<String>,
    refused: Option<u16>,
}

/// The handshake callback: records the path and token and refuses unwelcome tokens.
// The callback's error type is tungstenite's.
#[allow(clippy::result_large_err)]
fn check<P: MockProtocol>(
    shared: &Shared<P>,
    seen: &mut Seen,
    request: &HandshakeRequest,
    response: HandshakeResponse,
) -> Result<HandshakeResponse, ErrorResponse> {
    let uri = request.uri();
    seen.path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    seen.token = shared.protocol.token(&seen.path);
    let Some(status) = shared.admit(seen.token.as_deref()) else {
        return Ok(response);
    };
    seen.refused = Some(status);
    let mut refusal = ErrorResponse::new(Some("token missing, unknown or expired".into()));
    *refusal.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
    Err(refusal)
}

/// One connection, from the handshake to its end.
async fn serve<P: MockProtocol>(
    shared: Arc<Shared<P>>,
    tcp: TcpStream,
    _slot: OwnedSemaphorePermit,
) {
    let silenced = Arc::new(AtomicBool::new(false));
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .max_write_buffer_size(MAX_MESSAGE);
    let mut seen = Seen::default();
    #[allow(clippy::result_large_err)]
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(
        Tap::new(tcp, Arc::clone(&silenced)),
        |request: &HandshakeRequest, response| check(&shared, &mut seen, request, response),
        Some(config),
    );
    let ws = tokio::select! {
        biased;
        () = shared.stop.cancelled() => return,
        ws = timeout(HANDSHAKE_LIMIT, handshake) => ws,
    };
    let ws = match ws {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            match seen.refused {
                Some(status) => shared.emit(MockEvent::Refused {
                    path: seen.path,
                    status,
                }),
                None => tracing::debug!(error = %e, "ws mock: handshake failed"),
            }
            return;
        }
        Err(_elapsed) => return,
    };

    let links = Links::new(&shared.stop, silenced);
    let (queue_tx, queue_rx) = mpsc::channel(QUEUE_CAPACITY);
    let (control_tx, control_rx) = mpsc::channel(CONTROL_CAPACITY);
    let id = shared.register(
        seen.path,
        seen.token,
        queue_tx.clone(),
        control_tx,
        links.clone(),
    );
    // Declared first, dropped last: the writer is aborted before the entry goes.
    let _registration = Registration {
        shared: &shared,
        id,
    };
    let (sink, stream) = ws.split();
    let _writer = AbortOnDrop(tokio::spawn(write_loop(
        sink,
        queue_rx,
        control_rx,
        links.clone(),
    )));
    read_loop(&shared, id, stream, queue_tx, &links).await;
}

/// Reads until the connection ends: requests are handled and replies queued; pings are
/// answered by tungstenite while reading.
async fn read_loop<P: MockProtocol>(
    shared: &Shared<P>,
    id: u64,
    mut stream: SplitStream<Ws>,
    queue: mpsc::Sender<Outbound>,
    links: &Links,
) {
    let silent_too_long = async {
        links.silence.cancelled().await;
        sleep(SILENCE_LIMIT).await;
    };
    tokio::pin!(silent_too_long);
    loop {
        let item = tokio::select! {
            biased;
            () = links.kill.cancelled() => return,
            () = &mut silent_too_long => return,
            item = stream.next() => item,
        };
        let text = match item {
            Some(Ok(Message::Text(text))) => text,
            // Binary frames are not requests; a close frame is answered by tungstenite and the
            // stream ends after it.
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                tracing::debug!(id, error = %e, "ws mock: read failed");
                return;
            }
            None => return,
        };
        let Some(reply) = shared.on_text(id, text.as_str()) else {
            continue;
        };
        tokio::select! {
            biased;
            () = links.kill.cancelled() => return,
            // Closing or silenced: the reply would not be written.
            () = links.halt.cancelled() => {}
            _ = queue.send(Outbound::Frame(Message::Text(reply))) => {}
        }
    }
}

/// Drains the queue into the socket until the connection ends; control messages (faults,
/// closes) go first. Ending for any reason ends the connection.
async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut queue: mpsc::Receiver<Outbound>,
    mut control: mpsc::Receiver<Control>,
    links: Links,
) {
    let writing = async {
        loop {
            tokio::select! {
                biased;
                command = control.recv() => match command {
                    Some(Control::Send(message)) => {
                        if sink.send(message).await.is_err() {
                            return;
                        }
                    }
                    Some(Control::Close(frame)) => {
                        // Send the close, then let the reader see the answer and end the
                        // connection; bounded, then dropped.
                        let _ = timeout(CLOSE_WAIT, async {
                            let _ = sink.send(Message::Close(Some(frame))).await;
                            links.kill.cancelled().await;
                        })
                        .await;
                        return;
                    }
                    None => return,
                },
                outbound = queue.recv() => match outbound {
                    Some(Outbound::Frame(message)) => {
                        if !write_batch(&mut sink, message, &mut queue).await {
                            return;
                        }
                    }
                    Some(Outbound::Drop) | None => return,
                },
            }
        }
    };
    tokio::select! {
        biased;
        () = links.kill.cancelled() => {}
        // Silenced: stop writing and keep the socket until the reader sees its end.
        () = links.silence.cancelled() => links.kill.cancelled().await,
        () = writing => {}
    }
    links.kill.cancel();
}

/// Feeds `first` and whatever else is queued already, then flushes. False when the connection
/// should end: a write failed, or a [`Outbound::Drop`] marker came (after flushing).
async fn write_batch(
    sink: &mut SplitSink<Ws, Message>,
    first: Message,
    queue: &mut mpsc::Receiver<Outbound>,
) -> bool {
    if sink.feed(first).await.is_err() {
        return false;
    }
    for _ in 0..BATCH {
        match queue.try_recv() {
            Ok(Outbound::Frame(message)) => {
                if sink.feed(message).await.is_err() {
                    return false;
                }
            }
            Ok(Outbound::Drop) => {
                let _ = sink.flush().await;
                return false;
            }
            Err(_empty_or_closed) => break,
        }
    }
    sink.flush().await.is_ok()
}
