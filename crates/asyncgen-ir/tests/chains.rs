//! Long chains of types in the type space: which struct fields get the indirection that stops
//! rustc's drop check (E0320 beyond about 60 types), and which keep their natural types.

use asyncgen_ir::types::{TypeKind, TypeRef, TypeSpace};

/// The type space of a document whose schemas are `schemas` (YAML under `components/schemas`).
fn space(schemas: &str) -> TypeSpace {
    let text = format!(
        "asyncapi: 3.0.0\ninfo: {{title: t, version: '1'}}\ncomponents:\n  schemas:\n{schemas}"
    );
    let loaded = asyncgen_spec::load_str(
        "doc.yml",
        &text,
        std::path::Path::new("."),
        &Default::default(),
    );
    assert!(!loaded.diagnostics.has_errors(), "{:?}", loaded.diagnostics);
    let api = asyncgen_ir::lower(&loaded).expect("valid document");
    asyncgen_ir::views::build(&api).0
}

/// `S0` .. `S<n-1>`, each with an optional `next` (the following one) and an array of the one
/// after; with `cycle`, the last refers back to the first.
fn chain(n: usize, cycle: bool) -> String {
    (0..n)
        .map(|i| {
            let next = if i + 1 < n {
                Some(i + 1)
            } else {
                cycle.then_some(0)
            };
            let mut s = format!(
                "    S{i}:\n      type: object\n      properties:\n        id: {{type: string}}\n"
            );
            if let Some(j) = next {
                s.push_str(&format!(
                    "        next: {{$ref: '#/components/schemas/S{j}'}}\n"
                ));
            }
            if i + 2 < n {
                s.push_str(&format!(
                    "        more: {{type: array, items: {{$ref: '#/components/schemas/S{}'}}}}\n",
                    i + 2
                ));
            }
            s
        })
        .collect()
}

fn field<'a>(space: &'a TypeSpace, ty: &str, name: &str) -> &'a TypeRef {
    let t = space.types.iter().find(|t| t.name == ty).expect("type");
    let TypeKind::Struct(s) = &t.kind else {
        panic!("{ty} is a struct")
    };
    &s.fields.iter().find(|f| f.name == name).expect("field").ty
}

fn indirect(r: &TypeRef) -> bool {
    match r {
        TypeRef::Indirect(_) => true,
        TypeRef::Option(i) | TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) => indirect(i),
        _ => false,
    }
}

/// The longest path of named types through fields without an indirection.
fn longest_uncut(space: &TypeSpace) -> usize {
    fn refs(r: &TypeRef, out: &mut Vec<usize>) {
        match r {
            TypeRef::Named(id) => out.push(id.0),
            TypeRef::Option(i) | TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Boxed(i) => {
                refs(i, out)
            }
            TypeRef::Tuple(items) => items.iter().for_each(|i| refs(i, out)),
            _ => {}
        }
    }
    let edges: Vec<Vec<usize>> = space
        .types
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            if let TypeKind::Struct(s) = &t.kind {
                s.fields.iter().for_each(|f| refs(&f.ty, &mut out));
            }
            out
        })
        .collect();
    // Bounded depth-first search (the graphs here are small).
    fn depth(v: usize, edges: &[Vec<usize>], stack: &mut Vec<usize>) -> usize {
        if stack.contains(&v) {
            return 0;
        }
        stack.push(v);
        let d = 1 + edges[v]
            .iter()
            .map(|w| depth(*w, edges, stack))
            .max()
            .unwrap_or(0);
        stack.pop();
        d
    }
    (0..edges.len())
        .map(|v| depth(v, &edges, &mut Vec::new()))
        .max()
        .unwrap_or(0)
}

#[test]
fn a_short_chain_keeps_its_natural_types() {
    let space = space(&chain(10, false));
    assert_eq!(space.indirect, None);
    let s1 = space.types.iter().find(|t| t.name == "S1").expect("S1").id;
    assert_eq!(field(&space, "S0", "next"), &TypeRef::Named(s1));
}

#[test]
fn a_long_acyclic_chain_is_cut_so_no_uncut_run_is_long() {
    let space = space(&chain(100, false));
    assert_eq!(space.indirect.as_deref(), Some("Indirect"));
    let uncut = longest_uncut(&space);
    assert!(uncut <= 24, "{uncut} types in a row without an indirection");
    // Only where needed: most fields stay as written.
    let cut = (0..99)
        .filter(|i| indirect(field(&space, &format!("S{i}"), "next")))
        .count();
    assert!(cut > 0 && cut < 50, "{cut} of 100 `next` fields cut");
}

#[test]
fn a_large_cycle_has_every_field_between_its_types_cut() {
    let space = space(&chain(40, true));
    for i in 0..40 {
        assert!(
            indirect(field(&space, &format!("S{i}"), "next")),
            "S{i}.next"
        );
    }
    // The box a cycle needed is replaced, not doubled.
    assert!(matches!(
        field(&space, "S0", "next"),
        TypeRef::Indirect(n) if matches!(**n, TypeRef::Named(_))
    ));
}

#[test]
fn a_small_cycle_keeps_its_boxes() {
    let space = space(&chain(5, true));
    assert_eq!(space.indirect, None);
    assert!(matches!(field(&space, "S4", "next"), TypeRef::Boxed(_)));
}

#[test]
fn the_helper_takes_a_name_no_schema_has() {
    let mut schemas = chain(40, true);
    schemas.push_str("    Indirect: {type: object, properties: {a: {type: string}}}\n");
    schemas.push_str("    Indirect2Value: {type: object, properties: {a: {type: string}}}\n");
    let space = space(&schemas);
    assert_eq!(space.indirect.as_deref(), Some("Indirect3"));
}
