//! Walks a document against the tables in `rules`, following references once each.

use std::collections::HashSet;

use rustc_hash::FxHashSet;

use serde_json::Value;

use super::rules::{EXTERNAL_DOCS, Kind, Obj};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Severity};
use crate::pointer::Pointer;
use crate::source::FileId;
use crate::workspace::{RefError, RefTarget, Workspace};

const SCHEMA_TYPES: &[&str] = &[
    "array", "boolean", "integer", "null", "number", "object", "string",
];

/// A location being walked, built without allocating; turned into a [`Pointer`] only when a
/// diagnostic needs one.
#[derive(Clone, Copy)]
pub enum Loc<'p> {
    Ptr(&'p Pointer),
    Key(&'p Loc<'p>, &'p str),
    Index(&'p Loc<'p>, usize),
}

impl Loc<'_> {
    pub fn pointer(&self) -> Pointer {
        match self {
            Loc::Ptr(p) => (*p).clone(),
            Loc::Key(parent, k) => parent.pointer().push(k),
            Loc::Index(parent, i) => parent.pointer().push_index(*i),
        }
    }
}

/// What a visited node was checked as: an object table (by address) or a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Checked {
    Obj(usize),
    Schema,
}

pub struct Walker<'a> {
    pub ws: &'a Workspace,
    pub diags: &'a mut Diagnostics,
    /// Nodes already checked, by address: values do not move while the workspace is borrowed,
    /// so a node reached directly and again through `$ref` is walked once.
    visited: FxHashSet<(usize, Checked)>,
    /// Security scheme names of the root document, for 2.x security requirements.
    pub scheme_names: HashSet<String>,
    /// Reference targets still to check. Following `$ref`s through a worklist instead of
    /// recursion keeps the stack bounded by a document's nesting, not by its reference chains.
    pending: Vec<(RefTarget, &'a Value, Pending)>,
}

#[derive(Clone, Copy)]
enum Pending {
    Obj(&'static Obj),
    Schema,
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a mapping",
    }
}

pub fn is_ref(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("$ref"))
}

/// Schema formats whose payloads are JSON Schema (or close enough to check as such).
pub fn is_json_schema_format(format: &str) -> bool {
    let f = format.trim().to_ascii_lowercase();
    f.starts_with("application/vnd.aai.asyncapi")
        || f.starts_with("application/schema+json")
        || f.starts_with("application/schema+yaml")
        || f.starts_with("application/vnd.oai.openapi")
}

impl<'a> Walker<'a> {
    pub fn new(ws: &'a Workspace, diags: &'a mut Diagnostics) -> Self {
        Walker {
            ws,
            diags,
            visited: FxHashSet::default(),
            scheme_names: HashSet::new(),
            pending: Vec::new(),
        }
    }

    pub fn emit(
        &mut self,
        code: Code,
        message: impl Into<String>,
        file: FileId,
        ptr: Loc<'_>,
    ) -> &mut Diagnostic {
        let d = self.ws.diag(code, message, file, ptr.pointer());
        self.diags.push(d);
        self.diags.iter_mut().last().expect("just pushed")
    }

    /// Like [`Self::emit`] for a location already held as a pointer.
    pub fn emit_ptr(
        &mut self,
        code: Code,
        message: impl Into<String>,
        file: FileId,
        ptr: &Pointer,
    ) -> &mut Diagnostic {
        self.emit(code, message, file, Loc::Ptr(ptr))
    }

    /// Checks an `x-` field on an object known as `context` (see `extensions::check`).
    fn extension(&mut self, context: &str, file: FileId, at: Loc<'_>, key: &str, value: &Value) {
        // Others' `x-` fields are common: no pointer is built for them.
        if !crate::extensions::in_namespace(key) {
            return;
        }
        let found = crate::extensions::check(self.ws, context, file, &at.pointer(), key, value);
        for d in found {
            self.diags.push(d);
        }
    }

    fn wrong_type(&mut self, file: FileId, ptr: Loc<'_>, expected: &str, found: &Value) {
        let msg = format!("expected {expected}, found {}", type_name(found));
        let d = self.emit(Code::WrongType, msg, file, ptr);
        if matches!(found, Value::Number(_)) && expected == "a string" {
            d.help = Some("quote the value to make it a string".to_owned());
        }
    }

