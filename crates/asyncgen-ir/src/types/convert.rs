//! The converter's core: [`Builder`] runs the passes over an [`Api`] in order, and the state
//! they share (the type space being filled, entry ids, taken names) lives here.
//!
//! Every stored schema entry becomes a named type whose id is allocated before any conversion
//! (`naming`), so forward and circular references resolve; each entry is then given its shape
//! (`shapes`, with `merge` for `allOf`/`anyOf` and `dispatch` for telling union variants
//! apart); message unions are built over operations and on request (`messages`, asked by
//! the protocol views); recursion is broken with `Box` last (`cycles`).

use std::collections::HashMap;

use serde_json::Value;

use super::model::*;
use crate::model::{Api, Origin};
use crate::schema::{SchemaRef, SchemaStore};

/// A problem the type space cannot decide for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeIssue {
    pub kind: IssueKind,
    pub message: String,
    pub origin: Origin,
    pub related: Vec<(String, Origin)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// Two component keys become the same Rust name.
    NameCollision,
    /// Messages that share an operation cannot be told apart from their schemas.
    AmbiguousDispatch,
    /// A message recognised by what another generator's vendor extensions say
    /// (`x-ballerina-event-identifier` with `x-ballerina-event-type`), or that they name a
    /// dispatch this generator cannot follow.
    VendorDispatch,
    /// Messages recognised by the event-type header of their endpoint's signature preset,
    /// equal to their `name`.
    PresetDispatch,
}

/// Builds a type space: every schema and message of a document, the unions of its operations,
/// then whatever message unions the caller asks for ([`Builder::message_union`]; the protocol
/// views ask for theirs). Issues are returned by [`Builder::finish`]: name collisions are errors
/// (the second name gets a suffix so the space is still complete), ambiguous dispatch falls
/// back to trying each message in order.
pub struct Builder<'a> {
    pub(super) api: &'a Api,
    pub(super) store: &'a SchemaStore,
    pub(super) space: TypeSpace,
    /// Entry key → its named type.
    pub(super) entries: HashMap<SchemaRef, TypeId>,
    /// Every taken type name.
    pub(super) taken: HashMap<String, Origin>,
    /// Canonical JSON of an inline schema → the type made for it.
    pub(super) structural: HashMap<String, TypeId>,
    pub(super) issues: Vec<TypeIssue>,
    /// Message key → the event-type header of the signature preset where it arrives.
    pub(super) event_headers: HashMap<String, &'static str>,
}

pub(super) fn docs(schema: &Value) -> Docs {
    let s = |k: &str| schema.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut examples: Vec<Value> = schema
        .get("examples")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(e) = schema.get("example") {
        examples.push(e.clone());
    }
    Docs {
        title: s("title"),
        description: s("description"),
        deprecated: schema
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        format: s("format"),
        examples,
    }
}

/// The `type` keyword as a list; empty when absent.
pub(super) fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `oneOf` / `anyOf` of one schema and `{type: null}`: a nullable way of writing that schema.
pub(super) fn nullable_branch(schema: &Value) -> Option<&Value> {
    let branches = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array))?;
    let (nulls, rest): (Vec<&Value>, Vec<&Value>) =
        branches.iter().partition(|b| types_of(b) == ["null"]);
    match (nulls.len(), rest.as_slice()) {
        (1.., [only]) => Some(only),
        _ => None,
    }
}

pub(super) fn is_nullable(schema: &Value) -> bool {
    nullable_branch(schema).is_some()
        || types_of(schema).contains(&"null")
        || schema
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().any(Value::is_null))
}

pub(super) fn is_object_like(schema: &Value) -> bool {
    let t = types_of(schema);
    t.contains(&"object")
        || (t.is_empty()
            && (schema.get("properties").is_some() || schema.get("required").is_some()))
}

/// The single value a schema allows, if it allows one (`const`, or a one-value `enum`).
pub(super) fn single_value(schema: &Value) -> Option<&Value> {
    if let Some(c) = schema.get("const") {
        return Some(c);
    }
    match schema
        .get("enum")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([one]) => Some(one),
        _ => None,
    }
}

impl<'a> Builder<'a> {
    /// Converts the schemas and messages of `api` and builds its operations' unions.
    pub fn new(api: &'a Api) -> Self {
        Self::with_event_headers(api, HashMap::new())
    }

    /// As [`Builder::new`], knowing for each message key the header in which the provider where
    /// it arrives names the event type ([`crate::webhook::Endpoint::event_header`]).
    pub fn with_event_headers(api: &'a Api, event_headers: HashMap<String, &'static str>) -> Self {
        let mut b = Builder::empty(api);
        b.event_headers = event_headers;
        b.name_entries();
        let keys: Vec<SchemaRef> = api.schemas.iter().map(|(k, _)| k.clone()).collect();
        for key in &keys {
            b.define_entry(key);
        }
        b.messages();
        b.operations();
        b
    }

    /// The finished space, recursion boxed, long chains cut, and the issues met on the way.
    pub fn finish(mut self) -> (TypeSpace, Vec<TypeIssue>) {
        self.box_cycles();
        self.cut_long_chains();
        (self.space, self.issues)
    }

    fn empty(api: &'a Api) -> Self {
        Builder {
            api,
            store: &api.schemas,
            space: TypeSpace::default(),
            entries: HashMap::new(),
            taken: HashMap::new(),
            structural: HashMap::new(),
            issues: Vec::new(),
            event_headers: HashMap::new(),
        }
    }

    /// The schema behind a stored `$ref` key, if the value is a reference.
    pub(super) fn deref<'v>(&'v self, schema: &'v Value) -> &'v Value {
        let mut cur = schema;
        for _ in 0..64 {
            match SchemaStore::ref_of(cur).and_then(|r| self.store.get(&r)) {
                Some(entry) => cur = &entry.schema,
                None => return cur,
            }
        }
        cur
    }

    pub(super) fn alloc(&mut self, name: String, origin: Origin, docs: Docs) -> TypeId {
        let id = TypeId(self.space.types.len());
        self.taken.insert(name.clone(), origin.clone());
        // A placeholder until the definition is converted; cycles see the id meanwhile.
        self.space.types.push(TypeDef {
            id,
            name,
            docs,
            origin,
            kind: TypeKind::Alias(TypeRef::Json),
        });
        id
    }
}
