//! Long chains of distinct types cut with an indirection rustc's drop check does not follow.
//! To know whether dropping a type may touch borrowed data, rustc walks every type it owns,
//! through `Option`, `Vec`, `Box` and maps alike, one level per distinct type; a chain longer
//! than its recursion limit (128) fails the build with E0320 ("overflow while adding drop-check
//! rules"), and a generated module cannot raise the limit of the user's crate. Documents with
//! many schemas that refer to one another (`next`, `related`, a cycle closing at the end) make
//! such chains. A trait object is where the walk stops, so a struct field on a chain that would
//! run on gets the helper type [`TypeRef::Indirect`] (a box behind a trait object, see the
//! types generator); short chains, the common case, keep their natural field types.

use std::collections::HashSet;

use super::convert::Builder;
use super::cycles::strongly_connected;
use super::model::*;

/// The longest chain of distinct types left without an indirection: rustc spends about two
/// levels of its limit of 128 per type, and serde's generated visitors a few more.
const CHAIN_LIMIT: usize = 24;
/// A cycle of at most this many types is walked whole; a larger one has every struct field
/// between its types cut (it is a chain of that length).
const SMALL_CYCLE: usize = 8;

impl<'a> Builder<'a> {
    /// Cuts struct fields so that no chain of types without an indirection is longer than
    /// [`CHAIN_LIMIT`]. Unions and aliases are never cut: their variants are the types
    /// handlers and senders take, and they stay as written.
    pub(super) fn cut_long_chains(&mut self) {
        let n = self.space.types.len();
        // (target, cuttable) per type.
        let mut edges: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
        for t in &self.space.types {
            let out = &mut edges[t.id.0];
            match &t.kind {
                TypeKind::Struct(s) => s.fields.iter().for_each(|f| named(&f.ty, true, out)),
                TypeKind::Union(u) => u.variants.iter().for_each(|v| named(&v.ty, false, out)),
                TypeKind::Alias(r) => named(r, false, out),
                TypeKind::Enum(_) | TypeKind::Topic(_) => {}
            }
        }
        let plain: Vec<Vec<usize>> = edges
            .iter()
            .map(|e| e.iter().map(|(to, _)| *to).collect())
            .collect();
        let component = strongly_connected(&plain);
        let count = component.iter().max().map_or(0, |c| c + 1);
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (node, c) in component.iter().enumerate() {
            members[*c].push(node);
        }

        let mut cut: HashSet<(usize, usize)> = HashSet::new();
        let mut height = vec![0usize; count];
        // Reverse topological order: every component an edge leads to is measured first.
        for c in 0..count {
            let large = members[c].len() > SMALL_CYCLE;
            let base = if large { 1 } else { members[c].len() };
            let mut h = base;
            for &from in &members[c] {
                for &(to, cuttable) in &edges[from] {
                    let inside = component[to] == c;
                    if inside {
                        if large && cuttable {
                            cut.insert((from, to));
                        }
                        continue;
                    }
                    let reach = base + height[component[to]];
                    if reach > CHAIN_LIMIT && cuttable {
                        cut.insert((from, to));
                    } else {
                        h = h.max(reach);
                    }
                }
            }
            height[c] = h;
        }
        if cut.is_empty() {
            return;
        }
        for t in &mut self.space.types {
            let from = t.id.0;
            if let TypeKind::Struct(s) = &mut t.kind {
                for f in &mut s.fields {
                    indirect(&mut f.ty, &|to: TypeId| cut.contains(&(from, to.0)));
                }
            }
        }
        // The helper and its trait (`<name>Value`) must not take a schema's name.
        let free = |n: &str| !self.taken.contains_key(n);
        let name = (1..)
            .map(|i| match i {
                1 => "Indirect".to_owned(),
                i => format!("Indirect{i}"),
            })
            .find(|n| free(n) && free(&format!("{n}Value")))
            .unwrap_or_default();
        self.space.indirect = Some(name);
    }
}

/// The named types `r` holds, through any container.
fn named(r: &TypeRef, cuttable: bool, out: &mut Vec<(usize, bool)>) {
    match r {
        TypeRef::Named(id) => out.push((id.0, cuttable)),
        TypeRef::Option(i)
        | TypeRef::Vec(i)
        | TypeRef::Map(i)
        | TypeRef::Boxed(i)
        | TypeRef::Indirect(i) => named(i, cuttable, out),
        TypeRef::Tuple(items) => items.iter().for_each(|i| named(i, cuttable, out)),
        TypeRef::Bool | TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::String => {}
        TypeRef::Json => {}
    }
}

/// Puts each cut named type of `r` behind [`TypeRef::Indirect`] (in place of its box, if any).
fn indirect(r: &mut TypeRef, cut: &impl Fn(TypeId) -> bool) {
    match r {
        TypeRef::Named(id) if cut(*id) => *r = TypeRef::Indirect(Box::new(r.clone())),
        TypeRef::Boxed(inner) if matches!(**inner, TypeRef::Named(id) if cut(id)) => {
            *r = TypeRef::Indirect(inner.clone());
        }
        TypeRef::Option(i)
        | TypeRef::Vec(i)
        | TypeRef::Map(i)
        | TypeRef::Boxed(i)
        | TypeRef::Indirect(i) => indirect(i, cut),
        TypeRef::Tuple(items) => items.iter_mut().for_each(|i| indirect(i, cut)),
        TypeRef::Named(_)
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::F64
        | TypeRef::String
        | TypeRef::Json => {}
    }
}