    /// Follows a Reference Object, reporting why it fails at its `$ref`.
    pub fn follow(
        &mut self,
        file: FileId,
        ptr: Loc<'_>,
        value: &'a Value,
    ) -> Option<(RefTarget, &'a Value)> {
        let ref_ptr = Loc::Key(&ptr, "$ref");
        let raw = value.get("$ref")?;
        let Some(raw) = raw.as_str() else {
            self.ref_error(file, ref_ptr, "", RefError::NotString);
            return None;
        };
        let first = match self.ws.resolve_ref(file, raw) {
            Ok(t) => t,
            Err(e) => {
                self.ref_error(file, ref_ptr, raw, e);
                return None;
            }
        };
        match self.ws.follow(first.file, first.pointer.clone()) {
            Ok(found) => Some(found),
            Err(e) => {
                self.ref_error(file, ref_ptr, raw, e);
                None
            }
        }
    }

    fn ref_error(&mut self, file: FileId, ptr: Loc<'_>, raw: &str, e: RefError) {
        let mut code = e.code();
        let local_ref = crate::workspace::split_ref(raw).is_ok_and(|(path, _)| path.is_empty());
        if matches!(e, RefError::MissingTarget { .. }) && local_ref {
            // Name what is missing when the pointer says what it was meant to be.
            let local = raw.split_once('#').map_or("", |(_, f)| f);
            let parts: Vec<&str> = local.split('/').skip(1).collect();
            code = match parts.as_slice() {
                ["channels", _] => Code::MissingChannel,
                ["channels", _, "messages", _] | ["components", "messages", _] => {
                    Code::MissingMessage
                }
                ["servers", _] => Code::MissingServer,
                ["components", "securitySchemes", _] => Code::MissingSecurityScheme,
                _ => code,
            };
        }
        let mut d = self.ws.diag(code, e.to_string(), file, ptr.pointer());
        d.help = match e {
            RefError::BadPointer { .. } => Some(
                "write references as `#/components/schemas/Name` or `file.yml#/path`".to_owned(),
            ),
            RefError::Remote(_) => {
                Some("download the document and reference it by a relative path".to_owned())
            }
            RefError::MissingTarget { .. } => self
                .ws
                .suggest_ref(file, raw)
                .map(|s| format!("did you mean `{s}`?")),
            _ => None,
        };

        self.diags.push(d);
    }

