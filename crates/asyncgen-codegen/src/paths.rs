//! How generated code spells Rust, shared by every generator so they agree: identifiers (raw
//! when a keyword), std and serde paths a generated type cannot shadow, the Rust type of a use
//! of a type, JSON pointers and durations.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use asyncgen_ir::types::{KEYWORDS, TypeRef, TypeSpace};

/// How generated code names the std and serde items it uses: by their short names, as a
/// person would write them, unless a generated type of the same name would shadow them.
pub struct Paths {
    pub(crate) option: TokenStream,
    pub(crate) string: TokenStream,
    pub(crate) vec: TokenStream,
    pub(crate) boxed: TokenStream,
    /// The helper type behind `TypeRef::Indirect`, in the types module.
    pub(crate) indirect: TokenStream,
    pub(crate) map: TokenStream,
    pub(crate) serialize: TokenStream,
    pub(crate) deserialize: TokenStream,
    /// The path in `skip_serializing_if`, a string serde resolves in the generated module.
    pub(crate) is_none: String,
    pub(crate) short_map: bool,
    pub(crate) short_serde: bool,
    /// Before a generated type's name: empty inside the types module, `super::types::` from a
    /// sibling module.
    pub(crate) named: TokenStream,
}

impl Paths {
    pub fn for_space(space: &TypeSpace) -> Paths {
        let taken = |n: &str| space.types.iter().any(|t| t.name == n);
        let pick = |short: &str, long: TokenStream| -> TokenStream {
            if taken(short) {
                long
            } else {
                let i = ident(short);
                quote!(#i)
            }
        };
        let short_serde = !taken("Serialize") && !taken("Deserialize");
        Paths {
            option: pick("Option", quote!(::std::option::Option)),
            string: pick("String", quote!(::std::string::String)),
            vec: pick("Vec", quote!(::std::vec::Vec)),
            boxed: pick("Box", quote!(::std::boxed::Box)),
            indirect: indirect(space, TokenStream::new()),
            map: pick("BTreeMap", quote!(::std::collections::BTreeMap)),
            serialize: if short_serde {
                quote!(Serialize)
            } else {
                quote!(::serde::Serialize)
            },
            deserialize: if short_serde {
                quote!(Deserialize)
            } else {
                quote!(::serde::Deserialize)
            },
            is_none: if taken("Option") {
                "::std::option::Option::is_none"
            } else {
                "Option::is_none"
            }
            .to_owned(),
            short_map: !taken("BTreeMap"),
            short_serde,
            named: TokenStream::new(),
        }
    }

    /// Paths for code in a sibling of the types module: std items in full (nothing there is
    /// imported) and generated types through `super::types`.
    pub fn sibling(space: &TypeSpace) -> Paths {
        Paths {
            option: quote!(::std::option::Option),
            string: quote!(::std::string::String),
            vec: quote!(::std::vec::Vec),
            boxed: quote!(::std::boxed::Box),
            indirect: indirect(space, quote!(super::types::)),
            map: quote!(::std::collections::BTreeMap),
            serialize: quote!(::serde::Serialize),
            deserialize: quote!(::serde::Deserialize),
            is_none: "::std::option::Option::is_none".to_owned(),
            short_map: false,
            short_serde: false,
            named: quote!(super::types::),
        }
    }
}

impl Paths {
    /// As [`Paths::sibling`], with generated types after `prefix` (`api::types::` in a
    /// scaffolded package's `main.rs`).
    pub fn under(space: &TypeSpace, prefix: TokenStream) -> Paths {
        Paths {
            indirect: indirect(space, prefix.clone()),
            named: prefix,
            ..Paths::sibling(space)
        }
    }
}

/// The helper type's path after `prefix`; a placeholder no code renders when the space has
/// no `TypeRef::Indirect`.
fn indirect(space: &TypeSpace, prefix: TokenStream) -> TokenStream {
    let name = ident(space.indirect.as_deref().unwrap_or("Indirect"));
    quote!(#prefix #name)
}

/// An identifier, raw when the name is a keyword.
pub fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The Rust type for a use of a type.
pub fn type_path(space: &TypeSpace, p: &Paths, r: &TypeRef) -> TokenStream {
    match r {
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => p.string.clone(),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Named(id) => {
            let (prefix, name) = (&p.named, ident(&space.get(*id).name));
            quote!(#prefix #name)
        }
        TypeRef::Option(inner) => {
            let (o, inner) = (&p.option, type_path(space, p, inner));
            quote!(#o<#inner>)
        }
        TypeRef::Vec(inner) => {
            let (v, inner) = (&p.vec, type_path(space, p, inner));
            quote!(#v<#inner>)
        }
        TypeRef::Map(inner) => {
            let (m, s, inner) = (&p.map, &p.string, type_path(space, p, inner));
            quote!(#m<#s, #inner>)
        }
        TypeRef::Tuple(items) => {
            let items = items.iter().map(|i| type_path(space, p, i));
            quote!((#(#items,)*))
        }
        TypeRef::Boxed(inner) => {
            let (b, inner) = (&p.boxed, type_path(space, p, inner));
            quote!(#b<#inner>)
        }
        TypeRef::Indirect(inner) => {
            let (i, inner) = (&p.indirect, type_path(space, p, inner));
            quote!(#i<#inner>)
        }
    }
}

/// `path` (object keys from the root) as a JSON pointer.
pub fn pointer(path: &[String]) -> String {
    let pointer = path
        .iter()
        .fold(asyncgen_spec::Pointer::root(), |p, t| p.push(t));
    pointer.as_str().to_owned()
}

/// A document's duration as a `std::time::Duration` expression.
pub fn millis(d: &asyncgen_spec::extensions::Duration) -> TokenStream {
    let ms = d.as_millis();
    quote!(::std::time::Duration::from_millis(#ms))
}
