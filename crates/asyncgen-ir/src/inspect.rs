//! What the model understood of a document, as `asyncgen inspect` prints it: for a person, or
//! (serialized) for a program.

use crate::{Api, Direction};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
pub struct Report {
    pub title: String,
    pub version: String,
    pub asyncapi: String,
    pub servers: Vec<ServerReport>,
    pub channels: Vec<ChannelReport>,
}

#[derive(Serialize)]
pub struct ServerReport {
    pub key: String,
    pub protocol: String,
    pub host: String,
}

#[derive(Serialize)]
pub struct ChannelReport {
    pub key: String,
    pub address: Option<String>,
    pub operations: Vec<OperationReport>,
    pub messages: Vec<MessageReport>,
}

#[derive(Serialize)]
pub struct OperationReport {
    pub key: String,
    /// What the described application does: `send` or `receive`.
    pub direction: Direction,
    pub messages: Vec<String>,
    /// Messages the application answers with (3.x `reply`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<String>,
}

#[derive(Serialize)]
pub struct MessageReport {
    pub key: String,
    pub content_type: Option<String>,
    /// Where the payload schema is defined (`file#/pointer`).
    pub payload: Option<String>,
    pub headers: Option<String>,
    pub examples: usize,
}

pub fn report(api: &Api) -> Report {
    Report {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        asyncapi: api.asyncapi.clone(),
        servers: api
            .servers
            .values()
            .map(|s| ServerReport {
                key: s.key.clone(),
                protocol: s.protocol.clone(),
                host: s.host.clone(),
            })
            .collect(),
        channels: api
            .channels
            .values()
            .map(|c| ChannelReport {
                key: c.key.clone(),
                address: c.address.clone(),
                operations: api
                    .operations
                    .values()
                    .filter(|o| o.channel == c.key)
                    .map(|o| OperationReport {
                        key: o.key.clone(),
                        direction: o.direction,
                        messages: o.messages.clone(),
                        replies: o
                            .reply
                            .as_ref()
                            .map(|r| r.messages.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
                messages: c
                    .messages
                    .iter()
                    .filter_map(|k| api.messages.get(k))
                    .map(|m| MessageReport {
                        key: m.key.clone(),
                        content_type: m.content_type.clone(),
                        payload: m.payload.as_ref().map(ToString::to_string),
                        headers: m.headers.as_ref().map(ToString::to_string),
                        examples: m.examples.len(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} (AsyncAPI {})", r.title, r.version, r.asyncapi);
    if !r.servers.is_empty() {
        let _ = writeln!(out, "servers:");
        for s in &r.servers {
            let _ = writeln!(out, "  {}  {}  {}", s.key, s.protocol, s.host);
        }
    }
    let _ = writeln!(out, "channels:");
    for c in &r.channels {
        match c.address.as_deref() {
            Some(a) if a == c.key => writeln!(out, "  {a}"),
            Some(a) => writeln!(out, "  {}  address: {a}", c.key),
            None => writeln!(out, "  {}  address: (dynamic)", c.key),
        }
        .ok();
        for o in &c.operations {
            let _ = writeln!(
                out,
                "    operation {}: the application {} {}",
                o.key,
                o.direction,
                o.messages.join(", ")
            );
        }
        for m in &c.messages {
            let _ = writeln!(out, "    message {}", m.key);
            if let Some(ct) = &m.content_type {
                let _ = writeln!(out, "      content type: {ct}");
            }
            let _ = writeln!(
                out,
                "      payload: {}",
                m.payload.as_deref().unwrap_or("(none)")
            );
            if let Some(h) = &m.headers {
                let _ = writeln!(out, "      headers: {h}");
            }
            if m.examples > 0 {
                let _ = writeln!(out, "      examples: {}", m.examples);
            }
        }
    }
    out
}