    pub fn check(&mut self, file: FileId, ptr: Loc<'_>, value: &'a Value, kind: &'static Kind) {
        match kind {
            Kind::Any => {}
            Kind::Str => {
                if !value.is_string() {
                    self.wrong_type(file, ptr, "a string", value);
                }
            }
            Kind::Bool => {
                if !value.is_boolean() {
                    self.wrong_type(file, ptr, "a boolean", value);
                }
            }
            Kind::Num => {
                if !value.is_number() {
                    self.wrong_type(file, ptr, "a number", value);
                }
            }
            Kind::NullableStr => {
                if !(value.is_string() || value.is_null()) {
                    self.wrong_type(file, ptr, "a string or null", value);
                }
            }
            Kind::StrArray => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check(file, Loc::Index(&ptr, i), item, &Kind::Str);
                    }
                }
                None => self.wrong_type(file, ptr, "a list of strings", value),
            },
            Kind::OneOf(allowed) => match value.as_str() {
                Some(s) if allowed.contains(&s) => {}
                Some(s) => {
                    let msg = format!("`{s}` is not one of: {}", allowed.join(", "));
                    self.emit(Code::InvalidValue, msg, file, ptr);
                }
                None => self.wrong_type(file, ptr, "a string", value),
            },
            Kind::Obj(obj) => self.check_obj(file, ptr, value, obj),
            Kind::RefOr(obj) => {
                if is_ref(value) {
                    if let Some((target, v)) = self.follow(file, ptr, value) {
                        self.pending.push((target, v, Pending::Obj(obj)));
                    }
                } else {
                    self.check_obj(file, ptr, value, obj);
                }
            }
            Kind::Ref => {
                if is_ref(value) {
                    self.follow(file, ptr, value);
                } else {
                    self.emit(
                        Code::WrongType,
                        format!("expected a reference (`$ref`), found {}", type_name(value)),
                        file,
                        ptr,
                    );
                }
            }
            Kind::Map(inner) => match value.as_object() {
                Some(map) => {
                    for (k, v) in map {
                        self.check(file, Loc::Key(&ptr, k), v, inner);
                    }
                }
                None => self.wrong_type(file, ptr, "a mapping", value),
            },
            Kind::Array(inner) => match value.as_array() {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check(file, Loc::Index(&ptr, i), v, inner);
                    }
                }
                None => self.wrong_type(file, ptr, "a list", value),
            },
            Kind::Schema => self.check_schema(file, ptr, value),
            Kind::Payload => self.check_payload(file, ptr, value),
            Kind::SecurityRequirement => self.check_security_requirement(file, ptr, value),
            Kind::OperationMessage2 => {
                if let Some(alternatives) = value.get("oneOf").filter(|_| !is_ref(value)) {
                    self.beside_one_of(file, &ptr, value);
                    match alternatives.as_array() {
                        Some(items) => {
                            for (i, item) in items.iter().enumerate() {
                                self.check(
                                    file,
                                    Loc::Index(&Loc::Key(&ptr, "oneOf"), i),
                                    item,
                                    &super::rules::MESSAGE2_OR_REF,
                                );
                            }
                        }
                        None => self.wrong_type(
                            file,
                            Loc::Key(&ptr, "oneOf"),
                            "a list of messages",
                            alternatives,
                        ),
                    }
                } else {
                    self.check(file, ptr, value, &super::rules::MESSAGE2_OR_REF);
                }
            }
            Kind::Bindings => {
                if is_ref(value) {
                    self.follow(file, ptr, value);
                } else if let Some(map) = value.as_object() {
                    for (k, v) in map {
                        if !(v.is_object() || k.starts_with("x-")) {
                            self.wrong_type(
                                file,
                                Loc::Key(&ptr, k),
                                "a mapping of binding fields",
                                v,
                            );
                        }
                    }
                } else {
                    self.wrong_type(file, ptr, "a mapping of protocol bindings", value);
                }
            }
        }
    }

    /// Checks every reference target found so far, and those they lead to.
    pub fn drain(&mut self) {
        while let Some((target, v, what)) = self.pending.pop() {
            let at = Loc::Ptr(&target.pointer);
            match what {
                Pending::Obj(obj) => self.check_obj(target.file, at, v, obj),
                Pending::Schema => self.check_schema(target.file, at, v),
            }
        }
    }

    fn first_visit(&mut self, value: &Value, how: Checked) -> bool {
        self.visited.insert((value as *const Value as usize, how))
    }

    pub fn check_obj(&mut self, file: FileId, ptr: Loc<'_>, value: &'a Value, obj: &'static Obj) {
        if !self.first_visit(value, Checked::Obj(obj as *const Obj as usize)) {
            return;
        }
        let Some(map) = value.as_object() else {
            let msg = format!(
                "expected {} Object (a mapping), found {}",
                obj.name,
                type_name(value)
            );
            self.emit(Code::WrongType, msg, file, ptr);
            return;
        };
        for field in obj.fields.iter().filter(|f| f.required) {
            if map.contains_key(field.name) {
                continue;
            }
            if std::ptr::eq(obj, &EXTERNAL_DOCS) {
                // Nothing is generated from it: a link without its address is a slip to
                // point out, not a reason to refuse the document.
                let msg = format!(
                    "{} Object is missing its `{}`: ignored",
                    obj.name, field.name
                );
                let d = self.emit(Code::IncompleteDocs, msg, file, ptr);
                d.location.at_key = true;
                d.help = Some(format!("add `{}`, or remove the object", field.name));
            } else {
                let msg = format!(
                    "{} Object is missing required field `{}`",
                    obj.name, field.name
                );
                let d = self.emit(Code::MissingField, msg, file, ptr);
                d.location.at_key = !matches!(ptr, Loc::Ptr(p) if p.is_root());
            }
        }
        // A non-JSON-Schema payload (Avro, RAML, ...) is not checked as JSON Schema.
        let foreign_schema = map
            .get("schemaFormat")
            .and_then(Value::as_str)
            .is_some_and(|f| !is_json_schema_format(f));
        for (key, v) in map {
            let here = Loc::Key(&ptr, key);
            if let Some(field) = obj.field(key) {
                if foreign_schema && matches!(field.kind, Kind::Payload) {
                    continue;
                }
                if v.is_null() && !field.required && is_container(&field.kind) {
                    // A key left with nothing under it (an editor's slip, common in published
                    // documents): its intent, no value, is clear.
                    let msg = format!("`{key}` is empty (null): ignored");
                    let d = self.emit(Code::EmptyField, msg, file, here);
                    d.location.at_key = true;
                    d.help = Some(format!(
                        "remove `{key}`, or give it its value (check the indentation of the lines below it)"
                    ));
                    continue;
                }
                self.check(file, here, v, &field.kind);
            } else if key.starts_with("x-") {
                self.extension(obj.name, file, here, key, v);
            } else if let Some((_, hint)) = obj.misplaced.iter().find(|(name, _)| *name == key) {
                let msg = format!("`{key}` does not belong in {} Object here", obj.name);
                let d = self.emit(Code::MisplacedField, msg, file, here);
                d.location.at_key = true;
                d.help = Some((*hint).to_owned());
            } else {
                let msg = format!("unexpected field `{key}` in {} Object", obj.name);
                let suggestion = obj
                    .fields
                    .iter()
                    .map(|f| (strsim::jaro_winkler(f.name, key), f.name))
                    .filter(|(score, _)| *score > 0.85)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, name)| name);
                // An empty sibling object that has this field: the line was meant to be
                // indented under it (`externalDocs:` then `url:` at the same depth).
                let under = map.iter().find_map(|(sibling, value)| {
                    let kind = &obj.field(sibling)?.kind;
                    let (Kind::Obj(inner) | Kind::RefOr(inner)) = kind else {
                        return None;
                    };
                    (value.is_null() && inner.field(key).is_some()).then_some(sibling)
                });
                let d = self.emit(Code::UnexpectedField, msg, file, here);
                d.location.at_key = true;
                d.help = Some(match (under, suggestion) {
                    (Some(parent), _) => format!(
                        "`{key}` belongs to the empty `{parent}` of this object: indent it under `{parent}`"
                    ),
                    (None, Some(s)) => {
                        format!("did you mean `{s}`? Custom fields must start with `x-`")
                    }
                    (None, None) => "custom fields must start with `x-`".to_owned(),
                });
            }
        }
    }

    /// Message fields written beside a 2.x `oneOf` (`name: orders` over the alternatives, as
    /// published documents label a group): the alternatives are the messages, so each such
    /// field is ignored, said where it is.
    fn beside_one_of(&mut self, file: FileId, ptr: &Loc<'_>, value: &Value) {
        let Some(map) = value.as_object() else {
            return;
        };
        for key in map.keys().filter(|k| *k != "oneOf" && !k.starts_with("x-")) {
            let msg = format!(
                "`{key}` beside `oneOf` is ignored: the message is one of the `oneOf` alternatives"
            );
            let d = self.emit(Code::MisplacedField, msg, file, Loc::Key(ptr, key));
            d.location.at_key = true;
            d.help = Some(format!(
                "move `{key}` into the alternatives that it describes, or remove it"
            ));
        }
    }

    fn check_payload(&mut self, file: FileId, ptr: Loc<'_>, value: &'a Value) {
        let multi = value.as_object().filter(|m| {
            m.contains_key("schemaFormat") && m.contains_key("schema") && !m.contains_key("$ref")
        });
        match multi {
            Some(m) => match m.get("schemaFormat").and_then(Value::as_str) {
                Some(fmt) if is_json_schema_format(fmt) => {
                    if let Some(schema) = m.get("schema") {
                        self.check_schema(file, Loc::Key(&ptr, "schema"), schema);
                    }
                }
                Some(_) => {}
                None => self.wrong_type(
                    file,
                    Loc::Key(&ptr, "schemaFormat"),
                    "a string",
                    &m["schemaFormat"],
                ),
            },
            None => self.check_schema(file, ptr, value),
        }
    }

    pub fn check_schema(&mut self, file: FileId, ptr: Loc<'_>, value: &'a Value) {
        let map = match value {
            Value::Bool(_) => return,
            Value::Object(map) => map,
            other => {
                self.wrong_type(file, ptr, "a schema (a mapping or a boolean)", other);
                return;
            }
        };
        if map.contains_key("$ref") {
            if let Some((target, v)) = self.follow(file, ptr, value) {
                self.pending.push((target, v, Pending::Schema));
            }
            return;
        }
        if !self.first_visit(value, Checked::Schema) {
            return;
        }
        for (key, v) in map {
            let here = Loc::Key(&ptr, key);
            match key.as_str() {
                "type" => match v {
                    Value::String(s) => self.schema_type(file, here, s),
                    Value::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            match item.as_str() {
                                Some(s) => self.schema_type(file, Loc::Index(&here, i), s),
                                None => {
                                    self.wrong_type(file, Loc::Index(&here, i), "a type name", item)
                                }
                            }
                        }
                    }
                    other => self.wrong_type(file, here, "a type name or a list of them", other),
                },
                "properties" | "patternProperties" | "definitions" | "$defs"
                | "dependentSchemas" => match v.as_object() {
                    Some(m) => {
                        for (k, s) in m {
                            self.check_schema(file, Loc::Key(&here, k), s);
                        }
                    }
                    None => self.wrong_type(file, here, "a mapping of schemas", v),
                },
                "items" if v.is_array() => self.schema_list(file, here, v, false),
                "items"
                | "additionalItems"
                | "additionalProperties"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                | "contains"
                | "propertyNames"
                | "not"
                | "if"
                | "then"
                | "else" => self.check_schema(file, here, v),
                "allOf" | "anyOf" | "oneOf" => self.schema_list(file, here, v, true),
                "prefixItems" => self.schema_list(file, here, v, false),
                "required" => self.check(file, here, v, &Kind::StrArray),
                "enum" if !v.is_array() => self.wrong_type(file, here, "a list of values", v),
                "nullable" | "deprecated" | "readOnly" | "writeOnly" | "uniqueItems"
                    if !v.is_boolean() =>
                {
                    self.wrong_type(file, here, "a boolean", v)
                }
                // draft-04 style boolean exclusive bounds are common in the wild.
                "exclusiveMinimum" | "exclusiveMaximum" if !(v.is_number() || v.is_boolean()) => {
                    self.wrong_type(file, here, "a number", v)
                }
                "minimum" | "maximum" | "multipleOf" | "minLength" | "maxLength" | "minItems"
                | "maxItems" | "minProperties" | "maxProperties"
                    if !v.is_number() =>
                {
                    self.wrong_type(file, here, "a number", v)
                }
                "title" | "description" | "format" | "pattern" => {
                    self.check(file, here, v, &Kind::Str)
                }
                "discriminator"
                    if !(v.is_string() || v.get("propertyName").is_some_and(Value::is_string)) =>
                {
                    self.wrong_type(file, here, "a property name", v)
                }
                "examples" if !v.is_array() => {
                    let msg = format!("`examples` must be a list, found {}", type_name(v));
                    let d = self.emit(Code::WrongType, msg, file, here);
                    d.severity = Severity::Warning;
                    d.help = Some("wrap the example in a list: `examples: [ ... ]`".to_owned());
                }
                "externalDocs" => self.check(file, here, v, &super::rules::EXTERNAL_DOCS_OR_REF),
                k if k.starts_with("x-") => self.extension("Schema", file, here, k, v),
                _ => {}
            }
        }
    }

    fn schema_type(&mut self, file: FileId, ptr: Loc<'_>, name: &str) {
        if !SCHEMA_TYPES.contains(&name) {
            let msg = format!(
                "`{name}` is not a JSON Schema type (expected one of: {})",
                SCHEMA_TYPES.join(", ")
            );
            self.emit(Code::InvalidValue, msg, file, ptr);
        }
    }

    fn schema_list(&mut self, file: FileId, ptr: Loc<'_>, v: &'a Value, non_empty: bool) {
        match v.as_array() {
            Some(items) if non_empty && items.is_empty() => {
                self.emit(
                    Code::InvalidValue,
                    "a list of schemas must not be empty",
                    file,
                    ptr,
                );
            }
            Some(items) => {
                for (i, s) in items.iter().enumerate() {
                    self.check_schema(file, Loc::Index(&ptr, i), s);
                }
            }
            None => self.wrong_type(file, ptr, "a list of schemas", v),
        }
    }

    fn check_security_requirement(&mut self, file: FileId, ptr: Loc<'_>, value: &'a Value) {
        let Some(map) = value.as_object() else {
            self.wrong_type(
                file,
                ptr,
                "a security requirement (scheme name → scopes)",
                value,
            );
            return;
        };
        for (name, scopes) in map {
            let here = Loc::Key(&ptr, name);
            if !self.scheme_names.contains(name) {
                let msg = format!(
                    "security scheme `{name}` is not defined in `components.securitySchemes`"
                );
                let d = self.emit(Code::MissingSecurityScheme, msg, file, here);
                d.location.at_key = true;
            }
            self.check(file, here, scopes, &Kind::StrArray);
        }
    }
}

/// Kinds whose empty value (`null`) can only mean "none": objects, maps and lists. A null
/// string, number or schema is not read as absent: it may be a mistake with another meaning.
fn is_container(kind: &Kind) -> bool {
    match kind {
        Kind::Obj(_)
        | Kind::RefOr(_)
        | Kind::Map(_)
        | Kind::Array(_)
        | Kind::StrArray
        | Kind::Bindings => true,
        Kind::Str
        | Kind::Bool
        | Kind::Num
        | Kind::Any
        | Kind::OneOf(_)
        | Kind::Ref
        | Kind::Schema
        | Kind::Payload
        | Kind::OperationMessage2
        | Kind::SecurityRequirement
        | Kind::NullableStr => false,
    }
}
