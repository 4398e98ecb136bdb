//! The socket under a mock connection, with the switch behind [`Fault::Silence`](super::Fault):
//! once silenced, nothing reaches tungstenite (so pings go unanswered) and nothing leaves
//! (writes are discarded), yet the TCP connection stays open and its end is still noticed.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Reads swallowed per poll while silenced before yielding, so a flooding client cannot hog
/// the runtime.
const SWALLOW_PER_POLL: usize = 16;

pub(super) struct Tap {
    inner: TcpStream,
    silenced: Arc<AtomicBool>,
}

impl Tap {
    pub(super) fn new(inner: TcpStream, silenced: Arc<AtomicBool>) -> Self {
        Tap { inner, silenced }
    }

    fn silenced(&self) -> bool {
        self.silenced.load(Ordering::Acquire)
    }
}

impl AsyncRead for Tap {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.silenced() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        // Silenced: discard what arrives; report only the end of the stream (or an error), so
        // that the connection is dropped once the client gives up on it.
        let mut scratch = [0u8; 4096];
        for _ in 0..SWALLOW_PER_POLL {
            let mut discard = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut discard) {
                Poll::Ready(Ok(())) if discard.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => {}
                other => return other,
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.silenced() {
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.silenced() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.silenced() {
            // Keep the connection open: that is the point of the fault.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
