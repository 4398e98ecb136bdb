//! The client generator: per websocket, the runtime `Protocol` (how to subscribe, which replies
//! confirm or refuse, a decoder that reads the discriminator before the body) and a typed
//! `Client` configured with the spec's reconnect, heartbeat and token-expiry policies.

use asyncgen_ir::Api;
use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{SocketNames, TokenPlace, from_template, pointer, topics_of};
use crate::paths::millis;

/// The client module's items.
pub fn tokens(api: &Api, sockets: &[SocketNames<'_>]) -> TokenStream {
    let items = sockets.iter().map(|n| socket(api, n));
    quote! {
        use super::types;
        use ::asyncgen_runtime::ws;

        #( #items )*
    }
}

fn socket(api: &Api, n: &SocketNames<'_>) -> TokenStream {
    let (protocol, client, events) = (n.item("SocketProtocol"), n.item("Client"), n.item("Events"));
    let incoming = &n.incoming;
    let sub = &n.subscription;
    let outgoing_ty = match &n.outgoing {
        Some(o) => quote!(types::#o),
        None => quote!(::serde_json::Value),
    };

    let urls = n.urls.iter().map(|(key, url)| {
        let name = format_ident!("{}_URL", key.to_shouty_snake_case());
        let server = &api.servers[key];
        let mut doc = vec![format!(" Server `{key}`.")];
        if let Some(d) = &server.description {
            doc.push(String::new());
            doc.extend(d.lines().map(|l| format!(" {}", l.trim())));
        }
        quote! { #( #[doc = #doc] )* pub const #name: &str = #url; }
    });

    let request = |r: &Option<asyncgen_ir::subscription::Request>| match r {
        Some(r) => {
            let template = serde_json::Value::Object(r.template.clone()).to_string();
            let field = &r.topics;
            quote!(from_template(#template, #field, topics).into_iter().collect())
        }
        None => quote! {
            let _ = topics;
            ::std::vec::Vec::new()
        },
    };
    let subscribe = request(&sub.subscribe);

    // Without an unsubscribe message, dropping topics from the active set is all there is.
    let unsubscribe = request(&sub.unsubscribe);
    let helpers = if sub.subscribe.is_some() || sub.unsubscribe.is_some() {
        let union = n.outgoing.clone().unwrap_or_else(|| format_ident!("Never"));
        from_template(&union)
    } else {
        TokenStream::new()
    };
    let mut arms = Vec::new();
    if let Some(ack) = &sub.ack
        && let Some(variant) = n.incoming_variant(&ack.message)
    {
        let topics = match &ack.topics {
            Some(t) => {
                let p = pointer(t);
                quote!(topics_of(reply, #p))
            }
            None => quote!(::std::vec::Vec::new()),
        };
        // An ack that echoes an unsubscribe confirms nothing pending.
        let guard = match (
            &ack.echo,
            sub.subscribe.as_ref().and_then(|s| s.markers().next()),
        ) {
            (Some(echo), Some(marker)) => {
                let p = pointer(echo);
                quote! {
                    let action = ::serde_json::to_value(reply).ok().and_then(|v| v.pointer(#p).and_then(::serde_json::Value::as_str).map(::std::borrow::ToOwned::to_owned));
                    if action.as_deref().is_some_and(|a| a != #marker) {
                        return ws::Frame::Ignore;
                    }
                }
            }
            _ => TokenStream::new(),
        };
        arms.push(quote! {
            types::#incoming::#variant(reply) => {
                #guard
                ws::Frame::Ack { topics: #topics }
            }
        });
    }
    if let Some(error) = &sub.error
        && let Some(variant) = n.incoming_variant(&error.message)
    {
        let topics = match &error.topics {
            Some(t) => {
                let p = pointer(t);
                quote!(topics_of(reply, #p))
            }
            None => quote!(::std::vec::Vec::new()),
        };
        let reasons: Vec<String> = error.reason.iter().map(|r| pointer(r)).collect();
        arms.push(quote! {
            types::#incoming::#variant(reply) => {
                let value = ::serde_json::to_value(reply).unwrap_or_default();
                let reason: ::std::vec::Vec<&str> = [#(#reasons),*]
                    .iter()
                    .filter_map(|p| value.pointer(p).and_then(::serde_json::Value::as_str))
                    .collect();
                ws::Frame::Error { topics: #topics, reason: reason.join(": ") }
            }
        });
    }
    let (topics_helper, classify) = if arms.is_empty() {
        (
            TokenStream::new(),
            quote! {
                fn classify(&self, message: &types::#incoming) -> ws::Frame {
                    let _ = message;
                    ws::Frame::Event
                }
            },
        )
    } else {
        (
            topics_of(),
            quote! {
                fn classify(&self, message: &types::#incoming) -> ws::Frame {
                    match message {
                        #( #arms )*
                        _ => ws::Frame::Event,
                    }
                }

                fn deliver_replies(&self) -> bool {
                    true
                }
            },
        )
    };
    let decode = super::decode::decode(n);
    let is_event_frame = super::decode::is_event_frame(n);
    let names = n.incoming_names(api);
    let replies: Vec<_> = n
        .socket
        .replies
        .iter()
        .filter_map(|k| n.incoming_variant(k))
        .collect();
    let is_reply = if replies.is_empty() {
        quote! {
            let _ = self;
            false
        }
    } else {
        quote!(matches!(self, #( Self::#replies(_) )|*))
    };
    let name_arms = names
        .iter()
        .map(|(variant, name, _)| quote!(Self::#variant(_) => ::std::option::Option::Some(#name),));

    let reconnect = match &n.socket.reconnect {
        Some(r) => {
            let (initial, max, multiplier) =
                (millis(&r.initial_delay), millis(&r.max_delay), r.multiplier);
            let jitter = match r.jitter {
                asyncgen_spec::extensions::Jitter::None => quote!(ws::Jitter::None),
                asyncgen_spec::extensions::Jitter::Full => quote!(ws::Jitter::Full),
            };
            quote! {
                config.reconnect = ws::ReconnectPolicy {
                    initial: #initial,
                    max: #max,
                    multiplier: #multiplier,
                    jitter: #jitter,
                    ..ws::ReconnectPolicy::default()
                };
            }
        }
        None => TokenStream::new(),
    };
    let heartbeat = match &n.socket.heartbeat {
        Some(h) => {
            let (interval, timeout) = (millis(&h.interval), millis(&h.timeout));
            quote!(config.heartbeat = ::std::option::Option::Some(ws::Heartbeat { interval: #interval, timeout: #timeout });)
        }
        None => TokenStream::new(),
    };
    let refresh = match &n.socket.token_expiry {
        Some(t) => {
            let before = millis(&t.refresh_before);
            quote!(config.refresh_before = #before;)
        }
        None => TokenStream::new(),
    };
    let policy_doc = policy_doc(n);
    let expiry = token_expiry(n, &events);
    let token = match &n.token {
        Some(TokenPlace::Query(name)) => {
            let doc = format!(
                " `url` with the connection token in its `{name}` query parameter, percent-encoded."
            );
            quote! {
                #[doc = #doc]
                pub fn url_with_token(url: &str, token: &str) -> ::std::string::String {
                    ws::with_query(url, #name, token)
                }
            }
        }
        _ => TokenStream::new(),
    };
    let subscription_methods = subscription_methods(n);
    let send = n.outgoing.as_ref().map(|o| {
        quote! {
            /// Sends `message` now; fails while reconnecting.
            pub async fn send(&self, message: types::#o) -> ::std::result::Result<(), ws::ClientError> {
                self.handle.send(message).await
            }
        }
    });

    let client_doc = format!(
        " A client of the `{}` websocket: connects, keeps the connection alive and delivers typed events; see [`{client}::connect`].",
        n.socket.key
    );
    let events_doc = format!(
        " The typed event stream of a [`{client}`]: messages (`ws::Event::Message(types::{incoming}::..)`) and connection state changes."
    );
    let protocol_doc = format!(
        " The `{}` websocket as the runtime supervisor sees it.",
        n.socket.key
    );

    quote! {
        #( #urls )*

        #[doc = #protocol_doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct #protocol;

        impl ws::Protocol for #protocol {
            type Outgoing = #outgoing_ty;
            type Incoming = types::#incoming;

            fn subscribe(&self, topics: &[::std::string::String]) -> ::std::vec::Vec<Self::Outgoing> {
                #subscribe
            }

            fn unsubscribe(&self, topics: &[::std::string::String]) -> ::std::vec::Vec<Self::Outgoing> {
                #unsubscribe
            }

            #classify

            #decode
            #is_event_frame
        }

        #helpers
        #topics_helper

        impl types::#incoming {
            /// The message's name in the document; `None` for an unknown message.
            pub fn message_name(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #( #name_arms )*
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }

            /// Whether the message answers a client's request (an acknowledgement or a
            /// refusal) rather than carrying an event.
            pub fn is_reply(&self) -> bool {
                #is_reply
            }

        }

        #[doc = #events_doc]
        pub type #events = ws::EventStream<types::#incoming>;

        #[doc = #client_doc]
        #[derive(Debug, Clone)]
        pub struct #client {
            handle: ws::ClientHandle<#protocol>,
        }

        impl #client {
            /// The document's connection policy for `url`:
            #( #[doc = #policy_doc] )*
            pub fn config(url: impl ::std::convert::Into<ws::ConnectionUrl>) -> ws::ClientConfig {
                #[allow(unused_mut)]
                let mut config = ws::ClientConfig::new(url);
                #reconnect
                #heartbeat
                #refresh
                config
            }

            /// Starts a client of `url` with the document's policy ([`Self::config`]); it
            /// connects at once and reconnects by itself until [`Self::close`].
            pub fn connect(
                url: impl ::std::convert::Into<ws::ConnectionUrl>,
            ) -> ::std::result::Result<(Self, #events), ::asyncgen_runtime::ConfigError> {
                Self::connect_with(Self::config(url))
            }

            /// Starts a client with a configuration of your own (start from [`Self::config`]).
            pub fn connect_with(
                config: ws::ClientConfig,
            ) -> ::std::result::Result<(Self, #events), ::asyncgen_runtime::ConfigError> {
                let (handle, events) = ws::Client::spawn(config, #protocol)?;
                ::std::result::Result::Ok((Self { handle }, events))
            }

            #token
            #expiry
            #subscription_methods

            #send


            /// Closes the connection (code 1000) and stops the client.
            pub async fn close(&self) {
                self.handle.close().await;
            }

            /// The runtime handle, for what this wrapper does not expose.
            pub fn handle(&self) -> &ws::ClientHandle<#protocol> {
                &self.handle
            }
        }
    }
}

fn policy_doc(n: &SocketNames<'_>) -> Vec<String> {
    let mut doc = Vec::new();
    match &n.socket.reconnect {
        Some(r) => doc.push(format!(
            " - reconnect after {} growing ×{} up to {}, {} (`x-asyncgen-reconnect`);",
            r.initial_delay,
            r.multiplier,
            r.max_delay,
            match r.jitter {
                asyncgen_spec::extensions::Jitter::None => "without jitter",
                asyncgen_spec::extensions::Jitter::Full => "with full jitter",
            }
        )),
        None => doc.push(
            " - reconnect with the runtime's default backoff (the document states none);"
                .to_owned(),
        ),
    }
    match &n.socket.heartbeat {
        Some(h) => doc.push(format!(
            " - ping every {}, the connection is dead after {} without an answer (`x-asyncgen-heartbeat`);",
            h.interval, h.timeout
        )),
        None => doc.push(" - ping with the runtime's default heartbeat (the document states none);".to_owned()),
    }
    if let Some(t) = &n.socket.token_expiry {
        doc.push(format!(
            " - a provided URL is refreshed {} before its token expires (`x-asyncgen-token-expiry`);",
            t.refresh_before
        ));
    }
    doc.push(" - everything else as [`ws::ClientConfig::new`].".to_owned());
    doc
}

/// `TOKEN_LIFETIME` and `connect_refreshing` for sockets whose URL carries an expiring token.
fn token_expiry(n: &SocketNames<'_>, events: &proc_macro2::Ident) -> TokenStream {
    let Some(t) = &n.socket.token_expiry else {
        return TokenStream::new();
    };
    let lifetime = millis(&t.expires_after);
    let mut how = format!(
        " `refresh` returns a fresh connection URL: {} {}",
        t.refresh.method.as_str(),
        t.refresh.resources.join(" or ")
    );
    if let Some(f) = &t.refresh.response_field {
        how.push_str(&format!(", field `{f}` of the response"));
    }
    how.push('.');
    let mut doc = vec![
        " Connects through `refresh`, called before every connection and again ahead of the token's expiry, so the connection never outlives its token.".to_owned(),
        String::new(),
        how,
    ];
    if let Some(d) = &t.refresh.description {
        doc.push(String::new());
        doc.extend(d.lines().map(|l| format!(" {}", l.trim())));
    }
    let lifetime_doc = format!(
        " How long a connection URL's token lives after it is issued (`x-asyncgen-token-expiry`: {}).",
        t.expires_after
    );
    quote! {
        #[doc = #lifetime_doc]
        pub const TOKEN_LIFETIME: ::std::time::Duration = #lifetime;

        #( #[doc = #doc] )*
        pub fn connect_refreshing<F, Fut>(
            refresh: F,
        ) -> ::std::result::Result<(Self, #events), ::asyncgen_runtime::ConfigError>
        where
            F: Fn() -> Fut + ::std::marker::Send + ::std::marker::Sync + 'static,
            Fut: ::std::future::Future<Output = ::std::result::Result<::std::string::String, ws::BoxError>> + ::std::marker::Send + 'static,
        {
            Self::connect(ws::ConnectionUrl::provider(move || {
                let next = refresh();
                async move {
                    ::std::result::Result::Ok(ws::ExpiringUrl::new(next.await?).expires_in(Self::TOKEN_LIFETIME))
                }
            }))
        }
    }
}

fn subscription_methods(n: &SocketNames<'_>) -> TokenStream {
    let sub = &n.subscription;
    if sub.subscribe.is_none() {
        return TokenStream::new();
    }
    let topic = match &n.topic {
        Some(t) => quote!(types::#t),
        None => quote!(::std::string::String),
    };

    quote! {
        /// Subscribes to `topics`: they join the active set, which is restored after every
        /// reconnect. Waits for the server's acknowledgement up to the configured timeout; a
        /// refusal is an error (its typed reply also arrives on the event stream).
        pub async fn subscribe<T: ::std::convert::Into<#topic>>(
            &self,
            topics: impl ::std::iter::IntoIterator<Item = T>,
        ) -> ::std::result::Result<ws::Ack, ws::ClientError> {
            self.handle
                .subscribe(topics.into_iter().map(|t| ::std::string::String::from(t.into())))
                .await
        }

        /// Unsubscribes from `topics` (exactly as subscribed): they leave the active set.
        pub async fn unsubscribe<T: ::std::convert::Into<#topic>>(
            &self,
            topics: impl ::std::iter::IntoIterator<Item = T>,
        ) -> ::std::result::Result<(), ws::ClientError> {
            self.handle
                .unsubscribe(topics.into_iter().map(|t| ::std::string::String::from(t.into())))
                .await
        }
    }
}
