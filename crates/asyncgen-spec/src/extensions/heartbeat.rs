//! `x-asyncgen-heartbeat`: WebSocket ping/pong keep-alive (VoIPBIN).
//!
//! Ping and pong are protocol control frames, not messages, so they cannot be channel messages;
//! the ws binding has no keep-alive fields.

use serde::{Deserialize, Serialize};

use super::{Cx, Duration, Extension, InContext, Problem, rel};

/// Keep-alive and stale-connection detection with WebSocket ping/pong control frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Heartbeat {
    /// Send a ping every `interval`.
    pub interval: Duration,
    /// No pong (or other frame) within this long after a ping: the connection is dead; close it
    /// and reconnect.
    pub timeout: Duration,
}

impl Extension for Heartbeat {
    const NAME: &'static str = "x-asyncgen-heartbeat";
    const ON: &'static [&'static str] = &["Server"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.interval.is_zero() {
            out.push(Problem::value(
                rel(&["interval"]),
                "`interval` must be longer than 0: a client would ping without pause",
            ));
        }
        if self.timeout.is_zero() {
            out.push(Problem::value(
                rel(&["timeout"]),
                "`timeout` must be longer than 0: every connection would be declared dead at once",
            ));
        }
        out
    }
}

impl InContext for Heartbeat {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        match cx.str_field("protocol") {
            Some("ws" | "wss") | None => Vec::new(),
            Some(other) => vec![
                Problem::whole(format!(
                    "`{}` is WebSocket ping/pong, but this server's protocol is `{other}`",
                    Self::NAME
                ))
                .with_help("put it on a server with `protocol: ws` or `protocol: wss`"),
            ],
        }
    }
}
