//! Fidelity tests: for each component schema that became a struct or an enum, what the source
//! schema says (property names, required set, enum values) is written into a test that compares
//! it with the JSON Schema `schemars` derives from the generated type.

use std::collections::BTreeSet;

use asyncgen_ir::schema::{SchemaRef, SchemaStore};
use asyncgen_ir::types::{TypeKind, TypeSpace};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

/// What a source schema promises about its generated type.
#[derive(Default)]
struct Expected {
    properties: BTreeSet<String>,
    required: BTreeSet<String>,
    values: BTreeSet<String>,
}

pub fn tests(api: &asyncgen_ir::Api, space: &TypeSpace, module: &Ident, out: &mut TokenStream) {
    for t in &space.types {
        let Some(key) = t.origin.pointer.strip_prefix("/components/schemas/") else {
            continue;
        };
        if key.contains('/') {
            continue;
        }
        let Some(entry) = api.schemas.get(&SchemaRef::of(&t.origin)) else {
            continue;
        };
        let mut expected = Expected::default();
        let check = match &t.kind {
            TypeKind::Struct(_) => {
                object(&api.schemas, &entry.schema, &mut expected, 0);
                quote!(crate::Check::Struct)
            }
            TypeKind::Enum(_) => {
                values(deref(&api.schemas, &entry.schema), &mut expected.values);
                quote!(crate::Check::Enum)
            }
            _ => continue,
        };
        let ty = format_ident!("{}", t.name);
        let test = format_ident!("fidelity__{}__{}", module, t.name);
        let (p, r, v) = (
            expected.properties.iter(),
            expected.required.iter(),
            expected.values.iter(),
        );
        out.extend(quote! {
            #[test]
            #[allow(non_snake_case, deprecated)]
            fn #test() {

                crate::fidelity::<crate::#module::#ty>(#check, &[#(#p),*], &[#(#r),*], &[#(#v),*]);
            }
        });
    }
}

fn deref<'a>(store: &'a SchemaStore, mut schema: &'a Value) -> &'a Value {
    for _ in 0..64 {
        match SchemaStore::ref_of(schema).and_then(|r| store.get(&r)) {
            Some(entry) => schema = &entry.schema,
            None => break,
        }
    }
    schema
}

/// Properties and required names of an object schema, through `allOf`. A required property
/// that may be `null` is an `Option` in Rust, which JSON Schema derivation reports as not
/// required: it is left out of the required set.
fn object(store: &SchemaStore, schema: &Value, out: &mut Expected, depth: usize) {
    let schema = deref(store, schema);
    if depth > 32 {
        return;
    }
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some(props) = props {
        out.properties.extend(props.keys().cloned());
    }
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        out.properties.insert(name.to_owned());
        let nullable = props
            .and_then(|p| p.get(name))
            .is_some_and(|p| nullable(deref(store, p)));
        if !nullable {
            out.required.insert(name.to_owned());
        }
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        object(store, part, out, depth + 1);
    }
    // `anyOf` over objects is one struct: every branch's properties, required when every
    // branch requires them.
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        let mut in_all: Option<BTreeSet<String>> = None;
        for b in branches {
            let mut part = Expected::default();
            object(store, b, &mut part, depth + 1);
            out.properties.extend(part.properties);
            in_all = Some(match in_all {
                None => part.required,
                Some(prev) => prev.intersection(&part.required).cloned().collect(),
            });
        }
        out.required.extend(in_all.unwrap_or_default());
    }
}

fn nullable(schema: &Value) -> bool {
    let typed_null = match schema.get("type") {
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "null"),
        Some(t) => t == "null",
        None => false,
    };
    let branch_null = ["oneOf", "anyOf"].iter().any(|k| {
        schema.get(*k).and_then(Value::as_array).is_some_and(|bs| {
            bs.iter()
                .any(|b| b.get("type").is_some_and(|t| t == "null"))
        })
    });
    typed_null
        || branch_null
        || schema.get("nullable") == Some(&Value::Bool(true))
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|vs| vs.contains(&Value::Null))
}

fn values(schema: &Value, out: &mut BTreeSet<String>) {
    let listed = schema.get("enum").and_then(Value::as_array);
    for v in listed.into_iter().flatten().chain(schema.get("const")) {
        if let Some(s) = v.as_str() {
            out.insert(s.to_owned());
        }
    }
}
