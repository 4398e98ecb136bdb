//! Builds large AsyncAPI 3.1 documents with a known shape, byte-identical for the same size, so
//! benchmarks and scaling tests measure the same work on every machine.

use serde_json::{Map, Value, json};

/// The size of a synthetic document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub channels: usize,
    pub schemas: usize,
}

impl Size {
    /// The reference size of the foundation benchmark: 2,000 channels, 10,000 schemas.
    pub const REFERENCE: Size = Size {
        channels: 2_000,
        schemas: 10_000,
    };

    pub fn scaled(self, factor: usize) -> Size {
        Size {
            channels: self.channels * factor,
            schemas: self.schemas * factor,
        }
    }
}

fn schema(i: usize, n: usize) -> Value {
    // References reach forward and back so every schema is reached, and a cycle closes at the end.
    let next = (i + 1) % n;
    let far = (i * 7 + 3) % n;
    json!({
        "type": "object",
        "description": format!("Synthetic schema number {i}."),
        "required": ["id", "kind"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "kind": {"type": "string", "enum": ["alpha", "beta", "gamma", format!("k{}", i % 13)]},
            "count": {"type": "integer", "format": "int64", "minimum": 0},
            "ratio": {"type": "number"},
            "next": {"$ref": format!("#/components/schemas/Schema{next}")},
            "related": {"type": "array", "items": {"$ref": format!("#/components/schemas/Schema{far}")}},
            "meta": {
                "type": "object",
                "properties": {
                    "createdAt": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}}
                }
            }
        }
    })
}

/// The document as a JSON value.
pub fn document(size: Size) -> Value {
    let n = size.schemas.max(1);
    let mut schemas = Map::new();
    for i in 0..n {
        schemas.insert(format!("Schema{i}"), schema(i, n));
    }
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for c in 0..size.channels {
        messages.insert(
            format!("Event{c}"),
            json!({
                "name": format!("Event{c}"),
                "contentType": "application/json",
                "payload": {"$ref": format!("#/components/schemas/Schema{}", c % n)},
                "examples": [{"name": "minimal", "payload": {"id": "00000000-0000-0000-0000-000000000000", "kind": "alpha"}}]
            }),
        );
        channels.insert(
            format!("channel{c}"),
            json!({
                "address": format!("tenants/{{tenantId}}/stream{c}"),
                "parameters": {"tenantId": {"description": "Tenant."}},
                "messages": {format!("event{c}"): {"$ref": format!("#/components/messages/Event{c}")}}
            }),
        );
        operations.insert(
            format!("op{c}"),
            json!({
                "action": if c % 2 == 0 { "send" } else { "receive" },
                "channel": {"$ref": format!("#/channels/channel{c}")},
                "messages": [{"$ref": format!("#/channels/channel{c}/messages/event{c}")}]
            }),
        );
    }
    json!({
        "asyncapi": "3.1.0",
        "info": {"title": "Synthetic", "version": format!("{}x{}", size.channels, size.schemas)},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages}
    })
}

/// The document as YAML text.
pub fn yaml(size: Size) -> String {
    serde_yaml::to_string(&document(size)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_same_bytes() {
        let s = Size {
            channels: 3,
            schemas: 5,
        };
        assert_eq!(yaml(s), yaml(s));
        assert!(yaml(s).contains("Schema4"));
    }
}
