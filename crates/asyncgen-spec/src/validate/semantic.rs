//! Checks across objects that a per-object walk cannot see: unique ids, operations naming their
//! channel and messages, channel servers, address parameters.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::walk::{Walker, is_ref};
use crate::diagnostic::{Code, Related};
use crate::pointer::Pointer;
use crate::source::FileId;
use crate::workspace::RefTarget;

const ROOT: FileId = FileId(0);

/// `{name}` placeholders of a channel address, in order.
pub fn address_parameters(address: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = address;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(&rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out
}

/// Resolves a possibly referenced object to where its content lives.
fn content<'a>(
    w: &mut Walker<'a>,
    file: FileId,
    ptr: &Pointer,
    v: &'a Value,
) -> Option<(RefTarget, &'a Value)> {
    if is_ref(v) {
        w.ws.follow(file, ptr.clone()).ok()
    } else {
        Some((
            RefTarget {
                file,
                pointer: ptr.clone(),
            },
            v,
        ))
    }
}

/// `address_at` is where the address is written: the channel key in 2.x, `address` in 3.x.
fn check_parameters(
    w: &mut Walker<'_>,
    at: &RefTarget,
    address_at: &RefTarget,
    address: &str,
    channel: &Map<String, Value>,
) {
    let declared: Vec<&String> = channel
        .get("parameters")
        .and_then(Value::as_object)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let used = address_parameters(address);
    for name in &used {
        if !declared.iter().any(|d| d == name) {
            let msg = format!("address parameter `{{{name}}}` is not declared in `parameters`");
            let d = w.emit_ptr(
                Code::UndeclaredParameter,
                msg,
                address_at.file,
                &address_at.pointer,
            );
            d.location.at_key = !address_at.pointer.as_str().ends_with("/address");
        }
    }
    for name in declared {
        if !used.contains(&name.as_str()) {
            let msg =
                format!("parameter `{name}` does not appear in the channel address `{address}`");
            let d = w.emit_ptr(
                Code::UndeclaredParameter,
                msg,
                at.file,
                &at.pointer.push("parameters").push(name),
            );
            d.location.at_key = true;
        }
    }
}

struct Seen {
    first: HashMap<String, (RefTarget, Pointer)>,
}

impl Seen {
    /// Records an id; a second, different owner of the same id is a `duplicate-id`.
    fn record(&mut self, w: &mut Walker<'_>, what: &str, id: &str, owner: RefTarget, at: Pointer) {
        match self.first.get(id) {
            Some((first_owner, _)) if *first_owner == owner => {}
            Some((first_owner, first_at)) => {
                let msg = format!("{what} `{id}` is used more than once");
                let related = Related {
                    message: "first used here".to_owned(),
                    location: w.ws.location(first_owner.file, first_at.clone(), false),
                };
                let d = w.emit_ptr(Code::DuplicateId, msg, owner.file, &at);
                d.related.push(related);
            }
            None => {
                self.first.insert(id.to_owned(), (owner, at));
            }
        }
    }
}

pub fn check_v2<'a>(w: &mut Walker<'a>, root: &'a Value) {
    let servers: HashSet<&str> = root
        .get("servers")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut op_ids = Seen {
        first: HashMap::new(),
    };
    let mut msg_ids = Seen {
        first: HashMap::new(),
    };
    let mut operations = 0;
    let channels = root.get("channels").and_then(Value::as_object);
    for (name, item) in channels.into_iter().flatten() {
        let ptr = Pointer::root().push("channels").push(name);
        let Some((at, item)) = content(w, ROOT, &ptr, item) else {
            continue;
        };
        let Some(channel) = item.as_object() else {
            continue;
        };
        for (i, s) in channel
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(s) = s.as_str().filter(|s| !servers.contains(s)) {
                let msg = format!(
                    "channel `{name}` names server `{s}`, which is not defined in `servers`"
                );
                w.emit_ptr(
                    Code::MissingServer,
                    msg,
                    at.file,
                    &at.pointer.push("servers").push_index(i),
                );
            }
        }
        let key_at = RefTarget {
            file: ROOT,
            pointer: ptr.clone(),
        };
        check_parameters(w, &at, &key_at, name, channel);
        for verb in ["publish", "subscribe"] {
            let Some(op) = channel.get(verb).and_then(Value::as_object) else {
                continue;
            };
            operations += 1;
            let op_ptr = at.pointer.push(verb);
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                let owner = RefTarget {
                    file: at.file,
                    pointer: op_ptr.clone(),
                };
                op_ids.record(w, "operationId", id, owner, op_ptr.push("operationId"));
            }
            let Some(message) = op.get("message") else {
                continue;
            };
            let msg_ptr = op_ptr.push("message");
            let alternatives: Vec<(Pointer, &Value)> =
                match message.get("oneOf").and_then(Value::as_array) {
                    Some(items) if !is_ref(message) => items
                        .iter()
                        .enumerate()
                        .map(|(i, m)| (msg_ptr.push("oneOf").push_index(i), m))
                        .collect(),
                    _ => vec![(msg_ptr, message)],
                };
            for (mp, m) in alternatives {
                record_message_id(w, &mut msg_ids, at.file, &mp, m);
            }
        }
    }
    let components = root
        .pointer("/components/messages")
        .and_then(Value::as_object);
    for (name, m) in components.into_iter().flatten() {
        let mp = Pointer::root()
            .push("components")
            .push("messages")
            .push(name);
        record_message_id(w, &mut msg_ids, ROOT, &mp, m);
    }
    if operations == 0 && channels.is_some_and(|c| !c.is_empty()) {
        w.emit_ptr(
            Code::NoOperations,
            "no channel has a `publish` or `subscribe` operation: there is nothing to generate",
            ROOT,
            &Pointer::root().push("channels"),
        );
    }
}

