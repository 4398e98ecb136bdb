//! The receiver generator: per webhook endpoint, a handler trait with one method per message
//! (defaults accept, so a user implements only what they need) and the runtime `Endpoint` that
//! decodes, dispatches and routes it, verified as the document's security scheme says.

use asyncgen_ir::Api;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{MessageNames, Names};
use crate::paths::{Paths, type_path};
use asyncgen_ir::types::TypeSpace;

/// The receiver module's items.
pub fn tokens(api: &Api, space: &TypeSpace, endpoints: &[Names<'_>]) -> TokenStream {
    let items = endpoints.iter().map(|n| endpoint(api, space, n));
    quote! {
        use super::types;

        #( #items )*
    }
}

fn method_doc(api: &Api, m: &MessageNames) -> Vec<String> {
    let message = &api.messages[&m.key];
    let mut head = format!(" `{}`", m.name);
    if let Some(title) = message.title.as_ref().filter(|t| **t != m.name) {
        head.push_str(&format!(" ({title})"));
    }
    match message.summary.as_ref().or(message.description.as_ref()) {
        Some(s) => head.push_str(&format!(
            ": {}",
            s.lines().next().unwrap_or_default().trim()
        )),
        None => head.push('.'),
    }
    vec![
        head,
        String::new(),
        " By default it goes to [`fallback`](Self::fallback).".to_owned(),
    ]
}

fn endpoint(api: &Api, space: &TypeSpace, n: &Names<'_>) -> TokenStream {
    let e = n.endpoint;
    let (handler, route_type, event) = (n.item("Handler"), n.item("Route"), &n.event);
    let (path_const, id_const) = (n.constant("PATH"), n.constant("ROUTE_ID"));
    let (security_const, security_item) = n.security_const();
    let (path, id) = (&e.path, &e.key);
    let paths = Paths::sibling(space);
    let result = quote!(::std::result::Result<(), ::asyncgen_runtime::receiver::HandlerError>);

    let methods = n.messages.iter().map(|m| {
        let method = format_ident!("{}", m.method);
        let ty = type_path(space, &paths, &m.ty);
        let variant = &m.variant;
        let mut doc = method_doc(api, m);
        match &m.reply {
            // The provider reads what it returns: there is nothing to default to.
            Some(reply) => {
                let reply_ty = type_path(space, &paths, &reply.ty);
                doc.pop();
                doc.push(format!(
                    " The provider reads the reply from the response: it is sent back as `{}` (status 200). It is handled in the request, even under queued delivery.",
                    reply.content_type
                ));
                quote! {
                    #( #[doc = #doc] )*
                    fn #method(&self, event: #ty) -> impl ::std::future::Future<Output = ::std::result::Result<#reply_ty, ::asyncgen_runtime::receiver::HandlerError>> + ::std::marker::Send;
                }
            }
            None => quote! {
                #( #[doc = #doc] )*
                fn #method(&self, event: #ty) -> impl ::std::future::Future<Output = #result> + ::std::marker::Send {
                    self.fallback(types::#event::#variant(event))
                }
            },
        }
    });
    let decode_error = quote!(::asyncgen_runtime::receiver::DecodeError);
    let dispatch_headers = n.dispatch_headers();
    // Only endpoints whose messages differ by a header keep (and queue) any header.
    let decode = if dispatch_headers.is_empty() {
        quote! {
            fn decode(&self, payload: &[u8], _headers: &::asyncgen_runtime::receiver::EventHeaders) -> ::std::result::Result<Self::Event, #decode_error> {
                let value: ::serde_json::Value = ::serde_json::from_slice(payload)?;
                ::std::result::Result::Ok(types::#event::from_value(value)?)
            }
        }
    } else {
        quote! {
            const HEADERS: &'static [&'static str] = &[#( #dispatch_headers ),*];

            fn decode(&self, payload: &[u8], headers: &::asyncgen_runtime::receiver::EventHeaders) -> ::std::result::Result<Self::Event, #decode_error> {
                let value: ::serde_json::Value = ::serde_json::from_slice(payload)?;
                ::std::result::Result::Ok(types::#event::from_parts(value, &headers.pairs())?)
            }
        }
    };
    let reply = quote!(::asyncgen_runtime::receiver::Reply);
    let arms = n.messages.iter().map(|m| {
        let (method, variant) = (format_ident!("{}", m.method), &m.variant);
        match &m.reply {
            Some(r) => {
                let (format, content_type) = (super::reply_format(&r.format), &r.content_type);
                quote! {
                    types::#event::#variant(event) => {
                        let reply = handler.#method(event).await?;
                        return #reply::encode(#format, #content_type, &reply);
                    }
                }
            }
            None => quote!(types::#event::#variant(event) => handler.#method(event).await?,),
        }
    });
    let replying: Vec<_> = n
        .messages
        .iter()
        .filter(|m| m.reply.is_some())
        .map(|m| &m.variant)
        .collect();
    let replies = (!replying.is_empty()).then(|| {
        quote! {
            fn replies(&self, event: &Self::Event) -> bool {
                ::std::matches!(event, #( types::#event::#replying(_) )|*)
            }
        }
    });
    let name_arms = n.messages.iter().map(|m| {
        let (variant, name) = (&m.variant, &m.name);
        quote!(Self::#variant(_) => ::std::option::Option::Some(#name),)
    });
    let handler_doc = format!(
        " Handles the events arriving at `{path}`: one method per message, each accepting by default, so an implementation overrides only what it needs."
    );
    let verifier_doc = format!(
        " A verifier for this route with `secrets` (`None`: none configured, an error unless [`{security_const}`] is optional); an error when [`{security_const}`] is `None`."
    );
    let env_doc = match &e.security {
        Some(s) => format!(
            " A verifier with the secrets of the environment variable `{}` (comma-separated for rotation); a missing secret is an error unless the scheme is optional.",
            super::env_var(&s.key)
        ),
        None => " An error: the document declares nothing a receiver can verify for this route. To accept unverified requests anyway, mount it with [`route_at`](Self::route_at) and `Verifier::insecure_no_verification()`.".to_owned(),
    };

    let path_doc = format!(
        " The path the document gives for this endpoint (mount elsewhere with [`{route_type}::route_at`])."
    );

    quote! {
        #[doc = #path_doc]
        pub const #path_const: &str = #path;

        /// The route's id: queued events refer to it, so it must stay stable across releases.
        pub const #id_const: &str = #id;

        #security_item

        #[doc = #handler_doc]
        ///
        /// A method returning an error fails the delivery: in queued delivery the event is
        /// retried with backoff, then dead-lettered; in direct delivery the provider gets a 500
        /// and retries.
        pub trait #handler: ::std::marker::Send + ::std::marker::Sync + 'static {
            #( #methods )*

            /// An event no message of the document matches (a new event type): accepted, never a
            /// failed delivery. By default it goes to [`fallback`](Self::fallback).
            fn unknown(&self, event: ::serde_json::Value) -> impl ::std::future::Future<Output = #result> + ::std::marker::Send {
                self.fallback(types::#event::Unknown(event))
            }

            /// Every event whose method is not implemented: logged at `debug` and accepted.
            fn fallback(&self, event: types::#event) -> impl ::std::future::Future<Output = #result> + ::std::marker::Send {
                ::asyncgen_runtime::receiver::accept_unhandled(#id_const, event.message_name())
            }
        }

        impl types::#event {
            /// The message's name in the document; `None` for an unknown event.
            pub fn message_name(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #( #name_arms )*
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }
        }

        /// Decodes the verified body into the endpoint's event and calls the handler's method
        /// for it.
        pub struct #route_type<H> {
            handler: ::std::sync::Arc<H>,
        }

        impl<H: #handler> #route_type<H> {
            /// Events for `handler`.
            pub fn new(handler: H) -> Self {
                Self::shared(::std::sync::Arc::new(handler))
            }

            /// Events for a handler the application also uses elsewhere.
            pub fn shared(handler: ::std::sync::Arc<H>) -> Self {
                Self { handler }
            }

            #[doc = #verifier_doc]
            pub fn verifier(
                secrets: ::std::option::Option<::asyncgen_runtime::Secrets>,
            ) -> ::std::result::Result<::asyncgen_runtime::receiver::Verifier, ::asyncgen_runtime::ConfigError> {
                match #security_const {
                    ::std::option::Option::Some(security) => ::asyncgen_runtime::receiver::Verifier::new(security, secrets),
                    ::std::option::Option::None => ::std::result::Result::Err(::asyncgen_runtime::ConfigError::Unverified { route: ::std::string::String::from(#id_const) }),
                }
            }

            #[doc = #env_doc]
            pub fn verifier_from_env() -> ::std::result::Result<::asyncgen_runtime::receiver::Verifier, ::asyncgen_runtime::ConfigError> {
                match #security_const {
                    ::std::option::Option::Some(security) => ::asyncgen_runtime::receiver::Verifier::from_env(security),
                    ::std::option::Option::None => ::std::result::Result::Err(::asyncgen_runtime::ConfigError::Unverified { route: ::std::string::String::from(#id_const) }),
                }
            }

            /// The route at the document's path, verified with the secrets from the environment.
            pub fn route(self) -> ::std::result::Result<::asyncgen_runtime::receiver::Route, ::asyncgen_runtime::ConfigError> {
                ::std::result::Result::Ok(self.route_at(#path_const, Self::verifier_from_env()?))
            }

            /// The route at `path` (axum syntax), verified by `verifier`.
            pub fn route_at(self, path: &str, verifier: ::asyncgen_runtime::receiver::Verifier) -> ::asyncgen_runtime::receiver::Route {
                ::asyncgen_runtime::receiver::Route::new(#id_const, path, verifier, self)
            }
        }

        impl<H: #handler> ::asyncgen_runtime::receiver::Endpoint for #route_type<H> {
            type Event = types::#event;

            #decode

            #replies

            fn handle(&self, event: Self::Event) -> impl ::std::future::Future<Output = ::std::result::Result<#reply, ::asyncgen_runtime::receiver::HandlerError>> + ::std::marker::Send {
                let handler = ::std::sync::Arc::clone(&self.handler);
                async move {
                    match event {
                        #( #arms )*
                        types::#event::Unknown(event) => handler.unknown(event).await?,
                    }
                    ::std::result::Result::Ok(#reply::none())
                }
            }
        }
    }
}
