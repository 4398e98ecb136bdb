//! How a websocket's topic subscriptions look on the wire, read from the message types, so the
//! client can build subscribe requests and recognise their answers, and the mock server can
//! answer them, without hand-written glue per provider.
//!
//! AsyncAPI has no notion of "subscription request" or "acknowledgement", so roles are derived
//! from structure: a request is a message the client sends whose only non-constant required
//! field is a list of topics (the `x-asyncgen-topic` type where there is one); a reply is a
//! message answering one of the socket's operations. Names decide only what structure cannot:
//! which request unsubscribes, and which reply refuses (see `specs/README.md`, "Websocket
//! subscriptions").

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::model::Api;
use crate::socket::Socket;
use crate::types::{Additional, Field, StructDef, TypeId, TypeKind, TypeRef, TypeSpace};

/// A socket's subscription protocol; every part is optional (Dialpad's socket has none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subscription {
    /// The topic type, when a schema of the socket's messages carries `x-asyncgen-topic`.
    pub topic: Option<TypeId>,
    pub subscribe: Option<Request>,
    pub unsubscribe: Option<Request>,
    /// The reply confirming a request.
    pub ack: Option<Reply>,
    /// The reply refusing a request.
    pub error: Option<Reply>,
    /// Per incoming event (message key): the Rust name of the field holding its topic.
    pub event_topics: IndexMap<String, String>,
}

/// A message that subscribes or unsubscribes.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Message key (also the client-message union's variant source).
    pub message: String,
    /// The constant fields, as a JSON object: the request is this plus the topic list.
    pub template: Map<String, Value>,
    /// Wire name of the topic list.
    pub topics: String,
}

/// A message answering a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub message: String,
    /// The constant fields.
    pub template: Map<String, Value>,
    /// Wire name of the echoed topic list, if the reply has one.
    pub topics: Option<String>,
    /// Wire name of a field echoing which request is answered: a string enum whose values
    /// include a request's constant (VoIPBIN's `action: subscribe | unsubscribe`).
    pub echo: Option<String>,
    /// Wire names of the fields that explain a refusal, in order (`code`, `message`).
    pub reason: Vec<String>,
}

impl Request {
    /// The string constants of the request (`"subscribe"`), what a reply's echo field holds.
    pub fn markers(&self) -> impl Iterator<Item = &str> {
        self.template.values().filter_map(Value::as_str)
    }
}

/// Derives the subscription protocol of `socket`.
pub fn subscription(api: &Api, space: &TypeSpace, socket: &Socket) -> Subscription {
    let topic = topic_type(space, socket);
    let mut requests: Vec<Request> = socket
        .outgoing
        .iter()
        .filter_map(|m| request(space, m, topic))
        .collect();
    let unsub = requests
        .iter()
        .position(|r| names_say(api, &r.message, &["unsub"]));
    let unsubscribe = unsub.map(|i| requests.remove(i));
    let subscribe = (!requests.is_empty()).then(|| requests.remove(0));
    let markers: Vec<&str> = subscribe
        .iter()
        .chain(&unsubscribe)
        .flat_map(Request::markers)
        .collect();
    let list_wire = subscribe.as_ref().map(|r| r.topics.as_str());
    let mut ack = None;
    let mut error = None;
    for m in &socket.replies {
        let Some(s) = payload_struct(space, m) else {
            continue;
        };
        let refusal = names_say(api, m, &["error", "nack", "reject", "fail", "denied"]);
        let reply = reply(space, m, s, &markers, list_wire, refusal);
        let slot = if refusal { &mut error } else { &mut ack };
        if slot.is_none() {
            *slot = Some(reply);
        }
    }
    let event_topics = socket
        .incoming
        .iter()
        .filter(|m| !socket.replies.contains(m))
        .filter_map(|m| {
            let s = payload_struct(space, m)?;
            let field = s
                .fields
                .iter()
                .find(|f| f.required && topic.is_some_and(|t| resolves_to(space, &f.ty, t)))?;
            Some((m.clone(), field.name.clone()))
        })
        .collect();
    Subscription {
        topic,
        subscribe,
        unsubscribe,
        ack,
        error,
        event_topics,
    }
}

/// The topic type of `socket`: the first `x-asyncgen-topic` type its messages hold, looking at
/// what a client sends before what it receives. A document may describe several sockets, each
/// with topics of its own shape, so the search never leaves the socket's messages.
fn topic_type(space: &TypeSpace, socket: &Socket) -> Option<TypeId> {
    let mut seen = HashSet::new();
    socket
        .outgoing
        .iter()
        .chain(&socket.incoming)
        .filter_map(|m| space.messages.get(m)?.payload.as_ref())
        .find_map(|ty| topic_within(space, ty, &mut seen))
}

/// The first topic type `ty` holds, at any depth; `seen` keeps recursive types finite.
fn topic_within(space: &TypeSpace, ty: &TypeRef, seen: &mut HashSet<TypeId>) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => {
            if !seen.insert(*id) {
                return None;
            }
            match &space.get(*id).kind {
                TypeKind::Topic(_) => Some(*id),
                TypeKind::Alias(inner) => topic_within(space, inner, seen),
                TypeKind::Struct(s) => {
                    let kept = match &s.additional {
                        Additional::Keep(ty) => Some(ty),
                        Additional::Ignore | Additional::Deny => None,
                    };
                    s.fields
                        .iter()
                        .map(|f| &f.ty)
                        .chain(kept)
                        .find_map(|ty| topic_within(space, ty, seen))
                }
                TypeKind::Union(u) => u
                    .variants
                    .iter()
                    .find_map(|v| topic_within(space, &v.ty, seen)),
                TypeKind::Enum(_) => None,
            }
        }
        TypeRef::Option(inner)
        | TypeRef::Vec(inner)
        | TypeRef::Map(inner)
        | TypeRef::Boxed(inner)
        | TypeRef::Indirect(inner) => topic_within(space, inner, seen),
        TypeRef::Tuple(items) => items.iter().find_map(|ty| topic_within(space, ty, seen)),
        TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F64
        | TypeRef::String
        | TypeRef::Json => None,
    }
}

