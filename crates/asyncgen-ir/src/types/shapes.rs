//! What each schema becomes in Rust: a struct, a string enum, a union, a topic, an alias or a
//! built-in type, with inline schemas named after where they sit and shared when identical.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use super::convert::{
    Builder, docs, is_nullable, is_object_like, nullable_branch, single_value, types_of,
};
use super::model::*;
use super::naming::{enum_variants, type_name, unique_field_name, unique_name, variant_name};
use crate::model::Origin;
use crate::schema::{SchemaRef, SchemaStore};

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

impl<'a> Builder<'a> {
    /// The type of a stored entry, under the name given to it beforehand.
    pub(super) fn define_entry(&mut self, key: &SchemaRef) {
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
            let name = unique_field_name(&mut used, wire);
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
            let name = unique_field_name(&mut used, wire);
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
                    message: None,
                })
                .collect(),
            open: false,
        }
    }
}

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
