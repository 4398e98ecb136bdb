//! What the client and mock-server generators share about a websocket: item names, server URLs,
//! where the connection's token travels, the subscription protocol, and a way to build a
//! message from a JSON template, so the two sides of one socket always agree.

use asyncgen_ir::Api;
use asyncgen_ir::socket::Socket;
use asyncgen_ir::subscription::{Subscription, subscription};
use asyncgen_ir::types::{TypeKind, TypeSpace, UnionDef, type_name};
use asyncgen_ir::views::{SocketView, Views};
use heck::ToShoutySnakeCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::paths::ident;

pub mod client;
pub mod decode;
pub mod mock;
pub mod topic;

/// A socket with the names of everything generated for it.
pub struct SocketNames<'a> {
    pub socket: &'a Socket,
    /// Empty for a document's only socket, else the socket key in PascalCase.
    pub prefix: String,
    /// The union of what the server sends, and of what a client sends (if anything).
    pub incoming: Ident,
    pub incoming_union: &'a UnionDef,
    pub outgoing: Option<Ident>,
    pub outgoing_union: Option<&'a UnionDef>,
    pub subscription: Subscription,
    /// The topic type, if the socket's topics have one.
    pub topic: Option<Ident>,
    /// `(server key, URL)`, channel address included; `{variables}` left as written.
    pub urls: Vec<(String, String)>,
    pub token: Option<TokenPlace>,
}

/// Where a connection presents its token.
pub enum TokenPlace {
    /// A query parameter (an `httpApiKey` scheme `in: query`).
    Query(String),
    /// A server variable in the path, after this literal prefix (`/events/{token}`).
    Path(String),
}

impl<'a> SocketNames<'a> {
    pub fn all(
        api: &'a Api,
        space: &'a TypeSpace,
        views: &'a [SocketView],
    ) -> Vec<SocketNames<'a>> {
        views
            .iter()
            .filter_map(|view| {
                let (s, types) = (&view.socket, view.types);
                let incoming = space.get(types.incoming);
                let TypeKind::Union(incoming_union) = &incoming.kind else {
                    return None;
                };
                let prefix = if views.len() == 1 {
                    String::new()
                } else {
                    type_name(&s.key, "Socket")
                };
                let urls: Vec<(String, String)> = s
                    .servers
                    .iter()
                    .filter_map(|k| Some((k.clone(), url(api, api.servers.get(k)?, s))))
                    .collect();
                let subscription = subscription(api, space, s);
                let topic = subscription.topic.map(|id| ident(&space.get(id).name));
                let outgoing_union = types.outgoing.and_then(|id| match &space.get(id).kind {
                    TypeKind::Union(u) => Some(u),
                    _ => None,
                });
                Some(SocketNames {
                    socket: s,
                    prefix,
                    incoming: ident(&incoming.name),
                    incoming_union,
                    outgoing: types.outgoing.map(|id| ident(&space.get(id).name)),
                    outgoing_union,
                    subscription,
                    topic,

                    token: token_place(api, s, urls.first().map(|(_, u)| u.as_str())),
                    urls,
                })
            })
            .collect()
    }

    /// A type named after the socket: `Client`, `ProductionClient`.
    pub fn item(&self, suffix: &str) -> Ident {
        format_ident!("{}{}", self.prefix, suffix)
    }

    /// A constant named after the socket: `URL`, `PRODUCTION_URL`.
    pub fn constant(&self, suffix: &str) -> Ident {
        if self.prefix.is_empty() {
            format_ident!("{}", suffix)
        } else {
            format_ident!("{}_{}", self.prefix.to_shouty_snake_case(), suffix)
        }
    }

    /// The spec's name of each incoming variant's message, in union order.
    pub fn incoming_names(&self, api: &Api) -> Vec<(Ident, String, String)> {
        self.incoming_union
            .variants
            .iter()
            .filter_map(|v| {
                let key = v.message.as_ref()?;
                let name = api
                    .messages
                    .get(key)
                    .and_then(|m| m.name.clone())
                    .unwrap_or_else(|| key.clone());
                Some((ident(&v.name), name, key.clone()))
            })
            .collect()
    }

    /// The variant of the outgoing union carrying message `key`.
    pub fn outgoing_variant(&self, key: &str) -> Option<Ident> {
        variant_of(self.outgoing_union?, key)
    }

    /// The variant of the incoming union carrying message `key`.
    pub fn incoming_variant(&self, key: &str) -> Option<Ident> {
        variant_of(self.incoming_union, key)
    }
}

/// The variant of a message union that holds message `key`.
fn variant_of(union: &UnionDef, key: &str) -> Option<Ident> {
    let v = union
        .variants
        .iter()
        .find(|v| v.message.as_deref() == Some(key))?;
    Some(ident(&v.name))
}

fn url(api: &Api, server: &asyncgen_ir::Server, socket: &Socket) -> String {
    // 2.x servers hold the whole URL in `host`.
    let mut url = if server.host.contains("://") {
        server.host.clone()
    } else {
        format!(
            "{}://{}{}",
            server.protocol.to_ascii_lowercase(),
            server.host,
            server.pathname.as_deref().unwrap_or_default()
        )
    };
    let address = socket
        .channels
        .iter()
        .filter_map(|c| api.channels.get(c)?.address.as_deref())
        .find(|a| a.starts_with('/'));
    if let Some(a) = address {
        url = format!("{}{a}", url.trim_end_matches('/'));
    }
    url
}

