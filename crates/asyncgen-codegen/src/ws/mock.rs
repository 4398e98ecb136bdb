//! The mock-server generator: per websocket, the runtime `MockProtocol` (which client messages
//! subscribe, what the acknowledgement looks like, which topic an event is published on, where
//! the token is) and the document's event examples, so a client can be exercised without the
//! provider.

use asyncgen_ir::Api;
use proc_macro2::TokenStream;
use quote::quote;

use super::{SocketNames, TokenPlace, pointer, topics_of};
use crate::paths::ident;

/// The mock module's items.
pub fn tokens(api: &Api, sockets: &[SocketNames<'_>]) -> TokenStream {
    let items = sockets.iter().map(|n| socket(api, n));
    quote! {
        use super::types;
        use ::asyncgen_runtime::ws::mock;

        #( #items )*
    }
}

fn socket(api: &Api, n: &SocketNames<'_>) -> TokenStream {
    let (protocol, server) = (n.item("MockProtocol"), n.item("MockServer"));
    let examples_const = n.constant("EXAMPLES");
    let examples_fn = ident(&format!(
        "{}examples",
        if n.prefix.is_empty() {
            String::new()
        } else {
            format!("{}_", asyncgen_ir::types::field_name(&n.prefix))
        }
    ));
    let incoming = &n.incoming;
    let sub = &n.subscription;
    let outgoing_ty = match &n.outgoing {
        Some(o) => quote!(types::#o),
        None => quote!(::serde_json::Value),
    };

    let mut request_arms = Vec::new();
    for (r, kind) in [
        (&sub.subscribe, quote!(Subscribe)),
        (&sub.unsubscribe, quote!(Unsubscribe)),
    ] {
        let (Some(r), Some(o)) = (r, &n.outgoing) else {
            continue;
        };
        let Some(variant) = n.outgoing_variant(&r.message) else {
            continue;
        };
        let p = pointer(&r.topics);
        request_arms.push(quote! {
            types::#o::#variant(m) => ::std::option::Option::Some(mock::Request {
                kind: mock::RequestKind::#kind,
                topics: topics_of(m, #p),
            }),
        });
    }
    let request_body = if request_arms.is_empty() {
        quote!(::std::option::Option::None)
    } else {
        quote! {
            #[allow(unreachable_patterns)]
            match message {
                #( #request_arms )*
                _ => ::std::option::Option::None,
            }
        }
    };
    let ack_body = match &sub.ack {
        Some(ack) => {
            let template = serde_json::Value::Object(ack.template.clone()).to_string();
            let topics = ack.topics.as_ref().map(|t| {
                quote!(object.insert(#t.to_owned(), ::serde_json::Value::from(request.topics.clone()));)
            });
            let marker = |r: &Option<asyncgen_ir::subscription::Request>| {
                r.as_ref()
                    .and_then(|r| r.markers().next().map(str::to_owned))
                    .unwrap_or_default()
            };
            let echo = ack.echo.as_ref().map(|e| {
                let (s, u) = (marker(&sub.subscribe), marker(&sub.unsubscribe));
                quote! {
                    let action = match request.kind {
                        mock::RequestKind::Subscribe => #s,
                        _ => #u,
                    };
                    object.insert(#e.to_owned(), ::serde_json::Value::from(action));
                }
            });
            quote! {
                let mut value: ::serde_json::Value = ::serde_json::from_str(#template).ok()?;
                let object = value.as_object_mut()?;
                #topics
                #echo
                types::#incoming::from_value(value).ok()
            }
        }
        None => quote! {
            let _ = request;
            ::std::option::Option::None
        },
    };
    let topic_arms: Vec<TokenStream> = sub.event_topics.iter().filter_map(|(key, field)| {
        let variant = n.incoming_variant(key)?;
        let field = ident(field);
        Some(quote!(types::#incoming::#variant(event) => ::std::option::Option::Some(event.#field.to_string()),))
    }).collect();
    let topic_body = if topic_arms.is_empty() {
        quote! {
            let _ = event;
            ::std::option::Option::None
        }
    } else {
        quote! {
            #[allow(unreachable_patterns)]
            match event {
                #( #topic_arms )*
                _ => ::std::option::Option::None,
            }
        }
    };
    let matches = match &n.topic {
        Some(t) => quote!(types::#t::from(pattern).matches(topic)),
        None => quote!(pattern == topic),
    };
    let token = match &n.token {
        Some(TokenPlace::Query(name)) => {
            let prefix = format!("{name}=");
            quote! {
                let (_, query) = path_and_query.split_once('?')?;
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(#prefix))
                    .map(::std::borrow::ToOwned::to_owned)
            }
        }
        Some(TokenPlace::Path(prefix)) => quote! {
            let path = path_and_query.split('?').next().unwrap_or_default();
            let rest = path.strip_prefix(#prefix)?;
            let token = rest.split('/').next().unwrap_or_default();
            (!token.is_empty()).then(|| token.to_owned())
        },
        None => quote! {
            let _ = path_and_query;
            ::std::option::Option::None
        },
    };
    let implicit = sub.subscribe.is_none();
    let examples: Vec<(String, String)> = n
        .socket
        .incoming
        .iter()
        .filter(|k| !n.socket.replies.contains(k))
        .filter_map(|k| api.messages.get(k))
        .flat_map(|m| {
            let name = m.name.clone().unwrap_or_else(|| m.key.clone());
            m.examples
                .iter()
                .filter_map(|e| e.payload.as_ref())
                .map(move |p| (name.clone(), p.to_string()))
        })
        .collect();
    let (names, payloads): (Vec<&String>, Vec<&String>) =
        examples.iter().map(|(n, p)| (n, p)).unzip();
    let helper = if request_arms.is_empty() {
        TokenStream::new()
    } else {
        topics_of()
    };
    let protocol_doc = format!(
        " The server side of the `{}` websocket, for tests and local development: answers subscriptions as the document says and publishes events to the connections whose topics match.",
        n.socket.key
    );
    let server_doc = format!(
        " A mock `{}` server on a local port: `{server}::bind(\"127.0.0.1:0\", {protocol}).await?`, then `publish` events and inject faults.",
        n.socket.key
    );

    let examples_doc = format!(" [`{examples_const}`] decoded, in order.");
    quote! {
        #[doc = #protocol_doc]

        #[derive(Debug, Clone, Copy, Default)]
        pub struct #protocol;

        impl mock::MockProtocol for #protocol {
            type Incoming = #outgoing_ty;
            type Outgoing = types::#incoming;

            fn request(&self, message: &Self::Incoming) -> ::std::option::Option<mock::Request> {
                let _ = message;
                #request_body
            }

            fn ack(&self, request: &mock::Request) -> ::std::option::Option<types::#incoming> {
                #ack_body
            }

            fn topic(&self, event: &types::#incoming) -> ::std::option::Option<::std::string::String> {
                #topic_body

            }

            fn matches(&self, pattern: &str, topic: &str) -> bool {
                #matches
            }

            fn token(&self, path_and_query: &str) -> ::std::option::Option<::std::string::String> {
                #token
            }

            fn implicit_subscription(&self) -> bool {
                #implicit
            }
        }

        #helper

        #[doc = #server_doc]
        pub type #server = mock::MockServer<#protocol>;

        /// The document's examples of the events the server sends: `(message name, JSON)`.
        pub const #examples_const: &[(&str, &str)] = &[#( (#names, #payloads) ),*];

        #[doc = #examples_doc]
        pub fn #examples_fn() -> ::std::vec::Vec<(&'static str, types::#incoming)> {
            #examples_const
                .iter()
                .filter_map(|(name, json)| ::std::option::Option::Some((*name, ::serde_json::from_str(json).ok()?)))
                .collect()
        }
    }
}
