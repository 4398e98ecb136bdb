//! The types output: one Rust item per named type of the type space.
//!
//! Paths are fully qualified (`::std::string::String`, `::serde::Serialize`) so that a schema
//! named `Option`, `Result` or `Value` cannot shadow what the generated code relies on.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use asyncgen_ir::types::{
    Additional, Docs, Field, Rule, StringEnum, StructDef, TypeDef, TypeKind, TypeRef, TypeSpace,
    UnionDef,
};

use crate::Settings;
use crate::paths::{Paths, ident, pointer, type_path};

/// The `use` lines the module needs (an unused import would fail `deny(warnings)`).
pub fn imports(space: &TypeSpace, p: &Paths, derive_json_schema: bool) -> TokenStream {
    let maps = space.types.iter().any(|t| match &t.kind {
        TypeKind::Struct(s) => {
            matches!(s.additional, Additional::Keep(_)) || s.fields.iter().any(|f| has_map(&f.ty))
        }
        TypeKind::Union(u) => u.variants.iter().any(|v| has_map(&v.ty)),
        TypeKind::Alias(r) => has_map(r),
        TypeKind::Enum(_) | TypeKind::Topic(_) => false,
    });
    let derives = space.types.iter().any(|t| {
        matches!(
            t.kind,
            TypeKind::Struct(_) | TypeKind::Enum(_) | TypeKind::Topic(_)
        )
    });
    let map = if p.short_map && maps {
        quote!(
            use std::collections::BTreeMap;
        )
    } else {
        TokenStream::new()
    };
    let serde = if p.short_serde && derives {
        quote!(
            use serde::{Deserialize, Serialize};
        )
    } else {
        TokenStream::new()
    };
    let fields = || {
        space.types.iter().flat_map(|t| match &t.kind {
            TypeKind::Struct(s) => s.fields.iter().filter(|f| absent_or_null(f)).collect(),
            _ => Vec::new(),
        })
    };
    let doubles = fields().any(|f| f.ty != TypeRef::Json);
    let values = fields().any(|f| f.ty == TypeRef::Json);
    let double = double_option(doubles, values);
    let indirect = match &space.indirect {
        Some(name) => indirect_type(&ident(name), derive_json_schema),
        None => TokenStream::new(),
    };
    quote! { #map #serde #double #indirect }
}

/// The helper type behind [`TypeRef::Indirect`]: a box behind a trait object. rustc's drop
/// check follows every type a value owns, one level per distinct type, and fails a build
/// whose chain of types is longer than its recursion limit (E0320); it does not look behind a
/// trait object, so a field of this type ends the chain there. The IR puts one only where a
/// chain would run on (`asyncgen_ir::types` `chains`). It reads as the value it holds (`Deref`),
/// and serializes, compares and prints as that value.
fn indirect_type(name: &Ident, derive_json_schema: bool) -> TokenStream {
    // Named after the helper, whose name the IR chose free of the document's types.
    let value = format_ident!("{name}Value");
    let trait_doc = format!(" What [`{name}`] needs of the value it holds, object-safe.");
    // Deriving T's schema here would instantiate schemars' generic code once per type of the
    // chain, nested, and hit rustc's instantiation limit the same way drop check did: the
    // field's schema names its type and accepts its value, and T's own schema is T's.
    let schema = if derive_json_schema {
        quote! {
            impl<T: ::schemars::JsonSchema + 'static> ::schemars::JsonSchema for #name<T> {
                fn inline_schema() -> bool {
                    true
                }
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    T::schema_name()
                }
                fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                    let mut schema = ::schemars::Schema::default();
                    schema.insert(
                        ::std::string::String::from("description"),
                        ::serde_json::Value::String(::std::format!(
                            "A `{}`, whose schema is its own (it sits behind an indirection).",
                            T::schema_name()
                        )),
                    );
                    schema
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        /// A value of `T` held behind a trait object, which ends the chain of types rustc's
        /// drop check follows: used where the document's schemas refer to one another in a
        /// chain too long for it (error E0320). Use it as a `T` (`Deref`), build it with
        /// `From<T>` or [`new`](Self::new), and take the value out with
        /// [`into_inner`](Self::into_inner).
        pub struct #name<T: 'static>(::std::boxed::Box<dyn #value<T>>);

        #[doc = #trait_doc]
        pub trait #value<T>: ::std::marker::Send + ::std::marker::Sync {
            fn value(&self) -> &T;
            fn value_mut(&mut self) -> &mut T;
            fn into_value(self: ::std::boxed::Box<Self>) -> T;
            fn clone_value(&self) -> ::std::boxed::Box<dyn #value<T>>;
        }

        impl<T: ::std::clone::Clone + ::std::marker::Send + ::std::marker::Sync + 'static> #value<T> for T {
            fn value(&self) -> &T {
                self
            }
            fn value_mut(&mut self) -> &mut T {
                self
            }
            fn into_value(self: ::std::boxed::Box<Self>) -> T {
                *self
            }
            fn clone_value(&self) -> ::std::boxed::Box<dyn #value<T>> {
                ::std::boxed::Box::new(self.clone())
            }
        }

        impl<T: ::std::clone::Clone + ::std::marker::Send + ::std::marker::Sync + 'static> #name<T> {
            /// Holds `value`.
            pub fn new(value: T) -> Self {
                Self(::std::boxed::Box::new(value))
            }
            /// The value held.
            pub fn into_inner(self) -> T {
                self.0.into_value()
            }
        }

        impl<T: ::std::clone::Clone + ::std::marker::Send + ::std::marker::Sync + 'static> ::std::convert::From<T> for #name<T> {
            fn from(value: T) -> Self {
                Self::new(value)
            }
        }

        impl<T: 'static> ::std::ops::Deref for #name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                self.0.value()
            }
        }

        impl<T: 'static> ::std::ops::DerefMut for #name<T> {
            fn deref_mut(&mut self) -> &mut T {
                self.0.value_mut()
            }
        }

        impl<T: 'static> ::std::clone::Clone for #name<T> {
            fn clone(&self) -> Self {
                Self(self.0.clone_value())
            }
        }

        impl<T: ::std::cmp::PartialEq + 'static> ::std::cmp::PartialEq for #name<T> {
            fn eq(&self, other: &Self) -> bool {
                self.0.value() == other.0.value()
            }
        }

        impl<T: ::std::fmt::Debug + 'static> ::std::fmt::Debug for #name<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.value().fmt(f)
            }
        }

        impl<T: ::serde::Serialize + 'static> ::serde::Serialize for #name<T> {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                self.0.value().serialize(serializer)
            }
        }

        impl<'de, T: ::serde::Deserialize<'de> + ::std::clone::Clone + ::std::marker::Send + ::std::marker::Sync + 'static> ::serde::Deserialize<'de> for #name<T> {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                T::deserialize(deserializer).map(Self::new)
            }
        }

        #schema
    }
}

