//! A located view of a value in the workspace, so lowering always knows where it is.

use asyncgen_spec::{FileId, Pointer, RefTarget, Workspace};
use indexmap::IndexMap;
use serde_json::Value;

use crate::model::{Extensions, Origin};

#[derive(Clone)]
pub struct At<'a> {
    pub ws: &'a Workspace,
    pub file: FileId,
    pub ptr: Pointer,
    pub value: &'a Value,
}

impl<'a> At<'a> {
    pub fn root(ws: &'a Workspace) -> Option<Self> {
        Some(At {
            ws,
            file: FileId(0),
            ptr: Pointer::root(),
            value: ws.root().value.as_ref()?,
        })
    }

    pub fn target(&self) -> RefTarget {
        RefTarget {
            file: self.file,
            pointer: self.ptr.clone(),
        }
    }

    pub fn origin(&self) -> Origin {
        super::schemas::origin(self.ws, self.file, &self.ptr)
    }

    pub fn get(&self, key: &str) -> Option<At<'a>> {
        let value = self.value.as_object()?.get(key)?;
        Some(At {
            ws: self.ws,
            file: self.file,
            ptr: self.ptr.push(key),
            value,
        })
    }

    /// Follows `$ref`s to the content; the value itself when it is not a reference.
    pub fn follow(&self) -> Option<At<'a>> {
        let Some(r) = self.value.get("$ref") else {
            return Some(self.clone());
        };
        let (t, value) = self.ws.follow_ref(self.file, r.as_str()?).ok()?;
        Some(At {
            ws: self.ws,
            file: t.file,
            ptr: t.pointer,
            value,
        })
    }

    pub fn str(&self, key: &str) -> Option<String> {
        self.value
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    pub fn strings(&self, key: &str) -> Vec<String> {
        self.value
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn entries(&self) -> Vec<(String, At<'a>)> {
        let Some(map) = self.value.as_object() else {
            return Vec::new();
        };
        map.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    At {
                        ws: self.ws,
                        file: self.file,
                        ptr: self.ptr.push(k),
                        value: v,
                    },
                )
            })
            .collect()
    }

    /// The entries of the map under `key`, each followed to its content: maps whose values
    /// may be Reference Objects (parameters, server variables, ...).
    pub fn followed_entries(&self, key: &str) -> Vec<(String, At<'a>)> {
        let Some(map) = self.get(key) else {
            return Vec::new();
        };
        map.entries()
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.follow()?)))
            .collect()
    }

    pub fn items(&self) -> Vec<At<'a>> {
        let Some(items) = self.value.as_array() else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .map(|(i, v)| At {
                ws: self.ws,
                file: self.file,
                ptr: self.ptr.push_index(i),
                value: v,
            })
            .collect()
    }

    pub fn extensions(&self) -> Extensions {
        self.value
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.starts_with("x-"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Protocol bindings, with a referenced bindings object followed.
    pub fn bindings(&self) -> IndexMap<String, Value> {
        let Some(b) = self.get("bindings").and_then(|b| b.follow()) else {
            return IndexMap::new();
        };
        b.value
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}
