//! Collects schemas into the store, following `$ref`s across files with a worklist.

use std::collections::VecDeque;

use asyncgen_spec::{FileId, Pointer, RefTarget, Workspace};
use serde_json::Value;

use crate::model::Origin;
use crate::schema::{SchemaEntry, SchemaRef, SchemaStore};

pub struct Collector<'a> {
    ws: &'a Workspace,
    pub store: SchemaStore,
    pending: VecDeque<RefTarget>,
}

pub fn origin(ws: &Workspace, file: FileId, pointer: &Pointer) -> Origin {
    Origin { file: ws.file(file).display.clone(), pointer: pointer.as_str().to_owned() }
}

fn component_name(pointer: &Pointer) -> Option<String> {
    let tokens: Vec<String> = pointer.tokens().collect();
    match tokens.as_slice() {
        [c, s, name] if c == "components" && s == "schemas" => Some(name.clone()),
        _ => None,
    }
}

impl<'a> Collector<'a> {
    pub fn new(ws: &'a Workspace) -> Self {
        Collector { ws, store: SchemaStore::default(), pending: VecDeque::new() }
    }

    /// Adds the schema at (`file`, `pointer`), following a top-level `$ref` to the content it
    /// names, and everything it references. Returns the key of the content's entry.
    pub fn add(&mut self, file: FileId, pointer: &Pointer) -> Option<SchemaRef> {
        let (target, _) = self.ws.follow(file, pointer.clone()).ok()?;
        let key = self.enqueue(target);
        self.drain();
        Some(key)
    }

    /// Adds a schema in a format other than JSON Schema, kept verbatim.
    pub fn add_foreign(&mut self, file: FileId, pointer: &Pointer, format: &str) -> Option<SchemaRef> {
        let value = pointer.lookup(self.ws.file(file).value.as_ref()?)?;
        let o = origin(self.ws, file, pointer);
        let key = SchemaRef::of(&o);
        self.store.insert(
            key.clone(),
            SchemaEntry { origin: o, component: None, format: Some(format.to_owned()), schema: value.clone() },
        );
        Some(key)
    }

    fn enqueue(&mut self, target: RefTarget) -> SchemaRef {
        let o = origin(self.ws, target.file, &target.pointer);
        let key = SchemaRef::of(&o);
        if !self.store.contains(&key) {
            // A placeholder marks it taken so cycles stop here.
            self.store.insert(
                key.clone(),
                SchemaEntry { origin: o, component: component_name(&target.pointer), format: None, schema: Value::Null },
            );
            self.pending.push_back(target);
        }
        key
    }

    fn drain(&mut self) {
        while let Some(target) = self.pending.pop_front() {
            let Ok((_, value)) = self.ws.follow(target.file, target.pointer.clone()) else { continue };
            let schema = self.rewrite(target.file, value);
            let key = SchemaRef::of(&origin(self.ws, target.file, &target.pointer));
            if let Some(entry) = self.store.get_mut(&key) {
                entry.schema = schema;
            }
        }
    }

    /// Copies a schema, replacing every `$ref` with the key of the entry it leads to.
    fn rewrite(&mut self, file: FileId, value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    let resolved = self
                        .ws
                        .resolve_ref(file, r)
                        .and_then(|t| self.ws.follow(t.file, t.pointer).map(|(t, _)| t));
                    if let Ok(target) = resolved {
                        let key = self.enqueue(target);
                        let mut out = serde_json::Map::new();
                        out.insert("$ref".to_owned(), Value::String(key.0));
                        // Siblings of `$ref` (descriptions, nullable) are kept: 3.1 allows them.
                        for (k, v) in map.iter().filter(|(k, _)| *k != "$ref") {
                            out.insert(k.clone(), self.rewrite(file, v));
                        }
                        return Value::Object(out);
                    }
                }
                Value::Object(
                    map.iter()
                        .map(|(k, v)| {
                            // Instance data may hold a `$ref` key of its own: copy it verbatim.
                            let data = matches!(k.as_str(), "examples" | "example" | "const" | "enum" | "default");
                            (k.clone(), if data { v.clone() } else { self.rewrite(file, v) })
                        })
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite(file, v)).collect()),
            other => other.clone(),
        }
    }
}
