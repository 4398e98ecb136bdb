//! AsyncAPI 2.x: operations live inside channels as `publish` (the application receives) and
//! `subscribe` (the application sends).

use indexmap::IndexMap;

use super::{At, Ctx, Merged, unique};
use crate::model::{Channel, Direction, Operation, Parameter, Reply};

pub(super) fn lower<'a>(ctx: &mut Ctx<'a>, root: &At<'a>) {
    for (address, item) in root
        .get("channels")
        .map(|c| c.entries())
        .unwrap_or_default()
    {
        let Some(item) = item.follow() else { continue };
        let parameters = parameters(ctx, &item);
        let mut channel = Channel {
            key: address.clone(),
            address: Some(address.clone()),
            title: None,
            summary: None,
            description: item.str("description"),
            parameters,
            messages: Vec::new(),
            servers: item.strings("servers"),
            bindings: item.bindings(),
            extensions: item.extensions(),
            origin: item.origin(),
        };
        for (verb, direction) in [
            ("publish", Direction::Receive),
            ("subscribe", Direction::Send),
        ] {
            let Some(op) = item.get(verb) else { continue };
            let merged = Merged::new(&op, false);
            let key = unique(
                &ctx.operations,
                &merged
                    .str("operationId")
                    .unwrap_or_else(|| format!("{address}_{verb}")),
            );
            let mut messages = Vec::new();
            // A channel's `oneOf` written one level too shallow, beside its only operation
            // whose `message` has neither a payload nor its own `oneOf`: read as that message's
            // alternatives (the validator says so, with `misplaced-field`).
            let stray = item
                .get("oneOf")
                .filter(|_| item.get("publish").is_none() || item.get("subscribe").is_none());
            if let Some(message) = merged.get("message") {
                let alternatives = match (message.get("oneOf"), stray) {
                    (Some(list), _) if !super::node_is_ref(message) => list.items(),
                    (None, Some(list))
                        if !super::node_is_ref(message) && message.get("payload").is_none() =>
                    {
                        list.items()
                    }
                    _ => vec![message.clone()],
                };
                let many = alternatives.len() > 1;
                for (i, m) in alternatives.iter().enumerate() {
                    let fallback = if many {
                        format!("{key}Message{}", i + 1)
                    } else {
                        format!("{key}Message")
                    };
                    if let Some(k) = ctx.message(m, &fallback) {
                        if !messages.contains(&k) {
                            messages.push(k.clone());
                        }
                        if !channel.messages.contains(&k) {
                            channel.messages.push(k);
                        }
                    }
                }
            }
            // 2.x cannot say that the provider reads a reply; `x-asyncgen-reply` does (3.x:
            // the operation's `reply`).
            let reply = merged.get("x-asyncgen-reply").and_then(|r| {
                let k = ctx.message(r, &format!("{key}Reply"))?;
                Some(Reply {
                    channel: None,
                    messages: vec![k],
                    address_location: None,
                })
            });
            let security = ctx.security(merged.get("security"), &key);
            ctx.operations.insert(
                key.clone(),
                Operation {
                    key,
                    direction,
                    channel: address.clone(),
                    messages,
                    title: None,
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
        ctx.channels.insert(address, channel);
    }
}

fn parameters<'a>(ctx: &mut Ctx<'a>, item: &At<'a>) -> IndexMap<String, Parameter> {
    item.followed_entries("parameters")
        .into_iter()
        .map(|(name, p)| {
            let schema = p
                .get("schema")
                .and_then(|s| ctx.schemas.add(s.file, &s.ptr));
            (
                name,
                Parameter {
                    description: p.str("description"),
                    schema,
                    allowed: Vec::new(),
                    default: None,
                    examples: Vec::new(),
                    location: p.str("location"),
                },
            )
        })
        .collect()
}
