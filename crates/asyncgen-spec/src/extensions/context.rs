//! What an extension's rules may look at beyond its own value: the object it sits on and the
//! document around it, with `$ref`s followed across files.
//!
//! Kept apart from the extension types so that those stay plain data that later stages read
//! without a workspace; only the loader's checks need this.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::PayloadPointer;
use crate::pointer::Pointer;
use crate::source::FileId;
use crate::workspace::{RefTarget, Workspace};

const ROOT: FileId = FileId(0);

/// Where an extension sits, for the rules that look beyond its value.
pub(crate) struct Cx<'a> {
    pub ws: &'a Workspace,
    /// The file holding `object`; relative `$ref`s in it resolve from there.
    pub file: FileId,
    /// Where `object` is in `file`.
    pub pointer: Pointer,
    /// The object the extension is a field of.
    pub object: &'a Map<String, Value>,
}

/// A Message Object of the document, identified by where its content is written.
pub(crate) struct MessageAt<'a> {
    pub at: RefTarget,
    pub value: &'a Value,
}

impl MessageAt<'_> {
    /// How a person knows it: its `messageId`, else its key, else where it is written (an
    /// inline 2.x message sits under `message` or `oneOf/<i>`, which names nothing).
    pub fn name(&self) -> String {
        if let Some(id) = self.value.get("messageId").and_then(Value::as_str) {
            return id.to_owned();
        }
        match self.at.pointer.last() {
            Some(key) if key != "message" && key.parse::<usize>().is_err() => key,
            _ => self.at.pointer.as_str().to_owned(),
        }
    }
}

