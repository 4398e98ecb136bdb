//! Protocol views: the document seen as the webhook endpoints and websockets it describes,
//! derived once per run and carried to every generator, so they cannot disagree on what a view
//! holds; each view asks the type space for the message unions it needs.

use serde::Serialize;

use crate::model::Api;
use crate::socket::{Socket, sockets};
use indexmap::IndexMap;

use crate::types::{Builder, TypeId, TypeIssue, TypeRef, TypeSpace};
use crate::webhook::{Endpoint, endpoints_at, verify_undeclared};

/// Every protocol view of a document, in document order.
#[derive(Debug, Clone, Default)]
pub struct Views {
    pub endpoints: Vec<EndpointView>,
    pub sockets: Vec<SocketView>,
}

/// A webhook endpoint ([`crate::webhook`]) with its message union.
#[derive(Debug, Clone)]
pub struct EndpointView {
    pub endpoint: Endpoint,
    /// The union over every message arriving at the endpoint, even a single one: its
    /// catch-all is what keeps an unknown event from failing a delivery.
    pub event: TypeId,
    /// Per message whose provider reads a reply ([`Endpoint::replies`]): how it is written.
    pub replies: IndexMap<String, ReplyView>,
}

/// The synchronous reply to one message: its type, and its wire form.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyView {
    /// The reply's messages.
    pub messages: Vec<String>,
    /// The reply message's payload type; the union over them when the operation names
    /// several.
    pub ty: TypeRef,
    /// The reply message's content type (the document's default, else JSON).
    pub content_type: String,
    pub format: BodyFormat,
}

/// How a body is written, from its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json`, `+json`.
    Json,
    /// `application/xml`, `text/xml`, `+xml`: the payload inside the element `root`.
    Xml { root: String },
    /// Any other type: a string as it is.
    Text,
}

impl BodyFormat {
    /// The format of `content_type`; `root` names the XML document element.
    pub fn of(content_type: &str, root: impl FnOnce() -> String) -> BodyFormat {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence == "application/json" || essence.ends_with("+json") {
            BodyFormat::Json
        } else if essence.ends_with("/xml") || essence.ends_with("+xml") {
            BodyFormat::Xml { root: root() }
        } else {
            BodyFormat::Text
        }
    }
}

/// A websocket ([`crate::socket`]) with its message unions.
#[derive(Debug, Clone)]
pub struct SocketView {
    pub socket: Socket,
    pub types: SocketTypes,
}

/// A socket's unions, each with its catch-all, so a new event or reply never breaks the
/// connection's reader.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SocketTypes {
    /// Everything a client receives: events, acks, errors.
    pub incoming: TypeId,
    /// Everything a client sends; `None` when it sends nothing.
    pub outgoing: Option<TypeId>,
}

/// The type space of `api` and its protocol views: what one run generates from.
pub fn build(api: &Api) -> (TypeSpace, Views, Vec<TypeIssue>) {
    build_at(api, None, None)
}

/// As [`build`]; a document without servers gets its webhook endpoint at `unregistered` when
/// given ([`crate::webhook::endpoints_at`]), and endpoints that declare nothing verifiable are
/// secured with the signature preset `verify` when given
/// ([`crate::webhook::verify_undeclared`]; an unknown preset name changes nothing).
pub fn build_at(
    api: &Api,
    unregistered: Option<&str>,
    verify: Option<&str>,
) -> (TypeSpace, Views, Vec<TypeIssue>) {
    let mut endpoints = endpoints_at(api, unregistered);
    if let Some(preset) = verify {
        verify_undeclared(endpoints.iter_mut(), preset);
    }
    // A message's preset is known before any union is built: a provider's event-type header
    // tells apart the messages its payloads cannot, in its operation's union as in its
    // endpoint's.
    let headers = endpoints
        .iter()
        .filter_map(|e| Some((e, e.event_header()?)))
        .flat_map(|(e, header)| e.messages.iter().map(move |m| (m.clone(), header)))
        .collect();
    let mut types = Builder::with_event_headers(api, headers);
    let views = Views::derive(api, endpoints, &mut types);
    let (space, issues) = types.finish();
    (space, views, issues)
}

/// The reply made of the messages `keys` (one, or a union named `name` over several).
fn reply_view(
    api: &Api,
    types: &mut Builder<'_>,
    name: &str,
    keys: &[String],
    origin: &crate::model::Origin,
) -> ReplyView {
    let first = keys.first().and_then(|k| api.messages.get(k));
    let ty = match keys {
        [one] => types.payload_type(one).unwrap_or(TypeRef::Json),
        _ => TypeRef::Named(types.message_union(
            name,
            keys,
            origin,
            "A reply to the provider: one of its messages.".to_owned(),
        )),
    };
    let content_type = first
        .and_then(|m| m.content_type.clone())
        .unwrap_or_else(|| "application/json".to_owned());
    // TwiML's `<Response>`: the payload schema's `xml.name`, else the message's name.
    let root = || {
        first
            .and_then(|m| {
                let schema = &api.schemas.get(m.payload.as_ref()?)?.schema;
                schema.pointer("/xml/name")?.as_str().map(str::to_owned)
            })
            .or_else(|| first.and_then(|m| m.name.clone()))
            .or_else(|| keys.first().cloned())
            .unwrap_or_default()
    };
    ReplyView {
        format: BodyFormat::of(&content_type, root),
        messages: keys.to_vec(),
        ty,
        content_type,
    }
}

impl Views {
    /// The views of `api` with its webhook `endpoints` and its sockets, their unions built
    /// with `types`.
    pub fn derive(api: &Api, endpoints: Vec<Endpoint>, types: &mut Builder<'_>) -> Views {
        let several = endpoints.len() > 1;
        let endpoints = endpoints
            .into_iter()
            .map(|e| {
                let description = format!(
                    "A webhook event arriving at `{}`: one of its messages, or an unknown event kept as received.",
                    e.path
                );
                let name = scoped(several, &e.key, "webhook event");
                let event = types.message_union(&name, &e.messages, &e.origin, description);
                let replies = e
                    .replies
                    .iter()
                    .map(|(message, replies)| {
                        let name = scoped(several, &e.key, &format!("{message} reply"));
                        (message.clone(), reply_view(api, types, &name, replies, &e.origin))
                    })
                    .collect();
                EndpointView {
                    endpoint: e,
                    event,
                    replies,
                }
            })
            .collect();
        let sockets = sockets(api);
        let several = sockets.len() > 1;
        let sockets = sockets
            .into_iter()
            .map(|s| {
                let incoming = types.message_union(
                    &scoped(several, &s.key, "server message"),
                    &s.incoming,
                    &s.origin,
                    "A message the server sends on the websocket: an event or a reply, or an unknown message kept as received.".to_owned(),
                );
                let outgoing = (!s.outgoing.is_empty()).then(|| {
                    types.message_union(
                        &scoped(several, &s.key, "client message"),
                        &s.outgoing,
                        &s.origin,
                        "A message a client sends on the websocket.".to_owned(),
                    )
                });
                SocketView {
                    socket: s,
                    types: SocketTypes { incoming, outgoing },
                }
            })
            .collect();
        Views { endpoints, sockets }
    }
}

/// A union's name: `what`, after the view's key when the document has several such views.
fn scoped(several: bool, key: &str, what: &str) -> String {
    if several {
        format!("{key} {what}")
    } else {
        what.to_owned()
    }
}
