//! What the websocket tests share: bounds on waits kept in real time, and a tokio clock that
//! moves only when the test moves it, so that no verdict depends on how fast the machine is.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::future::Future;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// The bound on any one wait. It only decides how long a failing test takes to say so, so it
/// is generous enough for a machine whose cores are busy with other builds.
pub const LIMIT: Duration = Duration::from_secs(30);

/// `future`'s output; panics naming `what` if it has not come after `LIMIT` of real time.
///
/// The bound is kept by a thread rather than a tokio timer, so it holds while the tokio clock is
/// frozen (a tokio `timeout` would then never fire, and a regression would hang).
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    let (expired_tx, expired_rx) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if done_rx.recv_timeout(LIMIT) == Err(RecvTimeoutError::Timeout) {
            let _ = expired_tx.send(());
        }
    });
    let output = tokio::select! {
        output = future => output,
        Ok(()) = expired_rx => panic!("{what}: nothing after {LIMIT:?}"),
    };
    drop(done_tx);
    output
}

/// Keeps the tokio clock still until dropped: timers fire only when the test calls
/// `tokio::time::advance`.
///
/// Paused time alone does not do for tests on sockets: whenever the runtime waits, even for a
/// loopback reply already on its way, it jumps to the next timer, so a heartbeat or an ack
/// timeout would fire before the reply is read. tokio documents (under `time::pause`) that a
/// running `spawn_blocking` task stops that auto-advance; this guard keeps one running.
pub struct Frozen {
    _release: mpsc::Sender<()>,
}

/// Stops the paused clock's auto-advance; see [`Frozen`]. Call it first thing in a test started
/// with `#[tokio::test(start_paused = true)]`: a runtime that starts paused has its clock on the
/// timer wheel's millisecond grid (the wheel rounds deadlines up to the next millisecond), so
/// advancing by a timer's duration fires it, not a millisecond later.
pub fn freeze() -> Frozen {
    let (release, released) = mpsc::channel::<()>();
    // Returns when the guard's sender is dropped; the runtime waits for it when shutting down,
    // and the guard, a local of the test, is dropped first.
    drop(tokio::task::spawn_blocking(move || {
        let _ = released.recv();
    }));
    Frozen { _release: release }
}
