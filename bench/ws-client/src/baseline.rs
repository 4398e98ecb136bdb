//! The baseline side of the benchmark: the client a careful user writes by hand with
//! tokio-tungstenite and serde, without asyncgen.

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use crate::api::types;
use crate::{Outcome, SETUP_LIMIT, TOPIC, Tally, fail};

/// The events, decoded into complete payload types (every field the document defines, the same
/// data the generated client delivers). The structs are the ones asyncgen generated for the
/// document, standing in for what the user would otherwise write by hand; the loop, the tag
/// dispatch and the enum are hand-written.
enum Event {
    CallCreated(types::CallCreatedEvent),
    CallStatus(types::CallStatusEvent),
    CallEnded(types::CallEndedEvent),
    MessageReceived(types::MessageReceivedEvent),
    MessageSent(types::MessageSentEvent),
    MessageDelivery(types::MessageDeliveryEvent),
    ActiveflowUpdated(types::ActiveflowUpdatedEvent),
    ActiveflowCompleted(types::ActiveflowCompletedEvent),
    ConferenceJoined(types::ConferenceJoinedEvent),
    ConferenceLeft(types::ConferenceLeftEvent),
    ConferenceEnded(types::ConferenceEndedEvent),
    QueueJoined(types::QueueJoinedEvent),
    QueueConnected(types::QueueConnectedEvent),
    QueueLeft(types::QueueLeftEvent),
    AgentStatus(types::AgentStatusEvent),
    RecordingStarted(types::RecordingStartedEvent),
    RecordingCompleted(types::RecordingCompletedEvent),
    TranscriptionCompleted(types::TranscriptionCompletedEvent),
}

/// The tag alone, borrowed: read first to pick the payload type (the payload structs keep
/// `event_type` as a field, so serde's internally tagged enum cannot hold them).
#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    event_type: std::borrow::Cow<'a, str>,
}

fn decode(text: &str) -> Result<Event, serde_json::Error> {
    use serde_json::from_str as d;
    let tag: Tag = d(text)?;
    Ok(match tag.event_type.as_ref() {
        "call.created" => Event::CallCreated(d(text)?),
        "call.status" => Event::CallStatus(d(text)?),
        "call.ended" => Event::CallEnded(d(text)?),
        "message.received" => Event::MessageReceived(d(text)?),
        "message.sent" => Event::MessageSent(d(text)?),
        "message.delivery" => Event::MessageDelivery(d(text)?),
        "activeflow.updated" => Event::ActiveflowUpdated(d(text)?),
        "activeflow.completed" => Event::ActiveflowCompleted(d(text)?),
        "conference.joined" => Event::ConferenceJoined(d(text)?),
        "conference.left" => Event::ConferenceLeft(d(text)?),
        "conference.ended" => Event::ConferenceEnded(d(text)?),
        "queue.joined" => Event::QueueJoined(d(text)?),
        "queue.connected" => Event::QueueConnected(d(text)?),
        "queue.left" => Event::QueueLeft(d(text)?),
        "agent.status" => Event::AgentStatus(d(text)?),
        "recording.started" => Event::RecordingStarted(d(text)?),
        "recording.completed" => Event::RecordingCompleted(d(text)?),
        "transcription.completed" => Event::TranscriptionCompleted(d(text)?),
        other => {
            return Err(serde::de::Error::custom(format!(
                "unknown event_type {other}"
            )));
        }
    })
}

/// The server's answer to a request.
#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "type")]
    kind: String,
}

pub async fn run(url: String, events: u64, ready: oneshot::Sender<()>) -> Outcome {
    let (mut ws, _response) =
        match timeout(SETUP_LIMIT, tokio_tungstenite::connect_async(url)).await {
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
        match decode(&text) {
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
    tally.add(kind, topic.as_str(), key);
}
