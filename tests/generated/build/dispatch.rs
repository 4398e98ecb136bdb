//! Dispatch tests: for every webhook endpoint of every document, one `endpoint_examples!`
//! invocation (the macro is in `tests/dispatch.rs`) naming the endpoint's generated items and
//! listing each example of each message arriving there, so that every example is posted
//! through the generated sender to the generated receiver by a test of its own.

use std::collections::BTreeSet;

use asyncgen_codegen::EndpointSummary;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The invocations for the endpoints of one document (`module` in the generated crate).
pub fn tests(
    api: &asyncgen_ir::Api,
    unregistered: Option<&str>,
    summaries: &[EndpointSummary],
    module: &str,
) -> TokenStream {
    let endpoints = asyncgen_ir::webhook::endpoints_at(api, unregistered);
    let mut out = TokenStream::new();
    for summary in summaries {
        let Some(endpoint) = endpoints.iter().find(|e| e.key == summary.key) else {
            continue;
        };
        // Methods that return a reply have no default for the recording handler to rely on:
        // such endpoints are driven by tests of their own (tests/replies.rs).
        if !summary.replies.is_empty() {
            continue;
        }
        let mut names = BTreeSet::new();
        let mut examples = Vec::new();
        for key in &endpoint.messages {
            let Some(message) = api.messages.get(key) else {
                continue;
            };
            let name = message.name.clone().unwrap_or_else(|| key.clone());
            for (i, (payload, headers)) in message
                .examples
                .iter()
                .filter_map(|x| Some((x.payload.as_ref()?, x.headers.as_ref())))
                .enumerate()
            {
                let test = super::unique(&mut names, format!("{}_{i}", snake(&name)));
                let (reaches, why) = REROUTED
                    .iter()
                    .find(|r| r.module == module && r.message == name && r.example == i)
                    .map_or((name.as_str(), None), |r| (r.reaches, Some(r.why)));
                let doc = why.map(|why| quote!(#[doc = #why]));
                let test = format_ident!("{}", test);
                let payload = payload.to_string();
                let headers = headers.map_or_else(|| "{}".to_owned(), ToString::to_string);
                examples.push(quote!(#doc #test: #reaches = #payload, #headers));
            }
        }
        if examples.is_empty() {
            continue;
        }
        let endpoint_mod = format_ident!("{module}__{}", snake(&summary.key));
        let doc = format_ident!("{module}");
        let handler = format_ident!("{}", summary.handler);
        let route = format_ident!("{}", summary.route);
        let sender = format_ident!("{}", summary.sender);
        let event = format_ident!("{}", summary.event);
        let path = format_ident!("{}", summary.path_const);
        // The security constant is named like the path one: `<PREFIX>_SECURITY`.
        let security = format_ident!("{}SECURITY", summary.path_const.trim_end_matches("PATH"));
        out.extend(quote! {
            endpoint_examples!(#endpoint_mod: #doc, #handler, #route, #sender, #event, #path, #security;
                #( #examples ),*);
        });
    }
    out
}

/// An example that, by the document's own admission, reaches another message's method.
struct Rerouted {
    module: &'static str,
    message: &'static str,
    example: usize,
    reaches: &'static str,
    why: &'static str,
}

/// Every example expected elsewhere than at its own message, each with the reason. Reversing
/// the order in which a lenient dispatcher tries its messages moves these examples (and the
/// others of the same endpoint), which is what the tests pin.
const REROUTED: &[Rerouted] = &[Rerouted {
    module: "regression_lenient_ambiguous_dispatch_tried_in_order",
    message: "responseEdited",
    example: 0,
    reaches: "responseSubmitted",
    why: " Nothing in the document tells `responseEdited` from `responseSubmitted` (the \
          `ambiguous-dispatch` warning): tried in document order, the first that decodes wins.",
}];

/// `name` as a lower-case Rust identifier: ASCII letters and digits, `_` for the rest, never
/// starting with a digit.
fn snake(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert(0, 'm');
    }
    s
}
