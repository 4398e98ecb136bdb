//! The receiver's own server loop. A webhook receiver is a public endpoint, and axum's `serve`
//! leaves a connection open for as long as a client keeps it half-sent: here every phase of a
//! request has a deadline, connections are capped below the descriptor limit, and shutdown
//! ends within its grace period whatever the clients do.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;

use super::builder::Settings;
use super::tls::Tls;

/// Streams one HTTP/2 client may open at once.
const MAX_STREAMS: u32 = 64;
/// The largest header list an HTTP/2 client may send (16 KiB, as nginx's default buffers).
const MAX_HEADER_LIST: u32 = 16 * 1024;
/// Descriptors kept back from connections for the queue, the database, logs and TLS files:
/// a quarter of the limit, and at least this many.
const RESERVED_DESCRIPTORS: u64 = 64;
/// Without a readable descriptor limit.
const FALLBACK_MAX_CONNECTIONS: usize = 4096;
/// The longest pause after a failed `accept` (out of descriptors, say): it retries without
/// spinning while connections close.
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` (through `tls` when given) until `shutdown` is cancelled, then
/// stops accepting, lets requests in flight finish within the grace period, and closes what
/// is still open.
pub(crate) async fn run(
    listener: TcpListener,
    router: axum::Router,
    settings: &Settings,
    tls: Option<Tls>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let limit = settings
        .max_connections
        .unwrap_or_else(default_max_connections);
    let slots = Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)));
    let builder = connection_builder(settings);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut backoff = Duration::ZERO;
    tracing::debug!(max_connections = limit, "accepting connections");
    loop {
        // A slot first: at the cap, new clients wait in the listen backlog rather than take
        // the descriptors the queue and the logs need.
        let slot = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                stream
            }
            // The client gave up before we took its connection: nothing to do.
            Err(e) if is_peer_error(&e) => continue,
            Err(e) => {
                backoff = (backoff * 2).clamp(Duration::from_millis(10), MAX_ACCEPT_BACKOFF);
                tracing::warn!(error = %e, ?backoff, "accepting a connection failed; retrying after a pause");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(backoff) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let io = WriteDeadline::new(stream, settings.write_timeout);
        let service = TowerToHyperService::new(router.clone());
        let watcher = graceful.watcher();
        let builder = builder.clone();
        let tls = tls.clone();
        let handshake_timeout = settings.header_timeout;
        connections.spawn(async move {
            let _slot = slot;
            match tls {
                None => {
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                }
                Some(tls) => {
                    // The handshake is part of the head: a client that stalls it is closed
                    // when the head's deadline passes.
                    let accepted =
                        tokio::time::timeout(handshake_timeout, tls.acceptor().accept(io)).await;
                    let Ok(Ok(stream)) = accepted else { return };
                    let conn =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                }
            }
        });
    }
    drop(listener);
    // Idle connections close at once; requests in flight get the grace period; the rest (a
    // half-sent head, a stalled body) are cut when it ends.
    if tokio::time::timeout(settings.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            grace = ?settings.shutdown_grace,
            "grace period over: closing the connections still open"
        );
    }
    connections.shutdown().await;
    Ok(())
}

fn connection_builder(settings: &Settings) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper starts the head's deadline when a connection opens and again each time it falls
    // idle after a response, so it also bounds keep-alive idleness.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(MAX_HEADER_LIST)
        // A peer that stops answering pings is dropped.
        .keep_alive_interval(Some(settings.header_timeout))
        .keep_alive_timeout(settings.header_timeout);
    builder
}

/// Errors of one connection that the peer caused; anything else (out of descriptors) is the
/// server's and is worth a pause.
fn is_peer_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Connections the process may hold: its descriptor limit less a reserve (a quarter, at least
/// [`RESERVED_DESCRIPTORS`]), so a flood of connections leaves the queue, the database and
/// the logs their files.
pub(crate) fn default_max_connections() -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    match soft {
        Some(soft) => {
            let reserve = (soft / 4).max(RESERVED_DESCRIPTORS);
            usize::try_from(soft.saturating_sub(reserve).max(1)).unwrap_or(usize::MAX)
        }
        None => FALLBACK_MAX_CONNECTIONS,
    }
}

/// A connection whose writes fail once one has made no progress for the limit: a client that
/// stops reading its response holds a slot only that long.
struct WriteDeadline<T> {
    io: T,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteDeadline<T> {
    fn new(io: T, limit: Duration) -> Self {
        WriteDeadline {
            io,
            limit,
            stalled: None,
        }
    }

    /// After the inner write returned `poll`: progress resets the deadline; a pending write
    /// past it is an error.
    fn check<R>(&mut self, poll: Poll<io::Result<R>>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let limit = self.limit;
        let deadline = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the response within the write timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write(cx, buf);
        self.check(poll, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.check(poll, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_flush(cx);
        self.check(poll, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_shutdown(cx);
        self.check(poll, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_write_the_peer_never_reads_fails_after_the_limit() {
        // A 1-byte pipe whose other end nobody reads: the second write stays pending.
        let (ours, _theirs) = tokio::io::duplex(1);
        let mut io = WriteDeadline::new(ours, Duration::from_secs(30));
        io.write_all(b"a").await.expect("the first byte fits");
        let started = tokio::time::Instant::now();
        let err = io.write_all(b"b").await.expect_err("no one reads");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_reading_is_not_cut() {
        let (ours, mut theirs) = tokio::io::duplex(1);
        let mut io = WriteDeadline::new(ours, Duration::from_secs(30));
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut byte = [0u8; 1];
            while got.len() < 4 {
                // Each byte 20 s apart: 80 s in all, never 30 s without progress.
                tokio::time::sleep(Duration::from_secs(20)).await;
                tokio::io::AsyncReadExt::read_exact(&mut theirs, &mut byte)
                    .await
                    .expect("read");
                got.push(byte[0]);
            }
            got
        });
        io.write_all(b"abcd")
            .await
            .expect("every write progresses in time");
        assert_eq!(reader.await.expect("reader"), b"abcd");
    }

    #[test]
    fn connections_leave_descriptors_for_the_rest() {
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        let max = default_max_connections() as u64;
        match soft {
            Some(soft) => {
                assert!(max < soft, "{max} connections of {soft} descriptors");
                assert!(soft - max >= RESERVED_DESCRIPTORS.min(soft - 1));
            }
            None => assert_eq!(max, FALLBACK_MAX_CONNECTIONS as u64),
        }
    }
}