fn token_place(api: &Api, socket: &Socket, url: Option<&str>) -> Option<TokenPlace> {
    let server = api.servers.get(socket.servers.first()?)?;
    let query = server
        .security
        .iter()
        .flat_map(|r| &r.schemes)
        .filter_map(|u| api.security_schemes.get(&u.scheme))
        .find(|s| s.kind == "httpApiKey" && s.location.as_deref() == Some("query"))
        .and_then(|s| s.name.clone());
    if let Some(name) = query {
        return Some(TokenPlace::Query(name));
    }
    let var = server
        .variables
        .keys()
        .find(|v| v.to_ascii_lowercase().contains("token"))?;
    let url = url?;
    let at = url.find(&format!("{{{var}}}"))?;
    let path_start = url.find("://").map_or(0, |i| {
        url[i + 3..].find('/').map_or(url.len(), |j| i + 3 + j)
    });
    (path_start <= at).then(|| TokenPlace::Path(url[path_start..at].to_owned()))
}

/// `fn(template, field, topics) -> Option<Union>`: the message that is `template` (a JSON
/// object of constant fields) plus `field: topics`, decoded as `union`.
pub fn from_template(union: &Ident) -> TokenStream {
    quote! {
        fn from_template(
            template: &str,
            field: &str,
            topics: &[::std::string::String],
        ) -> ::std::option::Option<types::#union> {
            let mut value: ::serde_json::Value = ::serde_json::from_str(template).ok()?;
            value
                .as_object_mut()?
                .insert(field.to_owned(), ::serde_json::Value::from(topics.to_vec()));
            types::#union::from_value(value).ok()
        }
    }
}

/// `fn topics_of(message, pointer) -> Vec<String>`: the strings of the list at `pointer` in
/// the message's JSON.
pub fn topics_of() -> TokenStream {
    quote! {
        fn topics_of<T: ::serde::Serialize>(message: &T, pointer: &str) -> ::std::vec::Vec<::std::string::String> {
            ::serde_json::to_value(message)
                .ok()
                .and_then(|v| v.pointer(pointer).and_then(::serde_json::Value::as_array).cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|t| t.as_str().map(::std::borrow::ToOwned::to_owned))
                .collect()
        }
    }
}

/// `/name` as a JSON pointer.
pub fn pointer(wire: &str) -> String {
    crate::paths::pointer(&[wire.to_owned()])
}

/// What a scaffolded crate needs to know of a socket's generated items.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SocketSummary {
    pub key: String,
    /// `client::<client>`, `mock::<mock_protocol>`, `mock::<mock_server>`.
    pub client: String,
    pub mock_protocol: String,
    pub mock_server: String,
    /// `mock::<examples>`: the example events.
    pub examples: String,
    /// The incoming union (in the types module).
    pub incoming: String,
    /// `(server key, URL)`.
    pub urls: Vec<(String, String)>,
    /// Whether the client subscribes to topics (else the URL selects the events).
    pub subscribes: bool,
    /// A topic subscribing to the scope of the first example event, for documentation.
    pub example_topic: Option<String>,
    /// The query parameter carrying the token, when it travels in the query.
    pub token_query: Option<String>,
    /// The path before the token, when it travels in the path (`/events/`).
    pub token_path: Option<String>,
    /// Whether the URL's token expires (the client then takes a URL provider).
    pub expiring: bool,
}

/// Every socket of `views`, summarised.
pub fn summaries(api: &Api, space: &TypeSpace, views: &Views) -> Vec<SocketSummary> {
    SocketNames::all(api, space, &views.sockets)
        .iter()
        .map(|n| {
            let example_topic = n.subscription.event_topics.keys().find_map(|key| {
                let m = api.messages.get(key)?;
                let field = n.subscription.event_topics.get(key)?;
                let wire = match space.messages.get(key)?.payload.as_ref()? {
                    asyncgen_ir::types::TypeRef::Named(id) => match &space.get(*id).kind {
                        TypeKind::Struct(s) => {
                            s.fields.iter().find(|f| &f.name == field)?.wire.clone()
                        }
                        _ => return None,
                    },
                    _ => return None,
                };
                m.examples
                    .iter()
                    .find_map(|e| e.payload.as_ref()?.get(&wire)?.as_str().map(str::to_owned))
            });
            SocketSummary {
                key: n.socket.key.clone(),
                client: n.item("Client").to_string(),
                mock_protocol: n.item("MockProtocol").to_string(),
                mock_server: n.item("MockServer").to_string(),
                examples: n.constant("EXAMPLES").to_string(),
                incoming: n.incoming.to_string(),
                urls: n.urls.clone(),
                subscribes: n.subscription.subscribe.is_some(),
                example_topic,
                token_query: match &n.token {
                    Some(TokenPlace::Query(q)) => Some(q.clone()),
                    _ => None,
                },
                token_path: match &n.token {
                    Some(TokenPlace::Path(p)) => Some(p.clone()),
                    _ => None,
                },
                expiring: n.socket.token_expiry.is_some(),
            }
        })
        .collect()
}
