//! The generated client's side of the benchmark: what a user of `asyncgen generate` writes.

use asyncgen_runtime::ws;
use tokio::sync::oneshot;
use tokio::time::timeout;

use crate::api::{client, types};
use crate::{Outcome, SETUP_LIMIT, Tally, fail};

pub async fn run(url: String, events: u64, ready: oneshot::Sender<()>) -> Outcome {
    let mut config = client::Client::config(url);
    // Room for the reader task to run ahead of this loop; a drop would fail the run (main.rs).
    config.event_capacity = 65536;
    let (client, mut stream) =
        client::Client::connect_with(config).unwrap_or_else(|e| fail(format!("config: {e}")));
    let topic = types::Topic::customer("abc123").all();
    match timeout(SETUP_LIMIT, client.subscribe([topic])).await {
        Ok(Ok(ws::Ack::Confirmed)) => {}
        other => fail(format!("subscribe: {other:?}")),
    }
    let _ = ready.send(());

    let mut tally = Tally::new(events);
    // Bounded by the watchdog in main.rs.
    while !tally.done() {
        match stream.recv().await {
            Some(ws::Event::Message(message)) => dispatch(&mut tally, &message),
            Some(
                ws::Event::Connecting { .. } | ws::Event::Connected | ws::Event::Subscribed { .. },
            ) => {}
            other => fail(format!("unexpected event: {other:?}")),
        }
    }
    let dropped = stream.dropped();
    Outcome { tally, dropped }
}

fn dispatch(tally: &mut Tally, message: &types::ServerMessage) {
    use types::ServerMessage as M;
    let (kind, topic, key) = match message {
        M::CallCreated(e) => (0, &e.topic, &e.data.id),
        M::CallStatus(e) => (1, &e.topic, &e.data.id),
        M::CallEnded(e) => (2, &e.topic, &e.data.id),
        M::MessageReceived(e) => (3, &e.topic, &e.data.id),
        M::MessageSent(e) => (4, &e.topic, &e.data.id),
        M::MessageDelivery(e) => (5, &e.topic, &e.data.id),
        M::ActiveflowUpdated(e) => (6, &e.topic, &e.data.id),
        M::ActiveflowCompleted(e) => (7, &e.topic, &e.data.id),
        M::ConferenceJoined(e) => (8, &e.topic, &e.data.conference_id),
        M::ConferenceLeft(e) => (9, &e.topic, &e.data.conference_id),
        M::ConferenceEnded(e) => (10, &e.topic, &e.data.conference_id),
        M::QueueJoined(e) => (11, &e.topic, &e.data.queue_id),
        M::QueueConnected(e) => (12, &e.topic, &e.data.queue_id),
        M::QueueLeft(e) => (13, &e.topic, &e.data.queue_id),
        M::AgentStatus(e) => (14, &e.topic, &e.data.agent_id),
        M::RecordingStarted(e) => (15, &e.topic, &e.data.id),
        M::RecordingCompleted(e) => (16, &e.topic, &e.data.id),
        M::TranscriptionCompleted(e) => (17, &e.topic, &e.data.id),
        // The subscription's ack, delivered as a message too.
        M::Ack(_) => return,
        M::Error(_) | M::Unknown(_) => fail(format!("unexpected message: {message:?}")),
    };
    tally.add(kind, topic.as_str(), key);
}