impl<'a> Cx<'a> {
    pub fn str_field(&self, name: &str) -> Option<&'a str> {
        self.object.get(name).and_then(Value::as_str)
    }

    /// "`type: http`, no `in`": the object's fields as written, for messages.
    pub fn describe_fields(&self, names: &[&str]) -> String {
        let parts: Vec<String> = names
            .iter()
            .map(|n| match self.object.get(*n) {
                Some(Value::String(s)) => format!("`{n}: {s}`"),
                Some(other) => format!("`{n}: {other}`"),
                None => format!("no `{n}`"),
            })
            .collect();
        parts.join(", ")
    }

    pub fn here(&self) -> RefTarget {
        RefTarget {
            file: self.file,
            pointer: self.pointer.clone(),
        }
    }

    /// The content a possibly referenced value stands for, with the file it lives in.
    fn resolve(&self, file: FileId, v: &'a Value) -> Option<(FileId, &'a Value)> {
        match v.get("$ref") {
            Some(Value::String(r)) => self.ws.follow_ref(file, r).ok().map(|(t, v)| (t.file, v)),
            Some(_) => None,
            None => Some((file, v)),
        }
    }

    /// Like [`Self::resolve`], keeping where the content is written (its identity).
    fn locate(&self, file: FileId, pointer: Pointer, v: &'a Value) -> Option<MessageAt<'a>> {
        match v.get("$ref") {
            Some(Value::String(r)) => self
                .ws
                .follow_ref(file, r)
                .ok()
                .map(|(at, value)| MessageAt { at, value }),
            Some(_) => None,
            None => Some(MessageAt {
                at: RefTarget { file, pointer },
                value: v,
            }),
        }
    }

    /// The schema a payload declares at `path`, following `$ref`s, `properties` and `allOf`;
    /// `None` when it declares nothing there.
    pub fn schema_at(
        &self,
        file: FileId,
        payload: &'a Value,
        path: &PayloadPointer,
    ) -> Option<&'a Value> {
        let (mut file, mut schema) = self.resolve(file, payload)?;
        // A 3.x Multi Format Schema Object wraps the schema.
        if schema.get("schemaFormat").is_some() {
            (file, schema) = self.resolve(file, schema.get("schema")?)?;
        }
        for token in path.tokens() {
            (file, schema) = self.property(file, schema, &token, 0)?;
        }
        Some(schema)
    }

    /// The `const` a payload schema fixes at `path`; `None` when it does not say.
    pub fn schema_const_at(&self, payload: &'a Value, path: &PayloadPointer) -> Option<&'a Value> {
        let schema = self.schema_at(self.file, payload, path)?;
        schema.get("const").or_else(|| match schema.get("enum") {
            Some(Value::Array(values)) if values.len() == 1 => values.first(),
            _ => None,
        })
    }

    fn property(
        &self,
        file: FileId,
        schema: &'a Value,
        name: &str,
        depth: u32,
    ) -> Option<(FileId, &'a Value)> {
        // `allOf` chains in real documents are shallow; the bound only stops cycles.
        if depth > 16 {
            return None;
        }
        if let Some(p) = schema.get("properties").and_then(|p| p.get(name)) {
            return self.resolve(file, p);
        }
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| self.resolve(file, s))
            .find_map(|(f, s)| self.property(f, s, name, depth + 1))
    }

    /// The root document and whether it is AsyncAPI 3.x; `None` when its version is unknown.
    fn root(&self) -> Option<(&'a Map<String, Value>, bool)> {
        let root = self.ws.root().value.as_ref()?.as_object()?;
        let version = root.get("asyncapi")?.as_str()?;
        Some((root, version.starts_with("3.")))
    }

    /// The names `replay` may use: operation keys in 3.x, `operationId`s in 2.x (of the root
    /// document, which is what a generator builds). `None` when the version is unknown.
    pub fn operation_names(&self) -> Option<Vec<String>> {
        let (root, v3) = self.root()?;
        if v3 {
            return Some(
                entries(root, "operations")
                    .map(|(k, _)| k.clone())
                    .collect(),
            );
        }
        let mut names = Vec::new();
        for (_, item) in entries(root, "channels") {
            let Some((_, item)) = self.resolve(ROOT, item) else {
                continue;
            };
            for verb in ["publish", "subscribe"] {
                if let Some(id) = item.pointer(&format!("/{verb}/operationId")) {
                    names.extend(id.as_str().map(str::to_owned));
                }
            }
        }
        Some(names)
    }

    /// Every Message Object of the root document (channels, operations and components), each
    /// once however often it is referenced.
    pub fn messages(&self) -> Vec<MessageAt<'a>> {
        let Some((root, v3)) = self.root() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, ch) in entries(root, "channels") {
            let ptr = Pointer::root().push("channels").push(name);
            let Some(ch) = self.locate(ROOT, ptr, ch) else {
                continue;
            };
            if v3 {
                self.channel_messages(&ch, &mut out);
            } else {
                for verb in ["publish", "subscribe"] {
                    if let Some(op) = ch.value.get(verb) {
                        let op_ptr = ch.at.pointer.push(verb);
                        self.operation2_messages(ch.at.file, &op_ptr, op, &mut out);
                    }
                }
            }
        }
        let components = root.get("components").and_then(Value::as_object);
        for (name, m) in components.into_iter().flat_map(|c| entries(c, "messages")) {
            let ptr = Pointer::root()
                .push("components")
                .push("messages")
                .push(name);
            out.extend(self.locate(ROOT, ptr, m));
        }
        dedup(out)
    }

    fn channel_messages(&self, ch: &MessageAt<'a>, out: &mut Vec<MessageAt<'a>>) {
        let Some(map) = ch.value.as_object() else {
            return;
        };
        for (key, m) in entries(map, "messages") {
            let ptr = ch.at.pointer.push("messages").push(key);
            out.extend(self.locate(ch.at.file, ptr, m));
        }
    }

    fn operation2_messages(
        &self,
        file: FileId,
        op_ptr: &Pointer,
        op: &'a Value,
        out: &mut Vec<MessageAt<'a>>,
    ) {
        let Some(message) = op.get("message") else {
            return;
        };
        let ptr = op_ptr.push("message");
        match message.get("oneOf").and_then(Value::as_array) {
            Some(items) if message.get("$ref").is_none() => {
                for (i, m) in items.iter().enumerate() {
                    out.extend(self.locate(file, ptr.push("oneOf").push_index(i), m));
                }
            }
            _ => out.extend(self.locate(file, ptr, message)),
        }
    }

    /// The messages sent or received under the security scheme this extension sits on: those
    /// of operations that name it, or that run on a server that names it.
    pub fn messages_secured_here(&self) -> Vec<MessageAt<'a>> {
        let Some((root, v3)) = self.root() else {
            return Vec::new();
        };
        let out = if v3 {
            self.secured_messages3(root)
        } else {
            self.secured_messages2(root)
        };
        dedup(out)
    }

    /// 3.x: `security` lists scheme objects, usually by `$ref`.
    fn names_here3(&self, file: FileId, owner: &Pointer, v: &'a Value) -> bool {
        let here = self.here();
        v.get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .any(|(i, s)| {
                let ptr = owner.push("security").push_index(i);
                self.locate(file, ptr, s).is_some_and(|s| s.at == here)
            })
    }

    fn secured_messages3(&self, root: &'a Map<String, Value>) -> Vec<MessageAt<'a>> {
        let mut secured_servers: HashSet<Pointer> = HashSet::new();
        for (name, server) in entries(root, "servers") {
            let ptr = Pointer::root().push("servers").push(name);
            if let Some(s) = self.locate(ROOT, ptr.clone(), server) {
                if self.names_here3(s.at.file, &s.at.pointer, s.value) {
                    secured_servers.insert(ptr);
                }
            }
        }
        let mut out = Vec::new();
        for (name, op) in entries(root, "operations") {
            let ptr = Pointer::root().push("operations").push(name);
            let Some(op) = self.locate(ROOT, ptr, op) else {
                continue;
            };
            let channel = op
                .value
                .get("channel")
                .and_then(|c| self.locate(op.at.file, op.at.pointer.push("channel"), c));
            // A channel without `servers` is available on all of them.
            let on_secured_server = channel.as_ref().is_some_and(|ch| {
                match ch.value.get("servers").and_then(Value::as_array) {
                    Some(list) if !list.is_empty() => list.iter().any(|s| {
                        s.get("$ref")
                            .and_then(Value::as_str)
                            .and_then(|r| self.ws.resolve_ref(ch.at.file, r).ok())
                            .is_some_and(|t| t.file == ROOT && secured_servers.contains(&t.pointer))
                    }),
                    _ => !secured_servers.is_empty(),
                }
            });
            if !(on_secured_server || self.names_here3(op.at.file, &op.at.pointer, op.value)) {
                continue;
            }
            match op.value.get("messages").and_then(Value::as_array) {
                Some(list) if !list.is_empty() => {
                    for (i, m) in list.iter().enumerate() {
                        let ptr = op.at.pointer.push("messages").push_index(i);
                        out.extend(self.locate(op.at.file, ptr, m));
                    }
                }
                // No `messages`: every message of the channel.
                _ => {
                    if let Some(ch) = &channel {
                        self.channel_messages(ch, &mut out);
                    }
                }
            }
        }
        out
    }

    /// 2.x: `security` lists requirements by scheme name, so only a scheme under
    /// `components/securitySchemes` of the root document can be named.
    fn secured_messages2(&self, root: &'a Map<String, Value>) -> Vec<MessageAt<'a>> {
        let mut out = Vec::new();
        let scheme_name = match self.pointer.tokens().collect::<Vec<_>>().as_slice() {
            [c, s, name] if self.file == ROOT && c == "components" && s == "securitySchemes" => {
                name.to_string()
            }
            _ => return out,
        };
        let names_scheme = |v: &Value| {
            v.get("security")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|req| req.get(&scheme_name).is_some())
        };
        let secured_servers: HashSet<&str> = entries(root, "servers")
            .filter(|(_, s)| self.resolve(ROOT, s).is_some_and(|(_, s)| names_scheme(s)))
            .map(|(name, _)| name.as_str())
            .collect();
        for (name, ch) in entries(root, "channels") {
            let ptr = Pointer::root().push("channels").push(name);
            let Some(ch) = self.locate(ROOT, ptr, ch) else {
                continue;
            };
            let on_secured_server = match ch.value.get("servers").and_then(Value::as_array) {
                Some(list) if !list.is_empty() => list
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|s| secured_servers.contains(s)),
                _ => !secured_servers.is_empty(),
            };
            for verb in ["publish", "subscribe"] {
                let Some(op) = ch.value.get(verb) else {
                    continue;
                };
                if on_secured_server || names_scheme(op) {
                    let op_ptr = ch.at.pointer.push(verb);
                    self.operation2_messages(ch.at.file, &op_ptr, op, &mut out);
                }
            }
        }
        out
    }
}

fn entries<'m>(
    map: &'m Map<String, Value>,
    field: &str,
) -> impl Iterator<Item = (&'m String, &'m Value)> {
    map.get(field)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn dedup(messages: Vec<MessageAt<'_>>) -> Vec<MessageAt<'_>> {
    let mut seen = HashSet::new();
    messages
        .into_iter()
        .filter(|m| seen.insert(m.at.clone()))
        .collect()
}
