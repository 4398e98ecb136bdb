//! Converts the schema store and messages of an [`Api`] into a [`TypeSpace`].
//!
//! Every stored schema entry becomes a named type whose id is allocated before any conversion,
//! so forward and circular references resolve; inline schemas that need a name are named from
//! their path and shared when structurally identical. Recursion is broken with `Box` afterwards,
//! on the edges inside each strongly connected component of the "contains directly" graph.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::model::*;
use super::naming::{field_name, type_name, variant_name};
use crate::model::{Api, Origin};
use crate::schema::{SchemaRef, SchemaStore};

/// How many `allOf` schemas may be merged inside one another: far beyond real documents, and
/// a bound on the recursion for any input.
const MAX_ALL_OF_NESTING: usize = 64;

/// One `allOf` merge: the parts merged so far and the ones being merged now, by address.
#[derive(Default)]
struct AllOfWalk {
    merged: HashMap<usize, Option<Value>>,
    open: HashSet<usize>,
}

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
}

/// Builds the type space. Issues are returned alongside: name collisions are errors (the
/// second name gets a suffix so the space is still complete), ambiguous dispatch falls back to
/// trying each message in order.
pub fn build(api: &Api) -> (TypeSpace, Vec<TypeIssue>) {
    let mut c = Converter::new(api);
    c.name_entries();
    let keys: Vec<SchemaRef> = api.schemas.iter().map(|(k, _)| k.clone()).collect();
    for key in &keys {
        c.define_entry(key);
    }
    c.messages();
    c.operations();
    c.endpoints();
    c.sockets();
    c.box_cycles();
    (c.space, c.issues)
}

struct Converter<'a> {
    api: &'a Api,
    store: &'a SchemaStore,
    space: TypeSpace,
    /// Entry key → its named type.
    entries: HashMap<SchemaRef, TypeId>,
    /// Every taken type name.
    taken: HashMap<String, Origin>,
    /// Canonical JSON of an inline schema → the type made for it.
    structural: HashMap<String, TypeId>,
    issues: Vec<TypeIssue>,
}

/// A path (object keys from the root) where a schema fixes one value, the value, and whether
/// every property along the path is required.
type ConstPath = (Vec<String>, Value, bool);

/// Where an inline schema sits, for naming and docs.
#[derive(Clone)]
struct Place {
    /// Name of the type the schema belongs to, and the path below it.
    name: String,
    origin: Origin,
}

impl Place {
    fn child(&self, suffix: &str, pointer_tail: &[&str]) -> Place {
        let mut pointer = self.origin.pointer.clone();
        for t in pointer_tail {
            pointer.push('/');
            pointer.push_str(&asyncgen_spec::Pointer::escape(t));
        }
        Place {
            name: format!("{}{}", self.name, type_name(suffix, "Value")),
            origin: Origin {
                file: self.origin.file.clone(),
                pointer,
            },
        }
    }
}