fn request(space: &TypeSpace, message: &str, topic: Option<TypeId>) -> Option<Request> {
    let s = payload_struct(space, message)?;
    let mut template = Map::new();
    let mut topics = None;
    for f in s.fields.iter().filter(|f| f.required) {
        if let Some(c) = &f.constant {
            template.insert(f.wire.clone(), c.clone());
        } else if topics.is_none() && is_topic_list(space, &f.ty, topic) {
            topics = Some(f.wire.clone());
        } else {
            // A required field the client cannot fill from topics alone.
            return None;
        }
    }
    Some(Request {
        message: message.to_owned(),
        template,
        topics: topics?,
    })
}

fn reply(
    space: &TypeSpace,
    message: &str,
    s: &StructDef,
    markers: &[&str],
    list_wire: Option<&str>,
    refusal: bool,
) -> Reply {
    let mut template = Map::new();
    let lists: Vec<&Field> = s
        .fields
        .iter()
        .filter(|f| is_list(space, &f.ty) && f.constant.is_none())
        .collect();
    let topics = lists
        .iter()
        .find(|f| Some(f.wire.as_str()) == list_wire)
        .or(lists.first())
        .map(|f| f.wire.clone());
    let mut echo = None;
    let mut reason = Vec::new();
    for f in &s.fields {
        if let Some(c) = &f.constant {
            if f.required {
                template.insert(f.wire.clone(), c.clone());
            }
        } else if Some(&f.wire) == topics.as_ref() {
        } else if echo.is_none()
            && enum_values(space, &f.ty).is_some_and(|v| {
                !markers.is_empty() && markers.iter().all(|m| v.iter().any(|x| x == m))
            })
        {
            echo = Some(f.wire.clone());
        } else if refusal && f.required && is_text(space, &f.ty) {
            reason.push(f.wire.clone());
        }
    }
    Reply {
        message: message.to_owned(),
        template,
        topics,
        echo,
        reason,
    }
}

/// Whether the message's key, name or title contains one of `words` (lowercase).
fn names_say(api: &Api, message: &str, words: &[&str]) -> bool {
    let Some(m) = api.messages.get(message) else {
        return false;
    };
    [Some(&m.key), m.name.as_ref(), m.title.as_ref()]
        .into_iter()
        .flatten()
        .any(|n| {
            let n = n.to_ascii_lowercase();
            words.iter().any(|w| n.contains(w))
        })
}

fn payload_struct<'a>(space: &'a TypeSpace, message: &str) -> Option<&'a StructDef> {
    let ty = space.messages.get(message)?.payload.as_ref()?;
    match &space.get(named(space, ty)?).kind {
        TypeKind::Struct(s) => Some(s),
        _ => None,
    }
}

/// The named type behind `ty`, through aliases and boxes.
fn named(space: &TypeSpace, ty: &TypeRef) -> Option<TypeId> {
    match ty {
        TypeRef::Named(id) => match &space.get(*id).kind {
            TypeKind::Alias(inner) => named(space, inner).or(Some(*id)),
            _ => Some(*id),
        },
        TypeRef::Boxed(inner) | TypeRef::Indirect(inner) => named(space, inner),
        _ => None,
    }
}

fn resolves_to(space: &TypeSpace, ty: &TypeRef, target: TypeId) -> bool {
    named(space, ty) == Some(target)
}

/// `ty` with aliases unfolded one level at a time until it is not an alias.
fn unalias<'a>(space: &'a TypeSpace, ty: &'a TypeRef) -> &'a TypeRef {
    match ty {
        TypeRef::Named(id) => match &space.get(*id).kind {
            TypeKind::Alias(inner) => unalias(space, inner),
            _ => ty,
        },
        _ => ty,
    }
}

fn is_list(space: &TypeSpace, ty: &TypeRef) -> bool {
    match unalias(space, ty) {
        TypeRef::Option(inner) => is_list(space, inner),
        TypeRef::Vec(item) => is_text(space, item),
        _ => false,
    }
}

fn is_topic_list(space: &TypeSpace, ty: &TypeRef, topic: Option<TypeId>) -> bool {
    match (unalias(space, ty), topic) {
        (TypeRef::Vec(item), Some(t)) => resolves_to(space, item, t),
        (TypeRef::Vec(item), None) => is_text(space, item),
        _ => false,
    }
}

/// A string on the wire: `String`, a topic or a string enum.
fn is_text(space: &TypeSpace, ty: &TypeRef) -> bool {
    match unalias(space, ty) {
        TypeRef::String => true,
        TypeRef::Named(id) => matches!(space.get(*id).kind, TypeKind::Topic(_) | TypeKind::Enum(_)),
        _ => false,
    }
}

fn enum_values(space: &TypeSpace, ty: &TypeRef) -> Option<Vec<String>> {
    match unalias(space, ty) {
        TypeRef::Option(inner) => enum_values(space, inner),
        TypeRef::Named(id) => match &space.get(*id).kind {
            TypeKind::Enum(e) => Some(e.variants.iter().map(|v| v.wire.clone()).collect()),
            _ => None,
        },
        _ => None,
    }
}
