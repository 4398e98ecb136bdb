//! AsyncAPI 3.x: channels carry messages; operations name a channel and a subset of its
//! messages with `action: send | receive`.

use std::collections::HashMap;

use asyncgen_spec::RefTarget;

use super::{At, Ctx, Merged, unique};
use crate::model::{Channel, Direction, Operation, Parameter, Reply};

pub(super) fn lower<'a>(ctx: &mut Ctx<'a>, root: &At<'a>) {
    // Channel location (as referenced, and as content) → key, for operations to find theirs.
    let mut channel_keys: HashMap<RefTarget, String> = HashMap::new();
    // Location of each channel's message entry → message key.
    let mut entry_keys: HashMap<RefTarget, String> = HashMap::new();
    for (key, ch) in root
        .get("channels")
        .map(|c| c.entries())
        .unwrap_or_default()
    {
        let Some(content) = ch.follow() else { continue };
        channel_keys.insert(ch.target(), key.clone());
        channel_keys.insert(content.target(), key.clone());
        let mut messages = Vec::new();
        for (mk, m) in content
            .get("messages")
            .map(|m| m.entries())
            .unwrap_or_default()
        {
            let fallback = if ctx.messages.contains_key(&mk) {
                format!("{key}_{mk}")
            } else {
                mk.clone()
            };
            if let Some(k) = ctx.message(&m, &fallback) {
                entry_keys.insert(m.target(), k.clone());
                if !messages.contains(&k) {
                    messages.push(k);
                }
            }
        }
        let parameters = content
            .followed_entries("parameters")
            .into_iter()
            .map(|(name, p)| {
                (
                    name,
                    Parameter {
                        description: p.str("description"),
                        schema: None,
                        allowed: p.strings("enum"),
                        default: p.str("default"),
                        examples: p.strings("examples"),
                        location: p.str("location"),
                    },
                )
            })
            .collect();
        let servers = content
            .get("servers")
            .map(|s| s.items())
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.follow().and_then(|t| t.ptr.last()))
            .collect();
        ctx.channels.insert(
            key.clone(),
            Channel {
                key: key.clone(),
                address: content.str("address"),
                title: content.str("title"),
                summary: content.str("summary"),
                description: content.str("description"),
                parameters,
                messages,
                servers,
                bindings: content.bindings(),
                extensions: content.extensions(),
                origin: content.origin(),
            },
        );
    }

    let resolve_channel = |at: &At<'a>| -> Option<String> {
        let r = at.value.get("$ref")?.as_str()?;
        let direct = at.ws.resolve_ref(at.file, r).ok()?;
        channel_keys.get(&direct).cloned().or_else(|| {
            let (content, _) = at.ws.follow(direct.file, direct.pointer).ok()?;
            channel_keys.get(&content).cloned()
        })
    };

    for (key, op) in root
        .get("operations")
        .map(|o| o.entries())
        .unwrap_or_default()
    {
        let Some(op) = op.follow() else { continue };
        let merged = Merged::new(&op, true);
        let direction = match merged.str("action").as_deref() {
            Some("send") => Direction::Send,
            _ => Direction::Receive,
        };
        let Some(channel) = merged.get("channel").and_then(&resolve_channel) else {
            continue;
        };
        let messages = match merged.get("messages") {
            Some(list) => message_keys(ctx, &list.items(), &entry_keys),
            None => ctx
                .channels
                .get(&channel)
                .map(|c| c.messages.clone())
                .unwrap_or_default(),
        };
        let reply = merged.get("reply").and_then(At::follow).map(|r| Reply {
            channel: r.get("channel").and_then(|c| resolve_channel(&c)),
            messages: message_keys(
                ctx,
                &r.get("messages").map(|m| m.items()).unwrap_or_default(),
                &entry_keys,
            ),
            address_location: r
                .get("address")
                .and_then(|a| a.follow())
                .and_then(|a| a.str("location")),
        });
        let security = ctx.security(merged.get("security"), &key);
        let key = unique(&ctx.operations, &key);
        ctx.operations.insert(
            key.clone(),
            Operation {
                key,
                direction,
                channel,
                messages,
                title: merged.str("title"),
                summary: merged.str("summary"),
                description: merged.str("description"),
                security,
                reply,
                bindings: merged.bindings(),
                extensions: merged.extensions(),
                origin: op.origin(),
            },
        );
    }
}

/// Keys of referenced messages: through the channel entry when referenced that way, else by
/// the content they lead to (lowering it if no channel carried it).
fn message_keys<'a>(
    ctx: &mut Ctx<'a>,
    refs: &[At<'a>],
    entry_keys: &HashMap<RefTarget, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for m in refs {
        let direct = m
            .value
            .get("$ref")
            .and_then(|r| r.as_str())
            .and_then(|r| m.ws.resolve_ref(m.file, r).ok());
        let key = direct
            .and_then(|d| entry_keys.get(&d).cloned())
            .or_else(|| ctx.message(m, &m.ptr.last().unwrap_or_default()));
        if let Some(k) = key.filter(|k| !out.contains(k)) {
            out.push(k);
        }
    }
    out
}