fn docs(schema: &Value) -> Docs {
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
fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `oneOf` / `anyOf` of one schema and `{type: null}`: a nullable way of writing that schema.
fn nullable_branch(schema: &Value) -> Option<&Value> {
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

fn is_nullable(schema: &Value) -> bool {
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

fn is_object_like(schema: &Value) -> bool {
    let t = types_of(schema);
    t.contains(&"object")
        || (t.is_empty()
            && (schema.get("properties").is_some() || schema.get("required").is_some()))
}

/// The single value a schema allows, if it allows one (`const`, or a one-value `enum`).
fn single_value(schema: &Value) -> Option<&Value> {
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

impl<'a> Converter<'a> {
    fn new(api: &'a Api) -> Self {
        Converter {
            api,
            store: &api.schemas,
            space: TypeSpace::default(),
            entries: HashMap::new(),
            taken: HashMap::new(),
            structural: HashMap::new(),
            issues: Vec::new(),
        }
    }

    /// The schema behind a stored `$ref` key, if the value is a reference.
    fn deref<'v>(&'v self, schema: &'v Value) -> &'v Value {
        let mut cur = schema;
        for _ in 0..64 {
            match SchemaStore::ref_of(cur).and_then(|r| self.store.get(&r)) {
                Some(entry) => cur = &entry.schema,
                None => return cur,
            }
        }
        cur
    }

    fn alloc(&mut self, name: String, origin: Origin, docs: Docs) -> TypeId {
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

    /// A suggested name: the candidate, else the candidate with a number.
    fn fresh(&self, candidate: &str) -> String {
        if !self.taken.contains_key(candidate) {
            return candidate.to_owned();
        }
        (2..)
            .map(|i| format!("{candidate}{i}"))
            .find(|n| !self.taken.contains_key(n))
            .unwrap_or_default()
    }

    /// Names every entry before converting any. Component keys first, since they are
    /// required names and must not lose to a suggested one.
    fn name_entries(&mut self) {
        let mut suggested: HashMap<&SchemaRef, String> = HashMap::new();
        for m in self.api.messages.values() {
            let base = type_name(&m.key, "Message");
            if let Some(p) = &m.payload {
                suggested
                    .entry(p)
                    .or_insert_with(|| format!("{base}Payload"));
            }
            if let Some(h) = &m.headers {
                suggested
                    .entry(h)
                    .or_insert_with(|| format!("{base}Headers"));
            }
        }
        for ch in self.api.channels.values() {
            for (name, p) in &ch.parameters {
                if let Some(s) = &p.schema {
                    suggested.entry(s).or_insert_with(|| {
                        format!(
                            "{}{}Parameter",
                            type_name(&ch.key, "Channel"),
                            type_name(name, "Value")
                        )
                    });
                }
            }
        }
        let entries: Vec<(SchemaRef, Origin, Option<String>, Docs)> = self
            .store
            .iter()
            .map(|(k, e)| {
                (
                    k.clone(),
                    e.origin.clone(),
                    e.component.clone(),
                    docs(&e.schema),
                )
            })
            .collect();
        for (key, origin, component, d) in entries.iter().filter(|e| e.2.is_some()) {
            let name = type_name(component.as_deref().unwrap_or_default(), "Schema");
            let name = match self.taken.get(&name).cloned() {
                Some(first) => {
                    self.issues.push(TypeIssue {
                        kind: IssueKind::NameCollision,
                        message: format!(
                            "schema `{}` becomes the Rust type `{name}`, which another schema already is",
                            component.as_deref().unwrap_or_default()
                        ),
                        origin: origin.clone(),
                        related: vec![("this schema is also named `".to_owned() + &name + "`", first)],
                    });
                    self.fresh(&name)
                }
                None => name,
            };
            let id = self.alloc(name, origin.clone(), d.clone());
            self.entries.insert(key.clone(), id);
        }
        for (key, origin, _, d) in entries.iter().filter(|e| e.2.is_none()) {
            let candidate = suggested.get(key).cloned().unwrap_or_else(|| {
                let tokens: Vec<&str> = origin
                    .pointer
                    .split('/')
                    .filter(|t| {
                        !t.is_empty()
                            && !matches!(
                                *t,
                                "components"
                                    | "schemas"
                                    | "properties"
                                    | "items"
                                    | "payload"
                                    | "messages"
                                    | "definitions"
                                    | "$defs"
                            )
                    })
                    .collect();
                type_name(tokens.last().copied().unwrap_or("Schema"), "Schema")
            });
            let name = self.fresh(&candidate);
            let id = self.alloc(name, origin.clone(), d.clone());
            self.entries.insert(key.clone(), id);
        }
    }

    fn define_entry(&mut self, key: &SchemaRef) {
        let (Some(entry), Some(&id)) = (self.store.get(key), self.entries.get(key)) else {
            return;
        };
        let place = Place {
            name: self.space.types[id.0].name.clone(),
            origin: entry.origin.clone(),
        };
        let kind = if entry.is_json_schema() {
            self.definition(&entry.schema, &place, Some(id))
        } else {
            TypeKind::Alias(TypeRef::Json)
        };
        self.space.types[id.0].kind = kind;
        self.space.schemas.insert(key.0.clone(), TypeRef::Named(id));
    }

    /// What a named schema becomes.
    fn definition(&mut self, schema: &Value, place: &Place, own: Option<TypeId>) -> TypeKind {
        if let Some(t) = self.polymorphic_base(schema, own) {
            return t;
        }
        if nullable_branch(schema).is_some() {
            return TypeKind::Alias(self.type_of(schema, place));
        }
        if let Some(merged) = self.merge_any_of(schema) {
            return self.definition(&merged, place, None);
        }
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            return TypeKind::Union(self.union(schema, place));
        }
        if let Some(merged) = self.merge_all_of(schema) {
            return self.definition(&merged, place, None);
        }
        if let Some(values) = self.string_enum_values(schema) {
            return TypeKind::Enum(StringEnum {
                variants: enum_variants(&values),
                open: true,
            });
        }
        if let Some(topic) = topic(schema) {
            return TypeKind::Topic(topic);
        }
        if is_object_like(schema)
            && (schema.get("properties").is_some()
                || schema.get("additionalProperties") == Some(&Value::Bool(false)))
        {
            return TypeKind::Struct(self.structure(schema, place));
        }
        TypeKind::Alias(self.type_of(schema, place))
    }

    /// The type of a schema used somewhere (a property, an item, a variant).
    fn type_of(&mut self, schema: &Value, place: &Place) -> TypeRef {
        let inner = self.type_of_non_null(schema, place);
        // A referenced schema that allows null (a component `enum` listing null) is nullable
        // wherever it is used.
        let nullable = is_nullable(schema)
            || (SchemaStore::ref_of(schema).is_some() && is_nullable(self.deref(schema)));
        if nullable && !matches!(inner, TypeRef::Option(_) | TypeRef::Json) {
            TypeRef::Option(Box::new(inner))
        } else {
            inner
        }
    }

    fn type_of_non_null(&mut self, schema: &Value, place: &Place) -> TypeRef {
        let map = match schema {
            Value::Object(m) => m,
            _ => return TypeRef::Json,
        };
        if let Some(r) = SchemaStore::ref_of(schema) {
            return match self.entries.get(&r) {
                Some(id) => {
                    // `$ref` with `nullable` beside it (3.0 style).
                    TypeRef::Named(*id)
                }
                None => TypeRef::Json,
            };
        }
        if let Some(branch) = nullable_branch(schema) {
            return self.type_of_non_null(branch, place);
        }
        if let Some(merged) = self.merge_any_of(schema) {
            return self.type_of(&merged, place);
        }

        if map.contains_key("oneOf") || map.contains_key("anyOf") {
            return self.named_inline(schema, place, |c, p| TypeKind::Union(c.union(schema, p)));
        }
        if let Some(merged) = self.merge_all_of(schema) {
            return self.type_of(&merged, place);
        }
        if let Some(value) = single_value(schema).filter(|v| v.is_string()) {
            let values = vec![value.as_str().unwrap_or_default().to_owned()];
            return self.named_inline(schema, place, |_, _| {
                TypeKind::Enum(StringEnum {
                    variants: enum_variants(&values),
                    open: false,
                })
            });
        }
        if let Some(values) = self.string_enum_values(schema) {
            return self.named_inline(schema, place, |_, _| {
                TypeKind::Enum(StringEnum {
                    variants: enum_variants(&values),
                    open: true,
                })
            });
        }
        if let Some(topic) = topic(schema) {
            return self.named_inline(schema, place, |_, _| TypeKind::Topic(topic));
        }
        let types: Vec<&str> = types_of(schema)
            .into_iter()
            .filter(|t| *t != "null")
            .collect();
        match types.as_slice() {
            ["string"] => TypeRef::String,
            ["integer"] => match schema.get("format").and_then(Value::as_str) {
                Some("int32") => TypeRef::I32,
                _ => TypeRef::I64,
            },
            ["number"] => TypeRef::F64,
            ["boolean"] => TypeRef::Bool,
            ["array"] => self.array(schema, place),
            ["object"] | []
                if is_object_like(schema)
                    || types.is_empty() && map.contains_key("additionalProperties") =>
            {
                self.object(schema, place)
            }
            _ => TypeRef::Json,
        }
    }

    fn array(&mut self, schema: &Value, place: &Place) -> TypeRef {
        let tuple = schema
            .get("prefixItems")
            .or_else(|| schema.get("items").filter(|i| i.is_array()));
        if let Some(Value::Array(items)) = tuple {
            let refs = items
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    self.type_of(
                        s,
                        &place.child(&format!("Item{i}"), &["items", &i.to_string()]),
                    )
                })
                .collect();
            return TypeRef::Tuple(refs);
        }
        match schema.get("items") {
            Some(items) => TypeRef::Vec(Box::new(
                self.type_of(items, &place.child("Item", &["items"])),
            )),
            None => TypeRef::Vec(Box::new(TypeRef::Json)),
        }
    }

    /// An inline object: a map when it names no properties, else a struct.
    fn object(&mut self, schema: &Value, place: &Place) -> TypeRef {
        let has_props = schema
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty());
        if !has_props {
            return match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => self.named_inline(schema, place, |c, p| {
                    TypeKind::Struct(c.structure(schema, p))
                }),
                Some(s @ Value::Object(_)) => TypeRef::Map(Box::new(
                    self.type_of(s, &place.child("Value", &["additionalProperties"])),
                )),
                _ => TypeRef::Map(Box::new(TypeRef::Json)),
            };
        }
        self.named_inline(schema, place, |c, p| {
            TypeKind::Struct(c.structure(schema, p))
        })
    }

    /// A named type for an inline schema, shared with any identical schema met before.
    fn named_inline(
        &mut self,
        schema: &Value,
        place: &Place,
        make: impl FnOnce(&mut Self, &Place) -> TypeKind,
    ) -> TypeRef {
        let canonical = schema.to_string();
        if let Some(id) = self.structural.get(&canonical) {
            return TypeRef::Named(*id);
        }
        let name = self.fresh(&place.name);
        let id = self.alloc(name.clone(), place.origin.clone(), docs(schema));
        self.structural.insert(canonical, id);
        let own = Place {
            name,
            origin: place.origin.clone(),
        };
        let kind = make(self, &own);
        self.space.types[id.0].kind = kind;
        TypeRef::Named(id)
    }

    fn string_enum_values(&self, schema: &Value) -> Option<Vec<String>> {
        let values = schema.get("enum")?.as_array()?;
        let strings: Vec<String> = values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let non_null = values.iter().filter(|v| !v.is_null()).count();
        (!strings.is_empty() && strings.len() == non_null).then_some(strings)
    }

    fn structure(&mut self, schema: &Value, place: &Place) -> StructDef {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields: Vec<Field> = Vec::new();
        let mut used: HashSet<String> = HashSet::new();
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (wire, prop) in props {
            let mut name = field_name(wire);
            if !used.insert(name.clone()) {
                name = (2..)
                    .map(|i| format!("{}_{i}", name.trim_end_matches('_')))
                    .find(|n| used.insert(n.clone()))
                    .unwrap_or_default();
            }
            let ty = self.type_of(prop, &place.child(wire, &["properties", wire]));
            let target = self.deref(prop);
            let mut d = docs(prop);
            if d.description.is_none() && d.title.is_none() {
                let t = docs(target);
                d.description = t.description;
                d.title = t.title;
            }
            fields.push(Field {
                name,
                wire: wire.clone(),
                ty,
                required: required.contains(wire.as_str()),
                docs: d,
                constant: single_value(target).cloned(),
            });
        }
        // Required names the schema gives no property for still arrive: keep them as JSON.
        for wire in required.iter().filter(|r| !props.contains_key(**r)) {
            let mut name = field_name(wire);
            if !used.insert(name.clone()) {
                name = (2..)
                    .map(|i| format!("{}_{i}", name.trim_end_matches('_')))
                    .find(|n| used.insert(n.clone()))
                    .unwrap_or_default();
            }
            fields.push(Field {
                name,
                wire: (*wire).to_owned(),
                ty: TypeRef::Json,
                required: true,
                docs: Docs::default(),
                constant: None,
            });
        }
        let additional = match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => Additional::Deny,
            Some(s @ Value::Object(m)) if !m.is_empty() => {
                Additional::Keep(self.type_of(s, &place.child("Value", &["additionalProperties"])))
            }
            // Explicitly open objects say the extra properties matter: keep them.
            Some(Value::Bool(true)) | Some(Value::Object(_)) => Additional::Keep(TypeRef::Json),
            _ => Additional::Ignore,
        };

        StructDef { fields, additional }
    }

    /// `allOf` whose parts are all objects, merged into one object schema. `None` when there is
    /// no `allOf` or a part is not an object (then the schema is kept as it is).
    fn merge_all_of(&self, schema: &Value) -> Option<Value> {
        self.merge_all_of_in(schema, &mut AllOfWalk::default())
    }

    fn merge_all_of_in(&self, schema: &Value, walk: &mut AllOfWalk) -> Option<Value> {
        let parts = schema.get("allOf")?.as_array()?;
        let mut properties = Map::new();
        let mut required: Vec<Value> = Vec::new();
        let mut additional: Option<Value> = None;
        let mut rest = schema.as_object()?.clone();
        rest.remove("allOf");
        let mut all: Vec<Value> = Vec::with_capacity(parts.len() + 1);
        for p in parts {
            let target = self.deref(p);
            if target.get("allOf").is_none() {
                all.push(target.clone());
                continue;
            }
            // Parts are known by where they live in the document, so a part met again is
            // merged once (refs to refs would otherwise multiply the work per level), and
            // a part that refers back to a schema being merged (`allOf: [$ref: itself]`),
            // which would nest forever, leaves the schema unmerged, as a non-object part does.
            let key = std::ptr::from_ref(target) as usize;
            let merged = match walk.merged.get(&key) {
                Some(done) => done.clone(),
                None => {
                    if walk.open.len() >= MAX_ALL_OF_NESTING || !walk.open.insert(key) {
                        return None;
                    }
                    let merged = self.merge_all_of_in(target, walk);
                    walk.open.remove(&key);
                    walk.merged.insert(key, merged.clone());
                    merged
                }
            };
            all.push(merged?);
        }
        all.push(Value::Object(rest.clone()));
        for part in &all {
            if !(is_object_like(part)
                || part.as_object().is_some_and(|m| {
                    m.keys().all(|k| {
                        !matches!(k.as_str(), "type" | "enum" | "items" | "oneOf" | "anyOf")
                    })
                }))
            {
                return None;
            }
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                for (k, v) in p {
                    properties.insert(k.clone(), v.clone());
                }
            }
            for r in part
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !required.contains(r) {
                    required.push(r.clone());
                }
            }
            if let Some(a) = part.get("additionalProperties") {
                additional = Some(a.clone());
            }
        }
        let mut merged = Map::new();
        for k in ["title", "description", "deprecated"] {
            if let Some(v) = rest.get(k) {
                merged.insert(k.to_owned(), v.clone());
            }
        }
        merged.insert("type".to_owned(), Value::String("object".to_owned()));
        merged.insert("properties".to_owned(), Value::Object(properties));
        if !required.is_empty() {
            merged.insert("required".to_owned(), Value::Array(required));
        }
        if let Some(a) = additional {
            merged.insert("additionalProperties".to_owned(), a);
        }
        Some(Value::Object(merged))
    }

    /// A component schema with a `discriminator` that other components extend through `allOf`:
    /// it becomes a union of those subtypes, recognised by the discriminator property.
    fn polymorphic_base(&mut self, schema: &Value, own: Option<TypeId>) -> Option<TypeKind> {
        let own = own?;
        let property = match schema.get("discriminator") {
            Some(Value::String(p)) => p.clone(),
            Some(d) => d.get("propertyName")?.as_str()?.to_owned(),
            None => return None,
        };
        let own_key = self
            .entries
            .iter()
            .find(|(_, id)| **id == own)
            .map(|(k, _)| k.clone())?;
        let mut variants = Vec::new();
        for (key, entry) in self.store.iter() {
            let extends = entry
                .schema
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|parts| {
                    parts
                        .iter()
                        .any(|p| SchemaStore::ref_of(p).as_ref() == Some(&own_key))
                });
            let (true, Some(component), Some(id)) =
                (extends, entry.component.as_ref(), self.entries.get(key))
            else {
                continue;
            };
            let value = self
                .merge_all_of(&entry.schema)
                .and_then(|m| {
                    m.pointer(&format!("/properties/{property}"))
                        .and_then(single_value)
                        .cloned()
                })
                .unwrap_or_else(|| Value::String(component.clone()));
            variants.push(UnionVariant {
                name: variant_name(component),
                ty: TypeRef::Named(*id),
                rule: Rule::Equals {
                    path: vec![property.clone()],
                    value,
                },
                docs: Docs::default(),
            });
        }
        (!variants.is_empty()).then_some(TypeKind::Union(UnionDef {
            variants,
            open: true,
        }))
    }

    fn union(&mut self, schema: &Value, place: &Place) -> UnionDef {
        let key = if schema.get("oneOf").is_some() {
            "oneOf"
        } else {
            "anyOf"
        };
        let branches: Vec<Value> = schema
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let explicit = match schema.get("discriminator") {
            Some(Value::String(p)) => Some(p.clone()),
            Some(d) => d
                .get("propertyName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            None => None,
        };
        let mut variants = Vec::new();
        let mut used = HashSet::from(["Unknown".to_owned()]);
        for (i, branch) in branches.iter().enumerate() {
            let target = self.deref(branch).clone();
            let label = SchemaStore::ref_of(branch)
                .and_then(|r| {
                    self.entries
                        .get(&r)
                        .map(|id| self.space.types[id.0].name.clone())
                })
                .or_else(|| {
                    target
                        .get("title")
                        .and_then(Value::as_str)
                        .map(|t| type_name(t, "Variant"))
                })
                .unwrap_or_else(|| format!("Variant{i}"));
            let name = unique_name(&mut used, variant_name(&label));

            let ty = self.type_of(branch, &place.child(&label, &[key, &i.to_string()]));
            variants.push((name, ty, target));
        }
        let schemas: Vec<&Value> = variants.iter().map(|(_, _, s)| s).collect();
        let rules = match explicit {
            Some(p) => schemas
                .iter()
                .zip(&variants)
                .map(|(s, (n, _, _))| Rule::Equals {
                    path: vec![p.clone()],
                    value: self
                        .merged_view(s)
                        .pointer(&format!("/properties/{p}"))
                        .and_then(single_value)
                        .cloned()
                        .unwrap_or_else(|| Value::String(n.clone())),
                })
                .collect(),
            None => self.derive_rules(&schemas, &vec![None; schemas.len()]).0,
        };
        UnionDef {
            variants: variants
                .into_iter()
                .zip(rules)
                .map(|((name, ty, s), rule)| UnionVariant {
                    name,
                    ty,
                    rule,
                    docs: docs(&s),
                })
                .collect(),
            open: false,
        }
    }

    /// `anyOf` over objects that no `const` tells apart: a value may match several branches at
    /// once (`{email, phone}` against "has email" / "has phone"), so one struct holding every
    /// branch's properties keeps what any of them carries. A property is required only when
    /// every branch requires it. `None` for anything else (tagged branches, scalars, `oneOf`).
    fn merge_any_of(&self, schema: &Value) -> Option<Value> {
        let branches = schema.get("anyOf")?.as_array()?;
        if schema.get("oneOf").is_some() || schema.get("discriminator").is_some() {
            return None;
        }
        let views: Vec<Value> = branches.iter().map(|b| self.merged_view(b)).collect();
        if views.len() < 2
            || !views
                .iter()
                .all(|v| is_object_like(v) && v.get("properties").is_some())
        {
            return None;
        }
        let refs: Vec<&Value> = views.iter().collect();
        let (rules, _) = self.derive_rules(&refs, &vec![None; refs.len()]);
        if rules.iter().all(|r| matches!(r, Rule::Equals { .. })) {
            return None;
        }
        let own = self.merge_all_of(schema).unwrap_or_else(|| schema.clone());
        let mut properties = own
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required_of = |v: &Value| -> BTreeSet<String> {
            v.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        };
        let mut in_all: Option<BTreeSet<String>> = None;
        for v in &views {
            for (k, p) in v
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                properties.entry(k.clone()).or_insert_with(|| p.clone());
            }
            let req = required_of(v);
            in_all = Some(match in_all {
                None => req,
                Some(prev) => prev.intersection(&req).cloned().collect(),
            });
        }
        let mut required = required_of(&own);
        required.extend(in_all.unwrap_or_default());
        let mut merged = Map::new();
        for k in ["title", "description", "deprecated", "additionalProperties"] {
            if let Some(v) = own.get(k) {
                merged.insert(k.to_owned(), v.clone());
            }
        }
        merged.insert("type".to_owned(), Value::String("object".to_owned()));
        merged.insert("properties".to_owned(), Value::Object(properties));
        if !required.is_empty() {
            merged.insert(
                "required".to_owned(),
                Value::Array(required.into_iter().map(Value::String).collect()),
            );
        }
        Some(Value::Object(merged))
    }

    /// A schema with `allOf` merged and references followed, for looking at its properties.
    fn merged_view(&self, schema: &Value) -> Value {
        let target = self.deref(schema);
        self.merge_all_of(target).unwrap_or_else(|| target.clone())
    }

    /// Paths (up to two objects deep) where a schema fixes a single value, each with whether
    /// every property along it is required.
    fn const_paths(&self, schema: &Value, prefix: &[String], out: &mut Vec<ConstPath>) {
        self.const_paths_under(schema, prefix, true, out);
    }

    fn const_paths_under(
        &self,
        schema: &Value,
        prefix: &[String],
        required_so_far: bool,
        out: &mut Vec<ConstPath>,
    ) {
        let view = self.merged_view(schema);
        let Some(props) = view.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required = |k: &str| {
            view.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(k)))
        };
        for (k, p) in props {
            let mut path = prefix.to_vec();
            path.push(k.clone());
            let target = self.merged_view(p);
            let required = required_so_far && required(k);
            if let Some(v) = single_value(&target) {
                out.push((path, v.clone(), required));
            } else if prefix.is_empty() && is_object_like(&target) {
                self.const_paths_under(p, &path, required, out);
            }
        }
    }

    fn declares(&self, schema: &Value, path: &[String]) -> bool {
        let mut cur = self.merged_view(schema);
        for (i, k) in path.iter().enumerate() {
            let Some(next) = cur.get("properties").and_then(|p| p.get(k)) else {
                return false;
            };
            if i + 1 < path.len() {
                cur = self.merged_view(next);
            }
        }
        true
    }

    /// One rule per variant. `explicit` carries each variant's `x-asyncgen-dispatch` rule.
    /// Returns the rules and whether two or more variants had to fall back to trying in order.
    fn derive_rules(&self, schemas: &[&Value], explicit: &[Option<Rule>]) -> (Vec<Rule>, bool) {
        let consts: Vec<Vec<ConstPath>> = schemas
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                self.const_paths(s, &[], &mut out);
                out.sort_by_key(|(p, _, _)| p.len());
                out
            })
            .collect();
        let required: Vec<BTreeSet<String>> = schemas
            .iter()
            .map(|s| {
                self.merged_view(s)
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let rules: Vec<Rule> = (0..schemas.len())
            .map(|i| {
                if let Some(rule) = &explicit[i] {
                    return rule.clone();
                }
                // A const path whose value no other variant can have there.
                let distinct_const = |required_only: bool| {
                    consts[i]
                        .iter()
                        .filter(|(_, _, required)| *required || !required_only)
                        .find(|(path, value, _)| {
                            (0..schemas.len()).filter(|j| *j != i).all(|j| {
                                match consts[j].iter().find(|(p, _, _)| p == path) {
                                    Some((_, v, _)) => v != value,
                                    None => !self.declares(schemas[j], path),
                                }
                            })
                        })
                        .map(|(path, value, _)| Rule::Equals {
                            path: path.clone(),
                            value: value.clone(),
                        })
                };
                // A const on a required path first: a value that omits an optional const
                // (valid by its schema) would match no rule and arrive as unknown.
                if let Some(rule) = distinct_const(true) {
                    return rule;
                }
                // A required property no other variant declares.
                let unique = required[i].iter().find(|p| {
                    (0..schemas.len())
                        .filter(|j| *j != i)
                        .all(|j| !self.declares(schemas[j], std::slice::from_ref(*p)))
                });
                if let Some(p) = unique {
                    return Rule::Present {
                        properties: vec![p.clone()],
                    };
                }
                // Documents often leave their `event` const out of `required`: an optional
                // const still tells messages apart better than trying them in order.
                if let Some(rule) = distinct_const(false) {
                    return rule;
                }
                Rule::Attempt
            })
            .collect();
        // Generated code checks every exact rule before it tries any variant by decoding, so
        // one tried variant is recognised by elimination (a lone message with no `const`, a
        // bare-string payload beside tagged objects); only two or more are told apart by order.
        let tried = rules.iter().filter(|r| **r == Rule::Attempt).count();
        (rules, tried > 1)
    }

    fn messages(&mut self) {
        for m in self.api.messages.values() {
            let resolve = |r: &Option<SchemaRef>| {
                r.as_ref()
                    .and_then(|k| self.entries.get(k))
                    .map(|id| TypeRef::Named(*id))
            };
            let types = MessageTypes {
                payload: resolve(&m.payload),
                headers: resolve(&m.headers),
            };
            self.space.messages.insert(m.key.clone(), types);
        }
    }

    /// An `x-asyncgen-dispatch` rule written on a message.
    fn explicit_rule(&self, message: &str) -> Option<Rule> {
        let ext = self
            .api
            .messages
            .get(message)?
            .extensions
            .get("x-asyncgen-dispatch")?;
        if let Some(props) = ext.get("present").and_then(Value::as_array) {
            return Some(Rule::Present {
                properties: props
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect(),
            });
        }
        let path = ext.get("path")?.as_str()?;
        let tokens = path
            .split('/')
            .skip(1)
            .map(|t| asyncgen_spec::Pointer::unescape(t).into_owned())
            .collect();
        Some(Rule::Equals {
            path: tokens,
            value: ext.get("equals")?.clone(),
        })
    }

    /// The union over several messages, dispatched by derived or explicit rules.
    pub fn message_union(&mut self, name: &str, keys: &[String], origin: &Origin) -> TypeId {
        let null = Value::Null;
        let schemas: Vec<Value> = keys
            .iter()
            .map(|k| {
                self.api
                    .messages
                    .get(k)
                    .and_then(|m| m.payload.as_ref())
                    .and_then(|p| self.store.get(p))
                    .map_or(null.clone(), |e| e.schema.clone())
            })
            .collect();
        let refs: Vec<&Value> = schemas.iter().collect();
        let explicit: Vec<Option<Rule>> = keys.iter().map(|k| self.explicit_rule(k)).collect();
        let (rules, fallback) = self.derive_rules(&refs, &explicit);
        if fallback {
            self.issues.push(TypeIssue {
                kind: IssueKind::AmbiguousDispatch,
                message: format!(
                    "the messages of `{name}` ({}) cannot be told apart: no property holds a distinct `const` in each, and no required property is unique to one; they are tried in order",
                    keys.join(", ")
                ),
                origin: origin.clone(),
                related: Vec::new(),
            });
        }
        // `Unknown` is the catch-all's name.
        let mut used: HashSet<String> = HashSet::from(["Unknown".to_owned()]);
        let variants = keys
            .iter()
            .zip(rules)
            .map(|(k, rule)| {
                let ty = self
                    .space
                    .messages
                    .get(k)
                    .and_then(|t| t.payload.clone())
                    .unwrap_or(TypeRef::Json);
                let m = &self.api.messages[k];
                let d = Docs {
                    title: m.title.clone(),
                    description: m.summary.clone().or(m.description.clone()),
                    ..Docs::default()
                };
                UnionVariant {
                    name: unique_name(&mut used, variant_name(k)),
                    ty,
                    rule,
                    docs: d,
                }
            })
            .collect();
        let type_name = self.fresh(&type_name(name, "Message"));
        let id = self.alloc(type_name, origin.clone(), Docs::default());
        self.space.types[id.0].kind = TypeKind::Union(UnionDef {
            variants,
            open: true,
        });
        id
    }

    fn operations(&mut self) {
        let ops: Vec<(String, Vec<String>, Origin, Option<String>)> = self
            .api
            .operations
            .values()
            .filter(|o| o.messages.len() > 1)
            .map(|o| {
                (
                    o.key.clone(),
                    o.messages.clone(),
                    o.origin.clone(),
                    o.summary.clone(),
                )
            })
            .collect();
        for (key, messages, origin, summary) in ops {
            let id = self.message_union(&format!("{key}Message"), &messages, &origin);
            self.space.types[id.0].docs.description =
                Some(summary.unwrap_or_else(|| format!("A message of operation `{key}`.")));
            self.space.operations.insert(key, id);
        }
    }

    /// One union per webhook endpoint over every message that arrives there, even a single
    /// one: its catch-all is what keeps an unknown event from failing a delivery.
    fn endpoints(&mut self) {
        let endpoints = crate::webhook::endpoints(self.api);
        let several = endpoints.len() > 1;
        for e in endpoints {
            let name = if several {
                format!("{} webhook event", e.key)
            } else {
                "webhook event".to_owned()
            };
            let id = self.message_union(&name, &e.messages, &e.origin);
            self.space.types[id.0].docs.description = Some(format!(
                "A webhook event arriving at `{}`: one of its messages, or an unknown event kept as received.",
                e.path
            ));
            self.space.endpoints.insert(e.key, id);
        }
    }

    /// Per websocket, one union over what a client receives and one over what it sends, each
    /// with its catch-all, so a new event or reply never breaks the connection's reader.
    fn sockets(&mut self) {
        let sockets = crate::socket::sockets(self.api);
        let several = sockets.len() > 1;
        for s in sockets {
            let prefix = if several {
                format!("{} ", s.key)
            } else {
                String::new()
            };
            let incoming =
                self.message_union(&format!("{prefix}server message"), &s.incoming, &s.origin);
            self.space.types[incoming.0].docs.description = Some(
                "A message the server sends on the websocket: an event or a reply, or an unknown message kept as received.".to_owned(),
            );
            let outgoing = (!s.outgoing.is_empty()).then(|| {
                let id =
                    self.message_union(&format!("{prefix}client message"), &s.outgoing, &s.origin);
                self.space.types[id.0].docs.description =
                    Some("A message a client sends on the websocket.".to_owned());
                id
            });
            self.space
                .sockets
                .insert(s.key, SocketTypes { incoming, outgoing });
        }
    }

    /// Types that contain themselves (directly or through other types, not behind a `Vec` or
    /// map) get a `Box` on each edge of the cycle.
    fn box_cycles(&mut self) {
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

/// `name`, or `name` with a number when already used; records the result.
/// The structure of a string schema carrying a valid `x-asyncgen-topic` (an invalid one was
/// reported by the loader; the schema then stays a plain string).
fn topic(schema: &Value) -> Option<TopicDef> {
    use asyncgen_spec::extensions::{Extension, Topic, TopicPart, parse};
    if types_of(schema)
        .iter()
        .any(|t| *t != "string" && *t != "null")
    {
        return None;
    }
    let ext: Topic = parse(schema.get(Topic::NAME)?).ok()?;
    let pieces = ext
        .parts()?
        .into_iter()
        .map(|part| match part {
            TopicPart::Literal(l) => Some(TopicPiece::Literal(l.to_owned())),
            TopicPart::Segment(name) => {
                let seg = ext.segments.get(name)?;
                Some(TopicPiece::Segment(TopicSegmentDef {
                    name: name.to_owned(),
                    values: seg.values.clone().unwrap_or_default(),
                    wildcard: seg.wildcard.clone(),
                }))
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some(TopicDef {
        pattern: ext.pattern.clone(),
        pieces,
    })
}

fn unique_name(used: &mut HashSet<String>, name: String) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|i| format!("{name}{i}"))
        .find(|n| used.insert(n.clone()))
        .unwrap_or_default()
}

fn enum_variants(values: &[String]) -> Vec<Variant> {
    let mut used: HashSet<String> = HashSet::new();
    values
        .iter()
        .map(|v| {
            let mut name = variant_name(v);
            if name == "Other" || !used.insert(name.clone()) {
                name = (2..)
                    .map(|i| format!("{name}{i}"))
                    .find(|n| used.insert(n.clone()))
                    .unwrap_or_default();
            }
            Variant {
                name,
                wire: v.clone(),
                docs: Docs::default(),
            }
        })
        .collect()
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
/// included).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
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
