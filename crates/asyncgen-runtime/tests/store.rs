//! What only the embedded store promises, beyond the conformance suite every backend passes
//! (`conformance.rs`): its work signal fires before the call that made an event due returns.

#![cfg(feature = "receiver")]

use std::time::{Duration, SystemTime};

use asyncgen_runtime::queue::{EventQueue, NewEvent, QueueOptions, RedbQueue};
use asyncgen_runtime::receiver::EventHeaders;
use bytes::Bytes;

const HOUR: Duration = Duration::from_secs(3600);

/// The routes the tests' workers know.
fn routes() -> Vec<String> {
    vec!["events".to_owned()]
}

fn event(id: &str) -> NewEvent {
    NewEvent {
        route: "events".into(),
        payload: Bytes::from(format!(r#"{{"id":"{id}"}}"#)),
        headers: EventHeaders::new(),
        received_at: SystemTime::now(),
        dedupe: None,
    }
}

/// The queue's work signal fires whenever an event may have become due: one was stored, a
/// failed attempt was rescheduled, a lease was given back, a dead letter was replayed. Each
/// fires before the call returns, so a consumer that waits on the signal misses none.
#[tokio::test]
async fn the_work_signal_fires_when_events_become_due() {
    use futures_util::FutureExt as _;

    let dir = tempfile::tempdir().unwrap();
    let queue = RedbQueue::open(dir.path().join("q.redb"), QueueOptions::default()).unwrap();
    let mut signal = queue.work_signal();
    signal.mark_seen();
    let mut fired = |what: &str| {
        assert!(
            signal.changed().now_or_never().is_some(),
            "no signal after {what}"
        );
    };

    queue.enqueue(event("s")).await.unwrap();
    fired("an enqueue");
    let lease = || async {
        queue
            .lease(1, HOUR, &routes())
            .await
            .unwrap()
            .remove(0)
            .lease
    };
    queue
        .retry_at(lease().await, SystemTime::now(), "again".into())
        .await
        .unwrap();
    fired("a retry");
    queue.release(lease().await).await.unwrap();
    fired("a release");
    queue
        .dead_letter(lease().await, "dead".into())
        .await
        .unwrap();
    assert_eq!(queue.replay_all_dead_letters().await.unwrap(), 1);
    fired("a replay");
}
