//! The generated client's decoder: what a websocket frame is, found with as little work as the
//! union's rules allow, because this runs once per event and decides the client's throughput.
//!
//! Three tiers, each exact (it yields what the union's own decoding would):
//! - a frame that starts with the first rule's field (`{"event_type":"call.created"`) is
//!   decoded straight into the variant that value names, in one pass;
//! - otherwise only the discriminating fields are read (`Peek`), then the frame is decoded as
//!   the variant they name;
//! - anything else goes through the union's `Deserialize`.

use asyncgen_ir::types::Rule;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::SocketNames;
use crate::paths::ident;

/// `(field, value, variant)` per rule, when every rule compares a top-level field with a
/// string.
fn string_rules<'a>(n: &'a SocketNames<'_>) -> Option<Vec<(&'a str, &'a str, proc_macro2::Ident)>> {
    n.incoming_union
        .variants
        .iter()
        .map(|v| match &v.rule {
            Rule::Equals { path, value } => match (path.as_slice(), value.as_str()) {
                ([field], Some(value)) => Some((field.as_str(), value, ident(&v.name))),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Text that appears verbatim in the JSON encoding (no escapes needed).
fn plain(s: &str) -> bool {
    !s.chars().any(|c| c == '"' || c == '\\' || c.is_control())
}

/// `Protocol::decode` for the socket's incoming union; empty (the runtime default) when the
/// rules are not all top-level string constants.
pub fn decode(n: &SocketNames<'_>) -> TokenStream {
    let incoming = &n.incoming;
    let Some(rules) = string_rules(n) else {
        return TokenStream::new();
    };
    let mut fields: Vec<&str> = Vec::new();
    let mut checks = Vec::new();
    for (field, value, variant) in &rules {
        let i = match fields.iter().position(|f| f == field) {
            Some(i) => i,
            None => {
                fields.push(field);
                fields.len() - 1
            }
        };
        let slot = format_ident!("f{}", i);
        checks.push(quote! {
            if peek.#slot.as_deref() == ::std::option::Option::Some(#value) {
                return ::std::result::Result::Ok(types::#incoming::#variant(::serde_json::from_str(text)?));
            }
        });
    }
    let Some(first) = fields.first().copied() else {
        return TokenStream::new();
    };
    // The leading rules on the first field: a match among them wins whatever else the frame
    // holds, since the union tries rules in order.
    let fast: Vec<TokenStream> = rules
        .iter()
        .take_while(|(f, _, _)| *f == first)
        .filter(|(_, value, _)| plain(value))
        .map(|(_, value, variant)| {
            let bytes = Literal::byte_string(value.as_bytes());
            quote!(#bytes => return ::std::result::Result::Ok(types::#incoming::#variant(::serde_json::from_str(text)?)),)
        })
        .collect();
    let fast = if plain(first) && !fast.is_empty() {
        let prefix = Literal::byte_string(format!("{{\"{first}\":\"").as_bytes());
        // Nested `if let`s rather than a let chain: generated code compiles on every edition.
        quote! {
            if let ::std::option::Option::Some(rest) = text.as_bytes().strip_prefix(#prefix) {
                if let ::std::option::Option::Some(end) = rest.iter().position(|b| *b == b'"') {
                    match &rest[..end] {
                        #( #fast )*
                        _ => {}
                    }
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let slots = fields.iter().enumerate().map(|(i, f)| {
        let slot = format_ident!("f{}", i);
        quote! {
            #[serde(rename = #f, default, borrow)]
            #slot: ::std::option::Option<::std::borrow::Cow<'a, str>>,
        }
    });
    quote! {
        fn decode(&self, payload: &[u8]) -> ::std::result::Result<types::#incoming, ws::BoxError> {
            self.decode_text(::std::str::from_utf8(payload)?)
        }

        #[allow(clippy::collapsible_if)]
        fn decode_text(&self, text: &str) -> ::std::result::Result<types::#incoming, ws::BoxError> {
            #fast
            #[derive(::serde::Deserialize)]
            struct Peek<'a> {
                #( #slots )*
            }
            if let ::std::result::Result::Ok(peek) = ::serde_json::from_str::<Peek<'_>>(text) {
                #( #checks )*
            }
            ::std::result::Result::Ok(::serde_json::from_str(text)?)
        }
    }
}

/// `Protocol::is_event_frame`: a frame in which no reply's discriminating value appears (as a
/// JSON string) cannot be a reply, so the consumer may decode it. Empty (the runtime default,
/// "decode everything in the reader") when the replies are not all told apart by a top-level
/// string constant, or when there are none to rule out.
pub fn is_event_frame(n: &SocketNames<'_>) -> TokenStream {
    let replies: Vec<_> = n
        .socket
        .replies
        .iter()
        .filter_map(|k| n.incoming_variant(k))
        .collect();
    if replies.is_empty() {
        // Nothing to rule out: every frame is an event or unknown.
        return quote! {
            fn is_event_frame(&self, payload: &[u8]) -> bool {
                let _ = payload;
                true
            }
        };
    }
    let Some(rules) = string_rules(n) else {
        return TokenStream::new();
    };
    let mut markers = Vec::new();
    for variant in &replies {
        let Some((_, value, _)) = rules.iter().find(|(_, _, v)| v == variant) else {
            return TokenStream::new();
        };
        if !plain(value) {
            return TokenStream::new();
        }
        markers.push(Literal::byte_string(format!("\"{value}\"").as_bytes()));
    }
    quote! {
        fn is_event_frame(&self, payload: &[u8]) -> bool {
            #( !ws::contains(payload, #markers) )&&*
        }
    }
}
