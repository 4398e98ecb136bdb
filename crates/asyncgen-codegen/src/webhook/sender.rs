//! The sender generator: the provider's side of a webhook endpoint, a typed client that signs
//! or encodes each event the way the document says the provider does and posts it with the
//! provider's timeout and retry schedule, so a receiver can be exercised without the provider.

use asyncgen_ir::types::TypeSpace;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Names;
use crate::paths::{Paths, millis, type_path};

/// The sender module's items. It states its own security constants, the same as the
/// receiver's, so that either module also stands alone.
pub fn tokens(space: &TypeSpace, endpoints: &[Names<'_>]) -> TokenStream {
    let items = endpoints.iter().map(|n| endpoint(space, n));
    quote! {
        use super::types;

        #( #items )*
    }
}

fn endpoint(space: &TypeSpace, n: &Names<'_>) -> TokenStream {
    let e = n.endpoint;
    let (sender, event) = (n.item("Sender"), &n.event);
    let policy_const = n.constant("DELIVERY");
    let (security_const, security_item) = n.security_const();
    let paths = Paths::sibling(space);
    let sent = quote!(::std::result::Result<::asyncgen_runtime::sender::Delivered, ::asyncgen_runtime::sender::SendError>);

    let (policy, policy_doc) = match &e.delivery {
        Some(d) => {
            let timeout = millis(&d.timeout);
            let retries = d.retries.iter().map(millis);
            let schedule = d
                .retries
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            (
                quote!(::asyncgen_runtime::sender::DeliveryPolicy::new(#timeout, &[#( #retries ),*])),
                format!(
                    " The provider's delivery policy (`x-asyncgen-delivery`, or the documented one of the signature's preset): each attempt times out after {}; {}.",
                    d.timeout,
                    if d.retries.is_empty() {
                        "a failed delivery is not retried".to_owned()
                    } else {
                        format!("a failed delivery is retried after {schedule}")
                    }
                ),
            )
        }
        None => (
            quote!(::asyncgen_runtime::sender::DeliveryPolicy::new(
                ::std::time::Duration::from_secs(10),
                &[]
            )),
            " The document gives no delivery policy: one attempt of at most 10 s.".to_owned(),
        ),
    };
    let methods = n.messages.iter().map(|m| {
        let method = format_ident!("send_{}", m.method);
        let ty = type_path(space, &paths, &m.ty);
        let mut doc = format!(" Posts a `{}` event", m.name);
        if let Some((name, value)) = &m.header {
            doc.push_str(&format!(", named by its `{name}: {value}` header"));
        }
        match (&m.header, &m.reply) {
            (header, Some(reply)) => {
                let reply_ty = type_path(space, &paths, &reply.ty);
                let format = super::reply_format(&reply.format);
                let extra = match header {
                    Some((name, value)) => {
                        quote!(::asyncgen_runtime::sender::Sender::headers(&[(#name, #value)])?)
                    }
                    None => quote!(::asyncgen_runtime::sender::HeaderMap::new()),
                };
                doc.push_str(&format!(
                    ", and reads the receiver's reply (`{}`).",
                    reply.content_type
                ));
                quote! {
                    #[doc = #doc]
                    pub async fn #method(&self, event: &#ty) -> ::std::result::Result<::asyncgen_runtime::sender::Replied<#reply_ty>, ::asyncgen_runtime::sender::SendError> {
                        let extra = #extra;
                        self.sender.send_json_for_reply(event, &extra, #format).await
                    }
                }
            }
            (Some((name, value)), None) => {
                doc.push('.');
                quote! {
                    #[doc = #doc]
                    pub async fn #method(&self, event: &#ty) -> #sent {
                        self.sender.send_json_with_header(event, #name, #value).await
                    }
                }
            }
            (None, None) => {
                doc.push('.');
                quote! {
                    #[doc = #doc]
                    pub async fn #method(&self, event: &#ty) -> #sent {
                        self.sender.send_json(event).await
                    }
                }
            }
        }
    });
    // Where a header names the event, the endpoint-wide `send` sets it per variant.
    let send_any = if n.messages.iter().any(|m| m.header.is_some()) {
        let arms = n.messages.iter().map(|m| {
            let variant = &m.variant;
            match &m.header {
                Some((name, value)) => quote!(types::#event::#variant(event) => self.sender.send_json_with_header(event, #name, #value).await,),
                None => quote!(types::#event::#variant(event) => self.sender.send_json(event).await,),
            }
        });
        quote! {
            match event {
                #( #arms )*
                types::#event::Unknown(value) => self.sender.send_json(value).await,
            }
        }
    } else {
        quote!(self.sender.send_json(event).await)
    };
    let secret_doc = match &e.security {
        Some(s) => format!(
            " `secret` is the provider's secret for scheme `{}`; `None` is an error unless the scheme is optional.",
            s.key
        ),
        None => " The document declares no security: `secret` is ignored.".to_owned(),
    };
    let env_doc = match &e.security {
        Some(s) => format!(
            " A sender to `url` signing with the first secret of the environment variable `{}`.",
            super::env_var(&s.key)
        ),
        None => " A sender to `url` (the document declares no security).".to_owned(),
    };
    let path = &e.path;
    let sender_doc = format!(
        " Posts events as the provider does to a receiver's URL (the document's path is `{path}`)."
    );

    quote! {
        #security_item

        #[doc = #policy_doc]
        pub const #policy_const: ::asyncgen_runtime::sender::DeliveryPolicy = #policy;

        #[doc = #sender_doc]
        #[derive(Debug, Clone)]
        pub struct #sender {
            sender: ::asyncgen_runtime::sender::Sender,
        }

        impl #sender {
            /// A sender to `url` with the provider's delivery policy.
            ///
            #[doc = #secret_doc]
            pub fn new(
                url: &str,
                secret: ::std::option::Option<::asyncgen_runtime::Secret>,
            ) -> ::std::result::Result<Self, ::asyncgen_runtime::ConfigError> {
                Self::with_policy(url, secret, #policy_const)
            }

            /// A sender with another delivery policy (tests use a shorter schedule).
            pub fn with_policy(
                url: &str,
                secret: ::std::option::Option<::asyncgen_runtime::Secret>,
                policy: ::asyncgen_runtime::sender::DeliveryPolicy,
            ) -> ::std::result::Result<Self, ::asyncgen_runtime::ConfigError> {
                let signer = match #security_const {
                    ::std::option::Option::Some(security) => ::asyncgen_runtime::sender::Signer::new(security, secret)?,
                    ::std::option::Option::None => ::asyncgen_runtime::sender::Signer::plain(),
                };
                ::std::result::Result::Ok(Self {
                    sender: ::asyncgen_runtime::sender::Sender::new(url, signer, policy)?,
                })
            }

            #[doc = #env_doc]
            pub fn from_env(url: &str) -> ::std::result::Result<Self, ::asyncgen_runtime::ConfigError> {
                let signer = match #security_const {
                    ::std::option::Option::Some(security) => ::asyncgen_runtime::sender::Signer::from_env(security)?,
                    ::std::option::Option::None => ::asyncgen_runtime::sender::Signer::plain(),
                };
                ::std::result::Result::Ok(Self {
                    sender: ::asyncgen_runtime::sender::Sender::new(url, signer, #policy_const)?,
                })
            }

            /// Posts any event of the endpoint, an unknown one included (as its raw JSON).
            pub async fn send(&self, event: &types::#event) -> #sent {
                #send_any
            }

            /// Posts any event with `extra` headers (a delivery id, or the event-type header of an
            /// event sent as raw JSON).
            pub async fn send_with_headers(&self, event: &types::#event, extra: &::asyncgen_runtime::sender::HeaderMap) -> #sent {
                self.sender.send_json_with_headers(event, extra).await
            }

            #( #methods )*
        }
    }
}
