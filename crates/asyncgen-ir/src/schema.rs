//! Schemas as resolved JSON Schema, one entry per place a schema is defined, keyed by origin.
//!
//! Every `$ref` inside a stored schema is rewritten to the key of another entry
//! (`file#/pointer`), so the store is self-contained and cycles are plain key references. The
//! types generator converts entries to Rust types; nothing here decides names or shapes.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::origin::Origin;

/// Key of a [`SchemaEntry`]: its origin written as `file#/pointer`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SchemaRef(pub String);

impl SchemaRef {
    pub fn of(origin: &Origin) -> Self {
        SchemaRef(origin.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SchemaRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaEntry {
    pub origin: Origin,
    /// The component key when the schema is defined under `components/schemas`: a required
    /// name for the generated type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The schema format when not JSON Schema (Avro, RAML, ...): such schemas are kept raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    pub schema: Value,
}

impl SchemaEntry {
    pub fn is_json_schema(&self) -> bool {
        self.format.is_none()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct SchemaStore {
    entries: IndexMap<SchemaRef, SchemaEntry>,
}

impl SchemaStore {
    pub fn get(&self, r: &SchemaRef) -> Option<&SchemaEntry> {
        self.entries.get(r)
    }

    pub fn contains(&self, r: &SchemaRef) -> bool {
        self.entries.contains_key(r)
    }

    pub fn insert(&mut self, r: SchemaRef, entry: SchemaEntry) {
        self.entries.insert(r, entry);
    }

    pub fn get_mut(&mut self, r: &SchemaRef) -> Option<&mut SchemaEntry> {
        self.entries.get_mut(r)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SchemaRef, &SchemaEntry)> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `$ref` target key inside a stored schema, if the value is a reference.
    pub fn ref_of(schema: &Value) -> Option<SchemaRef> {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .map(|s| SchemaRef(s.to_owned()))
    }
}