/// An optional property that may also be `null`: absent and `null` are different messages
/// (a PATCH-like "leave" vs "clear"), so the field is `Option<Option<T>>`; an optional
/// untyped property keeps `null` as `Some(Value::Null)`.
fn absent_or_null(f: &Field) -> bool {
    !f.required && matches!(f.ty, TypeRef::Option(_) | TypeRef::Json)
}

/// The (de)serializer of `Option<Option<T>>` fields: serde alone reads `null` as an absent
/// field. The same shape as `serde_with::rust::double_option`, without the dependency.
fn double_option(doubles: bool, values: bool) -> TokenStream {
    if !doubles && !values {
        return TokenStream::new();
    }
    let double = doubles.then(|| {
        quote! {
            pub fn serialize<T, S>(
                value: &::std::option::Option<::std::option::Option<T>>,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error>
            where
                T: ::serde::Serialize,
                S: ::serde::Serializer,
            {
                match value {
                    ::std::option::Option::Some(inner) => {
                        ::serde::Serialize::serialize(inner, serializer)
                    }
                    ::std::option::Option::None => serializer.serialize_none(),
                }
            }

            pub fn deserialize<'de, T, D>(
                deserializer: D,
            ) -> ::std::result::Result<::std::option::Option<::std::option::Option<T>>, D::Error>
            where
                T: ::serde::Deserialize<'de>,
                D: ::serde::Deserializer<'de>,
            {
                <::std::option::Option<T> as ::serde::Deserialize>::deserialize(deserializer)
                    .map(::std::option::Option::Some)
            }
        }
    });
    let value = values.then(|| {
        quote! {
            /// A present untyped property, `null` included, is `Some`.
            pub fn deserialize_value<'de, D>(
                deserializer: D,
            ) -> ::std::result::Result<::std::option::Option<::serde_json::Value>, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)
                    .map(::std::option::Option::Some)
            }
        }
    });
    quote! {
        /// (De)serializes an optional, nullable property: `None` when absent, `Some(None)` when
        /// `null`, `Some(Some(value))` otherwise.
        mod double_option {
            #double
            #value
        }
    }
}

