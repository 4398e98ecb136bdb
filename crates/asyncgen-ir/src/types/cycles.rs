//! Recursion broken with `Box`: a type that contains itself, directly or through other types,
//! would have infinite size, so each edge inside a strongly connected component gets a box.

use super::convert::Builder;
use super::model::*;

impl<'a> Builder<'a> {
    /// Types that contain themselves (directly or through other types, not behind a `Vec` or
    /// map) get a `Box` on each edge of the cycle.
    pub(super) fn box_cycles(&mut self) {
        let n = self.space.types.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for t in &self.space.types {
            for r in direct_refs(&t.kind) {
                edges[t.id.0].push(r.0);
            }
        }
        let scc = strongly_connected(&edges);
        for t in &mut self.space.types {
            let from = scc[t.id.0];
            let cyclic = |id: TypeId| scc[id.0] == from;
            match &mut t.kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter_mut()
                    .for_each(|f| box_direct(&mut f.ty, &cyclic)),
                TypeKind::Union(u) => u
                    .variants
                    .iter_mut()
                    .for_each(|v| box_direct(&mut v.ty, &cyclic)),
                TypeKind::Alias(r) => box_direct(r, &cyclic),
                TypeKind::Enum(_) | TypeKind::Topic(_) => {}
            }
        }
    }
}

/// Named types a type holds without indirection.
fn direct_refs(kind: &TypeKind) -> Vec<TypeId> {
    fn walk(r: &TypeRef, out: &mut Vec<TypeId>) {
        match r {
            TypeRef::Named(id) => out.push(*id),
            TypeRef::Option(i) => walk(i, out),
            TypeRef::Tuple(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    match kind {
        TypeKind::Struct(s) => s.fields.iter().for_each(|f| walk(&f.ty, &mut out)),
        TypeKind::Union(u) => u.variants.iter().for_each(|v| walk(&v.ty, &mut out)),
        TypeKind::Alias(r) => walk(r, &mut out),
        TypeKind::Enum(_) | TypeKind::Topic(_) => {}
    }
    out
}

fn box_direct(r: &mut TypeRef, cyclic: &impl Fn(TypeId) -> bool) {
    match r {
        TypeRef::Named(id) if cyclic(*id) => *r = TypeRef::Boxed(Box::new(r.clone())),
        TypeRef::Option(i) => box_direct(i, cyclic),
        TypeRef::Tuple(items) => items.iter_mut().for_each(|i| box_direct(i, cyclic)),
        _ => {}
    }
}

/// Tarjan's algorithm, iteratively (type graphs can be deep): each node's strongly connected
/// component. An edge is part of a cycle exactly when both ends share a component (a self-edge
/// included). Components are numbered in reverse topological order: an edge between two
/// components goes to the lower number.
pub(super) fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut count = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&(v, i)) = work.last() {
            if i == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(i) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = count;
                    if w == v {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 → 0
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![0]];
        let c = strongly_connected(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[0]);
        assert_ne!(c[4], c[0]);
    }
}