fn record_message_id<'a>(
    w: &mut Walker<'a>,
    seen: &mut Seen,
    file: FileId,
    ptr: &Pointer,
    m: &'a Value,
) {
    let Some((owner, m)) = content(w, file, ptr, m) else {
        return;
    };
    if let Some(id) = m.get("messageId").and_then(Value::as_str) {
        let at = owner.pointer.push("messageId");
        seen.record(w, "messageId", id, owner, at);
    }
}

pub fn check_v3<'a>(w: &mut Walker<'a>, root: &'a Value) {
    let channels = root.get("channels").and_then(Value::as_object);
    for (name, ch) in channels.into_iter().flatten() {
        let ptr = Pointer::root().push("channels").push(name);
        let Some((at, ch)) = content(w, ROOT, &ptr, ch) else {
            continue;
        };
        let Some(channel) = ch.as_object() else {
            continue;
        };
        if let Some(address) = channel.get("address").and_then(Value::as_str) {
            let address_at = RefTarget {
                file: at.file,
                pointer: at.pointer.push("address"),
            };
            check_parameters(w, &at, &address_at, address, channel);
        }
    }
    let operations = root.get("operations").and_then(Value::as_object);
    for (name, op) in operations.into_iter().flatten() {
        let ptr = Pointer::root().push("operations").push(name);
        let Some((at, op)) = content(w, ROOT, &ptr, op) else {
            continue;
        };
        check_operation_messages(w, name, &at, op);
    }
    if operations.is_none_or(|o| o.is_empty()) && channels.is_some_and(|c| !c.is_empty()) {
        w.emit_ptr(
            Code::NoOperations,
            "the document declares channels but no `operations`: there is nothing to generate",
            ROOT,
            &Pointer::root().push("channels"),
        );
    }
}

/// A 3.x operation's messages must be messages of its channel (by reference into it).
fn check_operation_messages(w: &mut Walker<'_>, name: &str, at: &RefTarget, op: &Value) {
    let Some(channel_ref) = op.pointer("/channel/$ref").and_then(Value::as_str) else {
        return;
    };
    let Ok(channel) = w.ws.resolve_ref(at.file, channel_ref) else {
        return;
    };
    let Ok((channel_content, channel_value)) = w.ws.follow(channel.file, channel.pointer.clone())
    else {
        return;
    };
    let carried: Vec<RefTarget> = channel_value
        .get("messages")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| {
            let p = channel_content.pointer.push("messages").push(k);
            w.ws.follow(channel_content.file, p).ok().map(|(t, _)| t)
        })
        .collect();
    let messages = op.get("messages").and_then(Value::as_array);
    for (i, m) in messages.into_iter().flatten().enumerate() {
        let Some(r) = m.get("$ref").and_then(Value::as_str) else {
            continue;
        };
        let Ok(direct) = w.ws.resolve_ref(at.file, r) else {
            continue;
        };
        let in_channel = direct.file == channel_content.file
            && direct
                .pointer
                .starts_with(&channel_content.pointer.push("messages"));
        if in_channel {
            continue;
        }
        let here = at.pointer.push("messages").push_index(i).push("$ref");
        let resolved =
            w.ws.follow(direct.file, direct.pointer.clone())
                .ok()
                .map(|(t, _)| t);
        if resolved.is_some_and(|t| carried.contains(&t)) {
            let msg = format!(
                "operation `{name}` references `{r}` directly instead of its channel's message"
            );
            let d = w.emit_ptr(Code::IndirectMessageRef, msg, at.file, &here);
            d.help = Some(format!(
                "reference it through the channel: `{channel_ref}/messages/<key>`"
            ));
        } else {
            let msg = format!(
                "operation `{name}` uses message `{r}`, which its channel `{channel_ref}` does not carry"
            );
            w.emit_ptr(Code::MissingMessage, msg, at.file, &here);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_placeholders() {
        assert_eq!(address_parameters("a/{x}/b/{y}"), ["x", "y"]);
        assert!(address_parameters("plain").is_empty());
        assert_eq!(address_parameters("{unclosed"), Vec::<&str>::new());
    }
}