fn has_map(r: &TypeRef) -> bool {
    match r {
        TypeRef::Map(_) => true,
        TypeRef::Option(i) | TypeRef::Vec(i) | TypeRef::Boxed(i) | TypeRef::Indirect(i) => {
            has_map(i)
        }
        TypeRef::Tuple(items) => items.iter().any(has_map),
        _ => false,
    }
}

/// The items of one named type (a type and its impls).
pub fn item_tokens(space: &TypeSpace, p: &Paths, index: usize, settings: &Settings) -> TokenStream {
    item(space, p, &space.types[index], settings)
}

/// Makes text safe as rustdoc: code fences become `text` blocks and indentation is dropped,
/// so nothing in a description is compiled as a doctest.
fn doc_text(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.trim().lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            // Whatever language a fence names, it is not Rust to compile.
            out.push(if in_fence { "```" } else { "```text" }.to_owned());
            in_fence = !in_fence;
            continue;
        }
        out.push(if in_fence {
            line.to_owned()
        } else {
            t.to_owned()
        });
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out
}

fn doc_attrs(docs: &Docs, extra: &[String]) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    if let Some(t) = &docs.title {
        lines.extend(doc_text(t));
    }
    if let Some(d) = &docs.description {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(doc_text(d));
    }
    let mut notes: Vec<String> = extra.to_vec();
    // Integer and number formats are already the Rust type; others (date-time, uuid) are not.
    if let Some(f) = docs
        .format
        .as_ref()
        .filter(|f| !matches!(f.as_str(), "int32" | "int64" | "float" | "double"))
    {
        notes.push(format!("Format: `{}`.", f.replace('`', "'")));
    }
    for e in docs.examples.iter().take(3) {
        let text = e.to_string();
        if text.len() <= 80 && !text.contains('`') {
            notes.push(format!("Example: `{text}`"));
        }
    }
    if !notes.is_empty() && !lines.is_empty() {
        lines.push(String::new());
    }
    lines.extend(notes);
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

fn deprecated(docs: &Docs) -> TokenStream {
    if docs.deprecated {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    }
}

/// True when a type uses a deprecated type, so the use needs `#[allow(deprecated)]`.
fn uses_deprecated(space: &TypeSpace, kind: &TypeKind) -> bool {
    fn walk(space: &TypeSpace, r: &TypeRef) -> bool {
        match r {
            TypeRef::Named(id) => space.get(*id).docs.deprecated,
            TypeRef::Option(i)
            | TypeRef::Vec(i)
            | TypeRef::Map(i)
            | TypeRef::Boxed(i)
            | TypeRef::Indirect(i) => walk(space, i),
            TypeRef::Tuple(items) => items.iter().any(|i| walk(space, i)),
            _ => false,
        }
    }
    match kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .any(|f| f.docs.deprecated || walk(space, &f.ty)),
        TypeKind::Union(u) => u.variants.iter().any(|v| walk(space, &v.ty)),
        TypeKind::Alias(r) => walk(space, r),
        TypeKind::Enum(_) | TypeKind::Topic(_) => false,
    }
}

