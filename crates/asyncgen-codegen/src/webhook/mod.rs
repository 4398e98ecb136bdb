//! What the receiver and the sender generators share about a webhook endpoint: the names of
//! its items, its security scheme as a runtime value, and a method name per message, so the
//! two sides of one endpoint always agree.

use std::collections::HashSet;

use asyncgen_ir::Api;
use asyncgen_ir::types::{Rule, TypeKind, TypeRef, TypeSpace, field_name, type_name};
use asyncgen_ir::views::{BodyFormat, EndpointView, ReplyView, Views};
use asyncgen_ir::webhook::{Endpoint, SecurityKind, WebhookSecurity};
use asyncgen_spec::extensions::{
    EventIdLocation, Handshake, KeyFormat, ResolvedSignature, SignatureAlgorithm,
    SignatureEncoding, SignatureLocation, TimestampLocation, TimestampUnit,
};
use heck::ToShoutySnakeCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::paths::{ident, millis};

pub mod receiver;
pub mod sender;

/// An endpoint with the names of everything generated for it.
pub struct Names<'a> {
    pub endpoint: &'a Endpoint,
    /// The union over the endpoint's messages.
    pub event: Ident,
    /// `Webhook` for a document's only endpoint, else the endpoint key in PascalCase.
    pub prefix: String,
    /// One per union variant, in order: its variant, method name and message.
    pub messages: Vec<MessageNames>,
}

pub struct MessageNames {
    pub variant: Ident,
    /// snake_case: `call_started` (the handler method; the sender's is `send_call_started`).
    pub method: String,
    /// The message's name in the document: its `name`, else its key.
    pub name: String,
    pub key: String,
    /// The variant's payload type: generators take it from here, never by position.
    pub ty: TypeRef,
    /// The request header (name, value) that tells this message apart, when one does.
    pub header: Option<(String, String)>,
    /// The reply the provider reads back, when it reads one.
    pub reply: Option<ReplyView>,
}

