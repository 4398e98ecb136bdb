//! `allOf` and `anyOf` merged into one object schema, where the parts allow it, so a
//! composition becomes one struct instead of nested wrappers.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::convert::{Builder, is_object_like};
use super::model::Rule;

/// How many `allOf` schemas may be merged inside one another: far beyond real documents, and
/// a bound on the recursion for any input.
const MAX_ALL_OF_NESTING: usize = 64;

/// One `allOf` merge: the parts merged so far and the ones being merged now, by address.
#[derive(Default)]
struct AllOfWalk {
    merged: HashMap<usize, Option<Value>>,
    open: HashSet<usize>,
}

impl<'a> Builder<'a> {
    /// `allOf` whose parts are all objects, merged into one object schema. `None` when there is
    /// no `allOf` or a part is not an object (then the schema is kept as it is).
    pub(super) fn merge_all_of(&self, schema: &Value) -> Option<Value> {
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

    /// `anyOf` over objects that no `const` tells apart: a value may match several branches at
    /// once (`{email, phone}` against "has email" / "has phone"), so one struct holding every
    /// branch's properties keeps what any of them carries. A property is required only when
    /// every branch requires it. `None` for anything else (tagged branches, scalars, `oneOf`).
    pub(super) fn merge_any_of(&self, schema: &Value) -> Option<Value> {
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
    pub(super) fn merged_view(&self, schema: &Value) -> Value {
        let target = self.deref(schema);
        self.merge_all_of(target).unwrap_or_else(|| target.clone())
    }
}