fn item(space: &TypeSpace, p: &Paths, t: &TypeDef, settings: &Settings) -> TokenStream {
    let name = ident(&t.name);
    let origin = format!("Schema: `{}`.", t.origin);
    let docs = doc_attrs(&t.docs, &[origin]);
    let dep = deprecated(&t.docs);
    let allow = if t.docs.deprecated || uses_deprecated(space, &t.kind) {
        quote!(#[allow(deprecated)])
    } else {
        TokenStream::new()
    };
    let schema_derive = if settings.derive_json_schema {
        quote!(::schemars::JsonSchema,)
    } else {
        TokenStream::new()
    };
    match &t.kind {
        TypeKind::Alias(r) => {
            let ty = type_path(space, p, r);
            quote! { #docs #dep #allow pub type #name = #ty; }
        }
        TypeKind::Struct(s) => structure(
            space,
            p,
            &name,
            s,
            quote!(#docs #dep #allow),
            &schema_derive,
        ),
        TypeKind::Enum(e) => string_enum(p, &name, e, quote!(#docs #dep), &schema_derive),
        TypeKind::Topic(def) => {
            crate::ws::topic::topic(space, p, &t.name, def, quote!(#docs #dep), &schema_derive)
        }

        TypeKind::Union(u) => union(
            space,
            p,
            &name,
            &t.name,
            u,
            quote!(#docs #dep #allow),
            &allow,
            settings,
        ),
    }
}

fn field(space: &TypeSpace, p: &Paths, f: &Field, derive_schema: bool) -> TokenStream {
    let name = ident(&f.name);
    let mut extra = Vec::new();
    if let Some(c) = &f.constant {
        extra.push(format!("Always `{c}`."));
    }
    let docs = doc_attrs(&f.docs, &extra);
    let dep = deprecated(&f.docs);
    let rename = if f.name.trim_start_matches("r#") != f.wire {
        let w = &f.wire;
        quote!(#[serde(rename = #w)])
    } else {
        TokenStream::new()
    };
    let ty = type_path(space, p, &f.ty);
    let o = &p.option;
    let is_none = &p.is_none;
    if f.required {
        quote! { #docs #dep #rename pub #name: #ty, }
    } else if f.ty == TypeRef::Json {
        quote! {
            #docs #dep #rename
            #[serde(
                default,
                skip_serializing_if = #is_none,
                deserialize_with = "double_option::deserialize_value"
            )]
            pub #name: #o<#ty>,
        }
    } else if absent_or_null(f) {
        let schema = if derive_schema {
            let shape = quote!(#ty).to_string();
            quote!(#[schemars(with = #shape)])
        } else {
            TokenStream::new()
        };
        quote! {
            #docs #dep #rename
            #[serde(default, skip_serializing_if = #is_none, with = "double_option")]
            #schema
            pub #name: #o<#ty>,
        }
    } else {
        quote! {
            #docs #dep #rename
            #[serde(default, skip_serializing_if = #is_none)]
            pub #name: #o<#ty>,
        }
    }
}

fn structure(
    space: &TypeSpace,
    p: &Paths,
    name: &Ident,
    s: &StructDef,
    attrs: TokenStream,
    schema_derive: &TokenStream,
) -> TokenStream {
    let derive_schema = !schema_derive.is_empty();
    let fields = s.fields.iter().map(|f| field(space, p, f, derive_schema));
    let (deny, rest) = match &s.additional {
        Additional::Deny => (quote!(#[serde(deny_unknown_fields)]), TokenStream::new()),
        Additional::Ignore => (TokenStream::new(), TokenStream::new()),
        Additional::Keep(v) => {
            let mut extra = "additional_properties".to_owned();
            while s.fields.iter().any(|f| f.name == extra) {
                extra.push('_');
            }
            let extra = ident(&extra);
            let map = type_path(space, p, &TypeRef::Map(Box::new(v.clone())));
            (
                TokenStream::new(),
                quote! {
                    /// Properties the schema does not name, kept as received.
                    #[serde(flatten)]
                    pub #extra: #map,
                },
            )
        }
    };
    let (ser, de) = (&p.serialize, &p.deserialize);
    quote! {
        #attrs
        #[derive(Debug, Clone, PartialEq, #ser, #de, #schema_derive)]
        #deny
        pub struct #name {
            #(#fields)*
            #rest
        }
    }
}

fn string_enum(
    p: &Paths,
    name: &Ident,
    e: &StringEnum,
    attrs: TokenStream,
    schema_derive: &TokenStream,
) -> TokenStream {
    let (ser, de, string) = (&p.serialize, &p.deserialize, &p.string);
    let variants: Vec<Ident> = e.variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
    let renames = wires.iter().zip(&e.variants).map(|(w, v)| {
        if *w != v.name {
            quote!(#[serde(rename = #w)])
        } else {
            TokenStream::new()
        }
    });
    let docs = e.variants.iter().map(|v| doc_attrs(&v.docs, &[]));
    if e.open {
        quote! {
            #attrs
            #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #ser, #de, #schema_derive)]
            pub enum #name {
                #( #docs #renames #variants, )*
                /// A value this code does not know yet, kept as received: providers add values
                /// without notice, and one must not fail a whole message.
                #[serde(untagged)]
                Other(#string),
            }

            impl #name {
                /// The value as written on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#variants => #wires, )*
                        Self::Other(value) => value.as_str(),
                    }
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        }
    } else {
        // A closed enum is a `const` (one value) or a fixed set: its first value is the default,
        // so a struct holding a `const` field can be built without spelling it.
        let defaults = (0..variants.len()).map(|i| {
            if i == 0 {
                quote!(#[default])
            } else {
                TokenStream::new()
            }
        });
        quote! {
            #attrs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, #ser, #de, #schema_derive)]
            pub enum #name {
                #( #docs #renames #defaults #variants, )*
            }


            impl #name {
                /// The value as written on the wire.
                pub fn as_str(&self) -> &'static str {
                    match self {
                        #( Self::#variants => #wires, )*
                    }
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn union(
    space: &TypeSpace,
    p: &Paths,
    name: &Ident,
    type_name: &str,
    u: &UnionDef,
    attrs: TokenStream,
    allow: &TokenStream,
    settings: &Settings,
) -> TokenStream {
    let variants: Vec<Ident> = u.variants.iter().map(|v| ident(&v.name)).collect();
    let types: Vec<TokenStream> = u
        .variants
        .iter()
        .map(|v| type_path(space, p, &v.ty))
        .collect();
    let docs = u.variants.iter().map(|v| doc_attrs(&v.docs, &[]));
    // Rules that recognise a variant exactly (a const, a property only it declares) are
    // checked before variants that are tried by decoding: a trial decode ignores unknown
    // fields and keeps unknown enum values, so tried first it swallows values that belong to
    // a later, exactly recognised variant (and drops their extra fields). Stable, so the
    // document order still decides among tried variants.
    let mut ordered: Vec<_> = u.variants.iter().zip(&variants).collect();
    ordered.sort_by_key(|(v, _)| matches!(v.rule, Rule::Attempt));
    let checks = ordered.into_iter().map(|(v, variant)| {
        let decode = quote!(return ::serde_json::from_value(value).map(Self::#variant););
        match &v.rule {
            Rule::Equals { path, value } => {
                let p = pointer(path);
                match value.as_str() {
                    Some(s) => quote! {
                        if value.pointer(#p).and_then(::serde_json::Value::as_str) == ::std::option::Option::Some(#s) { #decode }
                    },
                    None => {
                        let literal = value.to_string();
                        quote! {
                            if value.pointer(#p).map(::std::string::ToString::to_string).as_deref() == ::std::option::Option::Some(#literal) { #decode }
                        }
                    }
                }
            }
            Rule::Present { properties } => quote! {
                if #( value.get(#properties).is_some() )&&* { #decode }
            },
            Rule::Header { name, value } => quote! {
                if header(#name) == ::std::option::Option::Some(#value) { #decode }
            },
            Rule::Attempt => quote! {
                if let ::std::result::Result::Ok(decoded) = ::serde_json::from_value(value.clone()) {
                    return ::std::result::Result::Ok(Self::#variant(decoded));
                }
            },
        }
    });
    let names: Vec<String> = u.variants.iter().map(|v| v.name.clone()).collect();
    let expected = names.join(", ");
    let by_header = u
        .variants
        .iter()
        .any(|v| matches!(v.rule, Rule::Header { .. }));
    let (unknown_variant, unknown_ser, fallback) = if u.open {
        (
            quote! {
                /// A value no rule recognised, kept as received: providers add message kinds
                /// without notice, and one must not fail a delivery.
                Unknown(::serde_json::Value),
            },
            quote!(Self::Unknown(value) => ::serde::Serialize::serialize(value, serializer),),
            quote!(::std::result::Result::Ok(Self::Unknown(value))),
        )
    } else {
        let message = format!("the value is none of {type_name}'s variants ({expected})");
        (
            TokenStream::new(),
            TokenStream::new(),
            quote!(::std::result::Result::Err(<::serde_json::Error as ::serde::de::Error>::custom(#message))),
        )
    };
    let name_arms = variants
        .iter()
        .zip(&names)
        .map(|(v, n)| quote!(Self::#v(_) => ::std::option::Option::Some(#n),));
    let unknown_name = if u.open {
        quote!(Self::Unknown(_) => ::std::option::Option::None,)
    } else {
        TokenStream::new()
    };
    // Variants told apart by a request header are recognised only where the headers are known
    // (`from_parts`, which the receiver calls); `from_value` and `Deserialize` know none.
    let recognise = if by_header {
        quote! {
            /// Recognises which variant `value` is, by the rules derived from the schema and the
            /// request's `headers` (name, value), then decodes it as that variant.
            pub fn from_parts(value: ::serde_json::Value, headers: &[(&str, &str)]) -> ::std::result::Result<Self, ::serde_json::Error> {
                let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
                #( #checks )*
                #fallback
            }

            /// Recognises which variant `value` is without its request's headers: a variant
            /// recognised by a header is then never chosen.
            pub fn from_value(value: ::serde_json::Value) -> ::std::result::Result<Self, ::serde_json::Error> {
                Self::from_parts(value, &[])
            }
        }
    } else {
        quote! {
            /// Recognises which variant `value` is, by the rules derived from the schema, then
            /// decodes it as that variant.
            pub fn from_value(value: ::serde_json::Value) -> ::std::result::Result<Self, ::serde_json::Error> {
                #( #checks )*
                #fallback
            }
        }
    };
    let schema = if settings.derive_json_schema {
        quote!(#[derive(::schemars::JsonSchema)] #[schemars(untagged)])
    } else {
        TokenStream::new()
    };
    quote! {
        #attrs
        #[derive(Debug, Clone, PartialEq)]
        #schema
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #( #docs #variants(#types), )*
            #unknown_variant
        }

        #allow
        impl #name {
            #recognise

            /// The variant's name, `None` for a value no rule recognised.
            pub fn variant_name(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #( #name_arms )*
                    #unknown_name
                }
            }
        }

        #allow
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #( Self::#variants(value) => ::serde::Serialize::serialize(value, serializer), )*
                    #unknown_ser
                }
            }
        }

        #allow
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::from_value(value).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    }
}
