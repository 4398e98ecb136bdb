//! Collects schemas into the store, following `$ref`s across files with a worklist.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use asyncgen_spec::{FileId, Pointer, RefTarget, Workspace};
use serde_json::Value;

use crate::model::Origin;
use crate::schema::{SchemaEntry, SchemaRef, SchemaStore};

pub struct Collector<'a> {
    ws: &'a Workspace,
    pub store: SchemaStore,
    pending: VecDeque<RefTarget>,
    /// `$ref` text, per file, → the entry it leads to: large documents repeat the same
    /// references thousands of times.
    resolved: FxHashMap<(FileId, &'a str), SchemaRef>,
}

pub fn origin(ws: &Workspace, file: FileId, pointer: &Pointer) -> Origin {
    Origin {
        file: ws.file(file).display.clone(),
        pointer: pointer.as_str().to_owned(),
    }
}

fn component_name(pointer: &Pointer) -> Option<String> {
    let tokens: Vec<_> = pointer.tokens().collect();
    match tokens.as_slice() {
        [c, s, name] if c == "components" && s == "schemas" => Some(name.to_string()),
        _ => None,
    }
}

impl<'a> Collector<'a> {
    pub fn new(ws: &'a Workspace) -> Self {
        Collector {
            ws,
            store: SchemaStore::default(),
            pending: VecDeque::new(),
            resolved: FxHashMap::default(),
        }
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
    pub fn add_foreign(
        &mut self,
        file: FileId,
        pointer: &Pointer,
        format: &str,
    ) -> Option<SchemaRef> {
        let value = pointer.lookup(self.ws.file(file).value.as_ref()?)?;
        let o = origin(self.ws, file, pointer);
        let key = SchemaRef::of(&o);
        self.store.insert(
            key.clone(),
            SchemaEntry {
                origin: o,
                component: None,
                format: Some(format.to_owned()),
                schema: value.clone(),
            },
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
                SchemaEntry {
                    origin: o,
                    component: component_name(&target.pointer),
                    format: None,
                    schema: Value::Null,
                },
            );
            self.pending.push_back(target);
        }
        key
    }

    fn drain(&mut self) {
        while let Some(target) = self.pending.pop_front() {
            let Ok((_, value)) = self.ws.follow(target.file, target.pointer.clone()) else {
                continue;
            };
            let schema = self.rewrite(target.file, value);
            let key = SchemaRef::of(&origin(self.ws, target.file, &target.pointer));
            if let Some(entry) = self.store.get_mut(&key) {
                entry.schema = schema;
            }
        }
    }

    /// Copies a schema, replacing every `$ref` with the key of the entry it leads to. Cloning
    /// first and patching in place keeps the maps' hashes instead of rebuilding them.
    fn rewrite(&mut self, file: FileId, value: &'a Value) -> Value {
        let mut copy = value.clone();
        self.patch(file, value, &mut copy);
        copy
    }

    fn patch(&mut self, file: FileId, original: &'a Value, copy: &mut Value) {
        match (original, copy) {
            (Value::Object(map), Value::Object(out)) => {
                if let Some(Value::String(r)) = map.get("$ref")
                    && let Some(key) = self.resolve(file, r)
                {
                    out.insert("$ref".to_owned(), Value::String(key.0));
                }
                for (k, v) in map {
                    // Instance data may hold a `$ref` key of its own: leave it verbatim.
                    let data = matches!(
                        k.as_str(),
                        "$ref" | "examples" | "example" | "const" | "enum" | "default"
                    );
                    if !data
                        && (v.is_object() || v.is_array())
                        && let Some(slot) = out.get_mut(k)
                    {
                        self.patch(file, v, slot);
                    }
                }
            }
            (Value::Array(items), Value::Array(out)) => {
                for (v, slot) in items.iter().zip(out.iter_mut()) {
                    if v.is_object() || v.is_array() {
                        self.patch(file, v, slot);
                    }
                }
            }
            _ => {}
        }
    }

    fn resolve(&mut self, file: FileId, r: &'a str) -> Option<SchemaRef> {
        if let Some(k) = self.resolved.get(&(file, r)) {
            return Some(k.clone());
        }
        let (target, _) = self.ws.follow_ref(file, r).ok()?;
        let key = self.enqueue(target);
        self.resolved.insert((file, r), key.clone());
        Some(key)
    }
}
