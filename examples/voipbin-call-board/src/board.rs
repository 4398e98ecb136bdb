//! The table of active calls, kept from the call events alone so it can be tested without a
//! connection.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::api::types::ServerMessage;

/// One active call as the board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub status: String,
    pub from: String,
    pub to: String,
    pub since: String,
}

/// Active calls by id, in id order so the table does not jump around.
#[derive(Debug, Default)]
pub struct Board {
    calls: BTreeMap<String, Call>,
}

impl Board {
    /// Applies one event; whether the table changed. Events of other kinds, and a status or end
    /// of a call the board never saw start, change nothing except as noted.
    pub fn apply(&mut self, message: &ServerMessage) -> bool {
        match message {
            ServerMessage::CallCreated(event) => {
                let data = &event.data;
                let target = |a: &Option<crate::api::types::Address>| {
                    a.as_ref()
                        .map(|a| a.target.clone())
                        .unwrap_or_else(|| "?".to_owned())
                };
                let call = Call {
                    status: data.status.clone().unwrap_or_else(|| "created".to_owned()),
                    from: target(&data.source),
                    to: target(&data.destination),
                    since: clock(&event.timestamp),
                };
                self.calls.insert(data.id.clone(), call.clone()) != Some(call)
            }
            // A status for a call created before the board connected: it is active, so it is
            // shown, with what is known.
            ServerMessage::CallStatus(event) => {
                let data = &event.data;
                let call = self.calls.entry(data.id.clone()).or_insert_with(|| Call {
                    status: String::new(),
                    from: "?".to_owned(),
                    to: "?".to_owned(),
                    since: clock(&event.timestamp),
                });
                let changed = call.status != data.status;
                call.status.clone_from(&data.status);
                changed
            }
            ServerMessage::CallEnded(event) => self.calls.remove(&event.data.id).is_some(),
            _ => false,
        }
    }

    /// The number of active calls.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// The table, one call per line under a header.
    pub fn render(&self) -> String {
        let mut out = format!("{} active call(s)\n", self.len());
        if self.calls.is_empty() {
            return out;
        }
        let _ = writeln!(
            out,
            "{:<12} {:<10} {:<16} {:<16} SINCE",
            "CALL", "STATUS", "FROM", "TO"
        );

        for (id, call) in &self.calls {
            let _ = writeln!(
                out,
                "{:<12} {:<10} {:<16} {:<16} {}",
                id, call.status, call.from, call.to, call.since
            );
        }
        out
    }
}

/// `HH:MM:SS` from an RFC 3339 timestamp, or the timestamp as sent when it has no such part.
fn clock(timestamp: &str) -> String {
    timestamp
        .split_once('T')
        .and_then(|(_, time)| time.get(..8))
        .unwrap_or(timestamp)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: serde_json::Value) -> ServerMessage {
        serde_json::from_value(json!({
            "event_type": kind,
            "timestamp": "2024-01-15T10:30:00.000000Z",
            "topic": "customer_id:abc123:call:c1",
            "data": data,
        }))
        .expect("a call event")
    }

    #[test]
    fn a_call_is_shown_from_creation_to_its_end() {
        let mut board = Board::default();
        let created = event(
            "call.created",
            json!({"id": "c1", "status": "ringing",
                   "source": {"type": "tel", "target": "+15551234567"},
                   "destination": {"type": "tel", "target": "+15559876543"}}),
        );
        assert!(board.apply(&created));
        assert!(
            !board.apply(&created),
            "the same event twice changes nothing"
        );
        assert!(
            board
                .render()
                .contains("c1           ringing    +15551234567     +15559876543     10:30:00")
        );

        assert!(board.apply(&event(
            "call.status",
            json!({"id": "c1", "status": "answered"})
        )));
        assert!(board.render().contains("answered"));
        assert!(!board.apply(&event(
            "call.status",
            json!({"id": "c1", "status": "answered"})
        )));

        assert!(board.apply(&event(
            "call.ended",
            json!({"id": "c1", "status": "hangup"})
        )));
        assert_eq!(board.len(), 0);
        assert_eq!(board.render(), "0 active call(s)\n");
    }

    #[test]
    fn a_status_of_an_unseen_call_shows_it_and_an_unseen_end_changes_nothing() {
        let mut board = Board::default();
        assert!(board.apply(&event(
            "call.status",
            json!({"id": "c9", "status": "answered"})
        )));
        assert_eq!(board.len(), 1);
        assert!(!board.apply(&event("call.ended", json!({"id": "c8"}))));
        assert_eq!(board.len(), 1);
    }
}
