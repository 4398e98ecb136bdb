//! The baseline side of the benchmark: the client a careful user writes by hand with
//! tokio-tungstenite and serde, without asyncgen.

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use crate::{Outcome, SETUP_LIMIT, TOPIC, Tally, fail};

/// The events, with the fields the application uses; other fields are ignored.
#[derive(Deserialize)]
#[serde(tag = "event_type")]
enum Event {
    #[serde(rename = "call.created")]
    CallCreated(Ev<Id>),
    #[serde(rename = "call.status")]
    CallStatus(Ev<Id>),
    #[serde(rename = "call.ended")]
    CallEnded(Ev<Id>),
    #[serde(rename = "message.received")]
    MessageReceived(Ev<Id>),
    #[serde(rename = "message.sent")]
    MessageSent(Ev<Id>),
    #[serde(rename = "message.delivery")]
    MessageDelivery(Ev<Id>),
    #[serde(rename = "activeflow.updated")]
    ActiveflowUpdated(Ev<Id>),
    #[serde(rename = "activeflow.completed")]
    ActiveflowCompleted(Ev<Id>),
    #[serde(rename = "conference.joined")]
    ConferenceJoined(Ev<Conference>),
    #[serde(rename = "conference.left")]
    ConferenceLeft(Ev<Conference>),
    #[serde(rename = "conference.ended")]
    ConferenceEnded(Ev<Conference>),
    #[serde(rename = "queue.joined")]
    QueueJoined(Ev<Queue>),
    #[serde(rename = "queue.connected")]
    QueueConnected(Ev<Queue>),
    #[serde(rename = "queue.left")]
    QueueLeft(Ev<Queue>),
    #[serde(rename = "agent.status")]
    AgentStatus(Ev<Agent>),
    #[serde(rename = "recording.started")]
    RecordingStarted(Ev<Id>),
    #[serde(rename = "recording.completed")]
    RecordingCompleted(Ev<Id>),
    #[serde(rename = "transcription.completed")]
    TranscriptionCompleted(Ev<Id>),
}

#[derive(Deserialize)]
struct Ev<D> {
    topic: String,
    data: D,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct Conference {
    conference_id: String,
}

#[derive(Deserialize)]
struct Queue {
    queue_id: String,
}

#[derive(Deserialize)]
struct Agent {
    agent_id: String,
}

/// The server's answer to a request.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type")]
    kind: String,
}

pub async fn run(url: String, events: u64, ready: oneshot::Sender<()>) -> Outcome {
    let (mut ws, _response) = match timeout(SETUP_LIMIT, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok(connected)) => connected,
        Ok(Err(e)) => fail(format!("connect: {e}")),
        Err(_) => fail("connect: timed out"),
    };
    let subscribe = serde_json::json!({"type": "subscribe", "topics": [TOPIC]}).to_string();
    if let Err(e) = ws.send(Message::text(subscribe)).await {
        fail(format!("subscribe: {e}"));
    }
    // The ack is the first text frame.
    loop {
        match timeout(SETUP_LIMIT, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str::<Reply>(&text) {
                Ok(reply) if reply.kind == "ack" => break,
                _ => fail(format!("subscribe: answered {text}")),
            },
            Ok(Some(Ok(_))) => {}
            other => fail(format!("subscribe: no ack ({other:?})")),
        }
    }
    let _ = ready.send(());

    let mut tally = Tally::new(events);
    // Bounded by the watchdog in main.rs. tungstenite answers pings while reading.
    while !tally.done() {
        let text = match ws.next().await {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => fail(format!("closed by the server: {frame:?}")),
            Some(Ok(_)) => continue,
            Some(Err(e)) => fail(format!("read: {e}")),
            None => fail("the connection ended"),
        };
        match serde_json::from_str::<Event>(&text) {
            Ok(event) => dispatch(&mut tally, event),
            Err(e) => fail(format!("undecodable event: {e}: {text}")),
        }
    }
    Outcome { tally, dropped: 0 }
}

fn dispatch(tally: &mut Tally, event: Event) {
    use Event as E;
    let (kind, topic, key) = match &event {
        E::CallCreated(e) => (0, &e.topic, &e.data.id),
        E::CallStatus(e) => (1, &e.topic, &e.data.id),
        E::CallEnded(e) => (2, &e.topic, &e.data.id),
        E::MessageReceived(e) => (3, &e.topic, &e.data.id),
        E::MessageSent(e) => (4, &e.topic, &e.data.id),
        E::MessageDelivery(e) => (5, &e.topic, &e.data.id),
        E::ActiveflowUpdated(e) => (6, &e.topic, &e.data.id),
        E::ActiveflowCompleted(e) => (7, &e.topic, &e.data.id),
        E::ConferenceJoined(e) => (8, &e.topic, &e.data.conference_id),
        E::ConferenceLeft(e) => (9, &e.topic, &e.data.conference_id),
        E::ConferenceEnded(e) => (10, &e.topic, &e.data.conference_id),
        E::QueueJoined(e) => (11, &e.topic, &e.data.queue_id),
        E::QueueConnected(e) => (12, &e.topic, &e.data.queue_id),
        E::QueueLeft(e) => (13, &e.topic, &e.data.queue_id),
        E::AgentStatus(e) => (14, &e.topic, &e.data.agent_id),
        E::RecordingStarted(e) => (15, &e.topic, &e.data.id),
        E::RecordingCompleted(e) => (16, &e.topic, &e.data.id),
        E::TranscriptionCompleted(e) => (17, &e.topic, &e.data.id),
    };
    tally.add(kind, topic, key);
}
