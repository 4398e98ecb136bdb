//! The Rust type model the generators emit: named types (structs, string enums, unions,
//! aliases) and references to them, converted from JSON Schema by `convert`.
//!
//! Names here are final Rust identifiers (PascalCase types, snake_case fields and variant
//! names in PascalCase) without raw-identifier escapes; each keeps its exact wire name.

use serde::Serialize;
use serde_json::Value;

use crate::model::Origin;

/// Index into [`TypeSpace::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TypeId(pub usize);

/// A use of a type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum TypeRef {
    Bool,
    I32,
    I64,
    F64,
    String,
    /// Any JSON value (`{}`, `true`, schemas with no type constraint).
    Json,
    Named(TypeId),
    Option(Box<TypeRef>),
    Vec(Box<TypeRef>),
    /// A JSON object with arbitrary keys (`BTreeMap<String, T>`).
    Map(Box<TypeRef>),
    Tuple(Vec<TypeRef>),
    /// Indirection that breaks a recursive cycle.
    Boxed(Box<TypeRef>),
    /// Indirection that also stops rustc's drop check from following a chain of types (see
    /// `chains`); it breaks a cycle as [`TypeRef::Boxed`] does. Rendered as the helper type
    /// [`TypeSpace::indirect`] names.
    Indirect(Box<TypeRef>),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Docs {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// `format` and other annotations kept as documentation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    pub id: TypeId,
    pub name: String,
    pub docs: Docs,
    pub origin: Origin,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeKind {
    Struct(StructDef),
    Enum(StringEnum),
    Union(UnionDef),
    /// A component schema that is not a struct, enum or union: `type Name = ...;`.
    Alias(TypeRef),
    /// A string holding a structured topic (`x-asyncgen-topic`).
    Topic(TopicDef),
}

/// A topic string's structure: literal separators between named segments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicDef {
    /// As written, e.g. `{scope}:{scope_id}:{resource}:{resource_id}`.
    pub pattern: String,
    pub pieces: Vec<TopicPiece>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicPiece {
    Literal(String),
    Segment(TopicSegmentDef),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicSegmentDef {
    /// The placeholder's name in the pattern.
    pub name: String,
    /// The values it takes; empty for free text.
    pub values: Vec<String>,
    /// The literal matching every value, if any.
    pub wildcard: Option<String>,
}

impl TopicDef {
    pub fn segments(&self) -> impl Iterator<Item = &TopicSegmentDef> {
        self.pieces.iter().filter_map(|p| match p {
            TopicPiece::Segment(s) => Some(s),
            TopicPiece::Literal(_) => None,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StructDef {
    pub fields: Vec<Field>,
    pub additional: Additional,
}

/// What happens to properties the schema does not name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Additional {
    /// Accepted and dropped (no `additionalProperties`, or `true` with nothing to keep).
    Ignore,
    /// Rejected: `additionalProperties: false` → `#[serde(deny_unknown_fields)]`.
    Deny,
    /// Kept in a flattened map of this value type.
    Keep(TypeRef),
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// snake_case Rust name (keywords are escaped by the generator).
    pub name: String,
    /// The exact property name on the wire.
    pub wire: String,
    /// The value type when present; nullable values are already `Option`.
    pub ty: TypeRef,
    /// Absent properties are `None` (the generator wraps `ty` in `Option`).
    pub required: bool,
    pub docs: Docs,
    /// A `const` value: the field always holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constant: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StringEnum {
    pub variants: Vec<Variant>,
    /// A catch-all variant keeps values the schema did not list (forward compatibility).
    pub open: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// PascalCase Rust name.
    pub name: String,
    pub wire: String,
    pub docs: Docs,
}

/// One of several shapes, told apart by a rule per variant.
#[derive(Debug, Clone, Serialize)]
pub struct UnionDef {
    pub variants: Vec<UnionVariant>,
    /// A catch-all variant keeps the raw JSON of anything no rule matches.
    pub open: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnionVariant {
    pub name: String,
    pub ty: TypeRef,
    pub rule: Rule,
    pub docs: Docs,
    /// The key of the message this variant holds, in a union over messages: generators find a
    /// message's variant by it, never by position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// How a value is recognised as one variant of a union.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// The value at this path (object keys from the root) equals `value`.
    Equals { path: Vec<String>, value: Value },
    /// Every listed top-level property is present.
    Present { properties: Vec<String> },
    /// The webhook request header `name` (any case) has the value `value`. A websocket frame,
    /// or a value decoded without its request, matches no such rule.
    Header { name: String, value: String },
    /// No rule could be derived: try to deserialize, in order (untagged, the last resort).
    Attempt,
}

/// The generated types of one document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TypeSpace {
    pub types: Vec<TypeDef>,
    /// The type of each stored schema entry (key: `file#/pointer`).
    pub schemas: indexmap::IndexMap<String, TypeRef>,
    /// Per message key: the payload type (`None` when the message has no payload).
    pub messages: indexmap::IndexMap<String, MessageTypes>,
    /// Per operation key: the union over its messages, when it has more than one.
    pub operations: indexmap::IndexMap<String, TypeId>,
    /// The name of the helper type behind [`TypeRef::Indirect`], when any type uses one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indirect: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageTypes {
    pub payload: Option<TypeRef>,
    pub headers: Option<TypeRef>,
}

impl TypeSpace {
    pub fn get(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }
}