/// `::asyncgen_runtime::ReplyFormat` for `format`: the receiver writes and the sender reads a
/// reply with the same value.
pub fn reply_format(format: &BodyFormat) -> TokenStream {
    match format {
        BodyFormat::Json => quote!(::asyncgen_runtime::ReplyFormat::Json),
        BodyFormat::Xml { root } => quote!(::asyncgen_runtime::ReplyFormat::Xml { root: #root }),
        BodyFormat::Text => quote!(::asyncgen_runtime::ReplyFormat::Text),
    }
}

impl<'a> Names<'a> {
    /// Every endpoint of `views` whose union the type space holds.
    pub fn all(api: &'a Api, space: &'a TypeSpace, views: &'a [EndpointView]) -> Vec<Names<'a>> {
        views
            .iter()
            .filter_map(|view| {
                let e = &view.endpoint;
                let t = space.get(view.event);
                let TypeKind::Union(union) = &t.kind else {
                    return None;
                };
                let prefix = if views.len() == 1 {
                    "Webhook".to_owned()
                } else {
                    type_name(&e.key, "Webhook")
                };
                // `unknown` and `fallback` are the handler's own methods.
                let mut used: HashSet<String> =
                    HashSet::from(["unknown".to_owned(), "fallback".to_owned()]);
                // One per variant, in union order, each carrying what the generators need of it.
                let messages = union
                    .variants
                    .iter()
                    .map(|v| {
                        let key = v.message.clone().unwrap_or_else(|| v.name.clone());
                        let base = field_name(&key);
                        let method = (1..)
                            .map(|i| {
                                if i == 1 {
                                    base.clone()
                                } else {
                                    format!("{base}_{i}")
                                }
                            })
                            .find(|m| used.insert(m.clone()))
                            .unwrap_or_default();
                        let name = api
                            .messages
                            .get(&key)
                            .and_then(|m| m.name.clone())
                            .unwrap_or_else(|| key.clone());
                        let header = match &v.rule {
                            Rule::Header { name, value } => Some((name.clone(), value.clone())),
                            Rule::Equals { .. } | Rule::Present { .. } | Rule::Attempt => None,
                        };
                        MessageNames {
                            variant: ident(&v.name),
                            method,
                            name,
                            reply: view.replies.get(&key).cloned(),
                            key,
                            ty: v.ty.clone(),
                            header,
                        }
                    })
                    .collect();
                Some(Names {
                    endpoint: e,
                    event: ident(&t.name),
                    prefix,
                    messages,
                })
            })
            .collect()
    }

    /// The request headers dispatch reads, each once (in lower case), in message order.
    pub fn dispatch_headers(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (name, _) in self.messages.iter().filter_map(|m| m.header.as_ref()) {
            let name = name.to_ascii_lowercase();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// A type named after the endpoint: `WebhookHandler`, `ConsumerSender`.
    pub fn item(&self, suffix: &str) -> Ident {
        format_ident!("{}{}", self.prefix, suffix)
    }

    /// A constant named after the endpoint: `WEBHOOK_PATH`.
    pub fn constant(&self, suffix: &str) -> Ident {
        format_ident!("{}_{}", self.prefix.to_shouty_snake_case(), suffix)
    }

    /// `pub const <P>_SECURITY: Option<Security>` with its docs, and its ident.
    pub fn security_const(&self) -> (Ident, TokenStream) {
        let name = self.constant("SECURITY");
        let (value, doc) = match &self.endpoint.security {
            Some(s) => {
                let value = security(s);
                (
                    quote!(::std::option::Option::Some(#value)),
                    format!(
                        " How requests to `{}` are authenticated: {} (scheme `{}`, secret in the environment variable `{}`).",
                        self.endpoint.path,
                        describe(s),
                        s.key,
                        env_var(&s.key),
                    ),
                )
            }
            None => (
                quote!(::std::option::Option::None),
                format!(
                    " Requests to `{}` cannot be authenticated: the document declares nothing a receiver can verify, so the route's verifier is an error unless the application opts out with `Verifier::insecure_no_verification()`.",
                    self.endpoint.path
                ),
            ),
        };
        let mut docs = vec![doc];
        if !self.endpoint.unverified.is_empty() {
            docs.push(String::new());
            docs.push(format!(
                " Not checked: the document also requires {}, which no `x-asyncgen-*` extension says how to verify.",
                self.endpoint
                    .unverified
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let tokens = quote! {
            #( #[doc = #docs] )*
            pub const #name: ::std::option::Option<::asyncgen_runtime::Security> = #value;
        };
        (name, tokens)
    }
}

/// The environment variable the runtime reads a scheme's secrets from (`webhookSignature` →
/// `WEBHOOK_SIGNATURE`), spelled here the way `asyncgen_runtime::env_var_name` spells it.
pub fn env_var(key: &str) -> String {
    key.to_shouty_snake_case()
}

fn describe(s: &WebhookSecurity) -> String {
    match &s.kind {
        SecurityKind::Signature(sig) => describe_signature(sig),
        SecurityKind::Jwt(jwt) if jwt.optional => {
            "the body is a JWT (HS256) whose claims are the event, or plain JSON when no secret is configured".to_owned()
        }
        SecurityKind::Jwt(_) => "the body is a JWT (HS256) whose claims are the event".to_owned(),
        SecurityKind::BodyToken(t) => format!("a shared token in the body at `{}`", t.path),
    }
}

fn describe_signature(sig: &ResolvedSignature) -> String {
    let title = sig.algorithm.title();
    let article = if title.starts_with(['E', 'H']) {
        "an"
    } else {
        "a"
    };
    let what = match sig.signed_payload.as_str() {
        "{body}" => "the body".to_owned(),
        "{timestamp}.{body}" => "the body".to_owned(),
        other => format!("`{other}`"),
    };
    let place = match &sig.location {
        SignatureLocation::Header(h) => format!("header `{h}`"),
        SignatureLocation::Field(f) => format!("body field `{f}`"),
    };
    let mut text = format!("{article} {title} signature of {what} in {place}");
    if sig.timestamp.is_some() {
        text.push_str(", with a signed timestamp");
    }
    if let Some(name) = sig.preset
        && let Some(preset) = asyncgen_signature::preset(name)
    {
        text = format!("{}'s scheme (preset `{name}`): {text}", preset.provider);
    }
    text
}

/// The `asyncgen_runtime::Security` value of a scheme, as a constant expression.
fn security(s: &WebhookSecurity) -> TokenStream {
    let key = &s.key;
    let scheme = match &s.kind {
        SecurityKind::Signature(sig) => {
            let value = signature_scheme(sig);
            quote!(::asyncgen_runtime::Scheme::Signature(#value))
        }
        SecurityKind::Jwt(jwt) => {
            let optional = jwt.optional;
            quote!(::asyncgen_runtime::Scheme::Jwt(::asyncgen_runtime::JwtScheme::new(#optional)))
        }
        SecurityKind::BodyToken(t) => {
            let pointer = t.path.as_str();
            quote!(::asyncgen_runtime::Scheme::BodyToken(::asyncgen_runtime::BodyTokenScheme::new(#pointer)))
        }
    };
    quote!(::asyncgen_runtime::Security::new(#key, #scheme))
}

/// A resolved signature as the runtime's `const` builder chain; what equals the runtime's
/// default (the template, the key format, the unit) is left out.
fn signature_scheme(sig: &ResolvedSignature) -> TokenStream {
    let encoding = match sig.encoding {
        SignatureEncoding::Hex => quote!(Hex),
        SignatureEncoding::Base64 => quote!(Base64),
        SignatureEncoding::Base64url => quote!(Base64url),
    };
    let algorithm = match sig.algorithm {
        SignatureAlgorithm::HmacSha256 => quote!(HmacSha256),
        SignatureAlgorithm::HmacSha1 => quote!(HmacSha1),
        SignatureAlgorithm::HmacSha512 => quote!(HmacSha512),
        SignatureAlgorithm::Ed25519 => quote!(Ed25519),
        SignatureAlgorithm::EcdsaP256Sha256 => quote!(EcdsaP256Sha256),
        SignatureAlgorithm::JwtHs256 => quote!(JwtHs256),
    };
    let encoding = quote!(::asyncgen_runtime::SignatureEncoding::#encoding);
    let mut value = match &sig.location {
        SignatureLocation::Header(h) => {
            quote!(::asyncgen_runtime::SignatureScheme::new(#h, #encoding))
        }
        SignatureLocation::Field(f) => {
            quote!(::asyncgen_runtime::SignatureScheme::in_field(#f, #encoding))
        }
    };
    value = quote!(#value.with_algorithm(::asyncgen_runtime::SignatureAlgorithm::#algorithm));
    if let Some(prefix) = &sig.prefix {
        value = quote!(#value.with_prefix(#prefix));
    }
    if let Some(separator) = &sig.separator {
        value = quote!(#value.with_separator(#separator));
    }
    if let Some(ts) = &sig.timestamp {
        let mut t = match &ts.source {
            TimestampLocation::Header(h) => quote!(::asyncgen_runtime::SignatureTimestamp::new(#h)),
            TimestampLocation::Element(e) => {
                quote!(::asyncgen_runtime::SignatureTimestamp::in_element(#e))
            }
            TimestampLocation::Field(f) => {
                quote!(::asyncgen_runtime::SignatureTimestamp::in_field(#f))
            }
        };
        match ts.unit {
            TimestampUnit::Seconds => {}
            TimestampUnit::Milliseconds => {
                t = quote!(#t.with_unit(::asyncgen_runtime::TimestampUnit::Milliseconds));
            }
        }
        let tolerance = millis(&ts.tolerance);
        value = quote!(#value.with_timestamp(#t.with_tolerance(#tolerance)));
    }
    let default_template =
        asyncgen_signature::default_template(sig.timestamp.as_ref().map(|t| t.source.source()));
    if sig.signed_payload != default_template {
        let template = &sig.signed_payload;
        value = quote!(#value.with_signed_payload(#template));
    }
    if sig.key != sig.algorithm.default_key() {
        let key = match sig.key {
            KeyFormat::Text => quote!(Text),
            KeyFormat::Base64 => quote!(Base64),
            KeyFormat::Whsec => quote!(Whsec),
            KeyFormat::Hex => quote!(Hex),
            KeyFormat::Pem => quote!(Pem),
        };
        value = quote!(#value.with_key(::asyncgen_runtime::KeyFormat::#key));
    }
    if let Some(id) = &sig.event_id {
        let id = match id {
            EventIdLocation::Header(h) => quote!(::asyncgen_runtime::EventId::Header(#h)),
            EventIdLocation::Field(f) => quote!(::asyncgen_runtime::EventId::Field(#f)),
        };
        value = quote!(#value.with_event_id(#id));
    }
    if let Some(handshake) = sig.handshake {
        let h = match handshake {
            Handshake::SlackUrlVerification => quote!(SlackUrlVerification),
            Handshake::ZoomUrlValidation => quote!(ZoomUrlValidation),
            Handshake::DiscordPing => quote!(DiscordPing),
        };
        value = quote!(#value.with_handshake(::asyncgen_runtime::Handshake::#h));
    }
    value
}

/// What a scaffolded crate needs to know of an endpoint's generated items: the names it
/// calls, and the secret it must ask the user for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EndpointSummary {
    /// The route id (the endpoint key).
    pub key: String,
    pub path: String,
    /// `receiver::<handler>`: the handler trait.
    pub handler: String,
    /// `receiver::<route>`: the route type.
    pub route: String,
    /// `receiver::<path_const>`: the path constant.
    pub path_const: String,
    /// `sender::<sender>`.
    pub sender: String,
    /// The union type (in the types module).
    pub event: String,
    /// `(message name, handler method)` for each message.
    pub messages: Vec<(String, String)>,
    pub security: Option<SecuritySummary>,
    /// The messages whose provider reads a reply: their handler methods have no default.
    pub replies: Vec<ReplySummary>,
}

/// A message whose provider reads a reply, as a scaffold implements its handler method.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReplySummary {
    /// The message's name.
    pub message: String,
    /// The same, as a Rust string literal.
    pub message_literal: String,
    /// Its handler method.
    pub method: String,
    /// Its payload type as `main.rs` of a scaffolded package writes it (`api::types::Call`).
    pub event_type: String,
    /// The reply's type, likewise.
    pub reply_type: String,
    pub content_type: String,
    /// The first example payload of the reply's first message, as a Rust string literal of
    /// its JSON, when the document gives one.
    pub example: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecuritySummary {
    /// The scheme key.
    pub key: String,
    /// The environment variable holding its secrets.
    pub env_var: String,
    /// Whether the receiver runs without it (the provider then sends plain JSON).
    pub optional: bool,
    /// The variable holds the provider's public key, not a shared secret.
    pub public_key: bool,
    /// The scheme signs the URL the provider calls: the receiver needs its public origin.
    pub signs_url: bool,
    /// What the secret is, in a sentence.
    pub description: String,
}

/// The endpoints of `views` as a scaffold sees them.
pub fn summaries(api: &Api, space: &TypeSpace, views: &Views) -> Vec<EndpointSummary> {
    Names::all(api, space, &views.endpoints)
        .iter()
        .map(|n| EndpointSummary {
            key: n.endpoint.key.clone(),
            path: n.endpoint.path.clone(),
            handler: n.item("Handler").to_string(),
            route: n.item("Route").to_string(),
            path_const: n.constant("PATH").to_string(),
            sender: n.item("Sender").to_string(),
            event: n.event.to_string(),
            messages: n
                .messages
                .iter()
                .map(|m| (m.name.clone(), m.method.clone()))
                .collect(),
            security: n.endpoint.security.as_ref().map(|s| SecuritySummary {
                key: s.key.clone(),
                env_var: env_var(&s.key),
                optional: matches!(&s.kind, SecurityKind::Jwt(j) if j.optional),
                public_key: matches!(&s.kind, SecurityKind::Signature(sig) if sig.algorithm.is_asymmetric()),
                signs_url: matches!(&s.kind, SecurityKind::Signature(sig)
                    if sig.signed_parts().is_some_and(|p| p.iter().any(|part| part.signs_url()))),
                description: describe(s),
            }),
            replies: n
                .messages
                .iter()
                .filter_map(|m| {
                    let reply = m.reply.as_ref()?;
                    let paths = crate::paths::Paths::under(space, quote!(api::types::));
                    let text = |ty| {
                        crate::format::type_text(&crate::paths::type_path(space, &paths, ty))
                    };
                    let example = reply
                        .messages
                        .first()
                        .and_then(|k| api.messages.get(k))
                        .and_then(|m| m.examples.iter().find_map(|e| e.payload.as_ref()))
                        .map(|payload| format!("{:?}", payload.to_string()));
                    Some(ReplySummary {
                        message: m.name.clone(),
                        message_literal: format!("{:?}", m.name),
                        method: m.method.clone(),
                        event_type: text(&m.ty),
                        reply_type: text(&reply.ty),
                        content_type: reply.content_type.clone(),
                        example,
                    })
                })
                .collect(),
        })
        .collect()
}
