//! Lowering: a validated AsyncAPI 2.x or 3.x document into the version-independent [`Api`].

mod node;
mod schemas;
mod v2;
mod v3;

use std::collections::HashMap;

use asyncgen_spec::{Pointer, RefTarget, Workspace};
use indexmap::IndexMap;
use serde_json::Value;

use crate::model::*;
use crate::schema::SchemaRef;
use node::At;
use schemas::Collector;

/// Object fields after traits are applied, each still knowing where it was written.
///
/// Traits are applied field by field as JSON Merge Patch does at the top level: in 2.x a
/// trait's field replaces the object's, in 3.x the object's own field wins. `bindings` are
/// merged one level deeper, per protocol.
pub(crate) struct Merged<'a> {
    fields: IndexMap<String, At<'a>>,
    bindings: IndexMap<String, Value>,
}

impl<'a> Merged<'a> {
    pub fn new(object: &At<'a>, v3: bool) -> Self {
        let traits: Vec<At<'a>> = object
            .get("traits")
            .map(|t| t.items())
            .unwrap_or_default()
            .iter()
            .filter_map(At::follow)
            .collect();
        let mut layers: Vec<&At<'a>> = Vec::new();
        if v3 {
            layers.extend(traits.iter());
            layers.push(object);
        } else {
            layers.push(object);
            layers.extend(traits.iter());
        }
        let mut fields = IndexMap::new();
        let mut bindings = IndexMap::new();
        for layer in layers {
            for (k, v) in layer.entries() {
                if k == "traits" {
                    continue;
                }
                if v.value.is_null() {
                    fields.shift_remove(&k);
                    continue;
                }
                if k == "bindings" {
                    bindings.extend(layer.bindings());
                }
                fields.insert(k, v);
            }
        }
        Merged { fields, bindings }
    }

    pub fn get(&self, key: &str) -> Option<&At<'a>> {
        self.fields.get(key)
    }

    pub fn str(&self, key: &str) -> Option<String> {
        self.fields
            .get(key)
            .and_then(|a| a.value.as_str())
            .map(str::to_owned)
    }

    pub fn extensions(&self) -> Extensions {
        self.fields
            .iter()
            .filter(|(k, _)| k.starts_with("x-"))
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect()
    }

    pub fn bindings(&self) -> IndexMap<String, Value> {
        self.bindings.clone()
    }
}

/// A fresh key: `name`, else `name_2`, `name_3`, ...
pub(crate) fn unique<V>(map: &IndexMap<String, V>, name: &str) -> String {
    if !map.contains_key(name) {
        return name.to_owned();
    }
    (2..)
        .map(|i| format!("{name}_{i}"))
        .find(|k| !map.contains_key(k))
        .unwrap_or_default()
}

/// The last token when `ptr` is `/components/<kind>/<name>`.
pub(crate) fn component_key(ptr: &Pointer, kind: &str) -> Option<String> {
    let t: Vec<_> = ptr.tokens().collect();
    match t.as_slice() {
        [c, k, name] if c == "components" && k == kind => Some(name.to_string()),
        _ => None,
    }
}

pub(crate) struct Ctx<'a> {
    pub v3: bool,
    pub schemas: Collector<'a>,
    pub default_content_type: Option<String>,
    pub servers: IndexMap<String, Server>,
    pub channels: IndexMap<String, Channel>,
    pub operations: IndexMap<String, Operation>,
    pub messages: IndexMap<String, Message>,
    pub security_schemes: IndexMap<String, SecurityScheme>,
    /// Message content location → key, so a message reached twice is one message.
    pub message_keys: HashMap<RefTarget, String>,
    scheme_keys: HashMap<RefTarget, String>,
}

impl<'a> Ctx<'a> {
    fn new(ws: &'a Workspace, v3: bool, root: &At<'a>) -> Self {
        Ctx {
            v3,
            schemas: Collector::new(ws),
            default_content_type: root.str("defaultContentType"),
            servers: IndexMap::new(),
            channels: IndexMap::new(),
            operations: IndexMap::new(),
            messages: IndexMap::new(),
            security_schemes: IndexMap::new(),
            message_keys: HashMap::new(),
            scheme_keys: HashMap::new(),
        }
    }

    /// Lowers the message at `at` once; later calls for the same content return its key.
    pub fn message(&mut self, at: &At<'a>, fallback: &str) -> Option<String> {
        let content = at.follow()?;
        if let Some(k) = self.message_keys.get(&content.target()) {
            return Some(k.clone());
        }
        let candidate = component_key(&content.ptr, "messages")
            .or_else(|| (!self.v3).then(|| content.str("messageId")).flatten())
            .unwrap_or_else(|| fallback.to_owned());
        let key = unique(&self.messages, &candidate);
        self.message_keys.insert(content.target(), key.clone());
        let m = Merged::new(&content, self.v3);
        let format = m.str("schemaFormat");
        let payload = m
            .get("payload")
            .and_then(|p| self.payload(p, format.as_deref()));
        let headers = m
            .get("headers")
            .and_then(|h| self.payload(h, format.as_deref()));
        let correlation_id = m.get("correlationId").and_then(At::follow).and_then(|c| {
            Some(CorrelationId {
                location: c.str("location")?,
                description: c.str("description"),
            })
        });
        let examples = m
            .get("examples")
            .map(At::items)
            .unwrap_or_default()
            .iter()
            .map(|e| Example {
                name: e.str("name"),
                summary: e.str("summary"),
                payload: e.value.get("payload").cloned(),
                headers: e.value.get("headers").cloned(),
            })
            .collect();
        let tags = m
            .get("tags")
            .map(At::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|t| t.follow()?.str("name"))
            .collect();
        let message = Message {
            key: key.clone(),
            name: m.str("name"),
            title: m.str("title"),
            summary: m.str("summary"),
            description: m.str("description"),
            content_type: m
                .str("contentType")
                .or_else(|| self.default_content_type.clone()),
            payload,
            headers,
            correlation_id,
            examples,
            tags,
            bindings: m.bindings(),
            extensions: m.extensions(),
            origin: content.origin(),
        };
        self.messages.insert(key.clone(), message);
        Some(key)
    }

    /// A payload or headers schema: JSON Schema (followed and collected), a 3.x Multi Format
    /// Schema Object, or a foreign format kept raw.
    fn payload(&mut self, at: &At<'a>, format: Option<&str>) -> Option<SchemaRef> {
        let content = at.follow()?;
        let multi = content
            .value
            .as_object()
            .is_some_and(|m| m.contains_key("schemaFormat") && m.contains_key("schema"));
        let (target, format) = if multi {
            (content.get("schema")?, content.str("schemaFormat"))
        } else {
            (at.clone(), format.map(str::to_owned))
        };
        match format {
            Some(f) if !asyncgen_spec::validate::walk::is_json_schema_format(&f) => {
                let t = target.follow()?;
                self.schemas.add_foreign(t.file, &t.ptr, &f)
            }
            _ => self.schemas.add(target.file, &target.ptr),
        }
    }

    /// A security scheme reached by reference or written inline; returns its key.
    pub fn scheme(&mut self, at: &At<'a>, fallback: &str) -> Option<String> {
        let content = at.follow()?;
        if let Some(k) = self.scheme_keys.get(&content.target()) {
            return Some(k.clone());
        }
        let candidate =
            component_key(&content.ptr, "securitySchemes").unwrap_or_else(|| fallback.to_owned());
        let key = unique(&self.security_schemes, &candidate);
        self.scheme_keys.insert(content.target(), key.clone());
        let scheme = SecurityScheme {
            key: key.clone(),
            kind: content.str("type").unwrap_or_default(),
            description: content.str("description"),
            name: content.str("name"),
            location: content.str("in"),
            scheme: content.str("scheme"),
            bearer_format: content.str("bearerFormat"),
            flows: content.value.get("flows").cloned(),
            open_id_connect_url: content.str("openIdConnectUrl"),
            scopes: content.strings("scopes"),
            extensions: content.extensions(),
            origin: content.origin(),
        };
        self.security_schemes.insert(key.clone(), scheme);
        Some(key)
    }

    /// Every security scheme under `components`, in document order, before anything uses them.
    fn component_schemes(&mut self, root: &At<'a>) {
        let Some(schemes) = root
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
        else {
            return;
        };
        for (name, s) in schemes.entries() {
            self.scheme(&s, &name);
        }
    }

    /// 2.x requirement objects (`{name: [scopes]}`) or 3.x scheme lists, as alternatives.
    pub fn security(&mut self, at: Option<&At<'a>>, owner: &str) -> Vec<SecurityRequirement> {
        let Some(at) = at else { return Vec::new() };
        at.items()
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                if self.v3 {
                    let scheme = self.scheme(item, &format!("{owner}_security_{}", i + 1))?;
                    let scopes = item
                        .follow()
                        .map(|s| s.strings("scopes"))
                        .unwrap_or_default();
                    Some(SecurityRequirement {
                        schemes: vec![SchemeUse { scheme, scopes }],
                    })
                } else {
                    let schemes = item
                        .entries()
                        .into_iter()
                        .map(|(name, scopes)| SchemeUse {
                            scheme: name,
                            scopes: scopes.strings_self(),
                        })
                        .collect();
                    Some(SecurityRequirement { schemes })
                }
            })
            .collect()
    }

    fn server(&mut self, key: &str, at: &At<'a>) {
        let Some(s) = at.follow() else { return };
        let variables = s
            .followed_entries("variables")
            .into_iter()
            .map(|(name, v)| {
                (
                    name,
                    ServerVariable {
                        default: v.str("default"),
                        allowed: v.strings("enum"),
                        description: v.str("description"),
                    },
                )
            })
            .collect();
        let security = self.security(s.get("security").as_ref(), key);
        let server = Server {
            key: key.to_owned(),
            host: s
                .str(if self.v3 { "host" } else { "url" })
                .unwrap_or_default(),
            protocol: s.str("protocol").unwrap_or_default(),
            protocol_version: s.str("protocolVersion"),
            pathname: s.str("pathname"),
            description: s.str("description"),
            variables,
            security,
            bindings: s.bindings(),
            extensions: s.extensions(),
            origin: s.origin(),
        };
        self.servers.insert(key.to_owned(), server);
    }

    fn finish(mut self, root: &At<'a>) -> Api {
        // Component messages and schemas nobody referenced are still part of the API.
        if let Some(messages) = root.get("components").and_then(|c| c.get("messages")) {
            for (name, m) in messages.entries() {
                self.message(&m, &name);
            }
        }
        if let Some(schemas) = root.get("components").and_then(|c| c.get("schemas")) {
            for (_, s) in schemas.entries() {
                self.schemas.add(s.file, &s.ptr);
            }
        }
        let info = root.get("info");
        Api {
            asyncapi: root.str("asyncapi").unwrap_or_default(),
            id: root.str("id"),
            info: Info {
                title: info
                    .as_ref()
                    .and_then(|i| i.str("title"))
                    .unwrap_or_default(),
                version: info
                    .as_ref()
                    .and_then(|i| i.str("version"))
                    .unwrap_or_default(),
                description: info.as_ref().and_then(|i| i.str("description")),
                extensions: info.as_ref().map(At::extensions).unwrap_or_default(),
            },
            default_content_type: self.default_content_type,
            servers: self.servers,
            channels: self.channels,
            operations: self.operations,
            messages: self.messages,
            security_schemes: self.security_schemes,
            schemas: self.schemas.store,
            extensions: root.extensions(),
        }
    }
}

impl At<'_> {
    /// The value itself read as a list of strings.
    fn strings_self(&self) -> Vec<String> {
        self.value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    #[error("the document has errors; fix them before generating ({0} error(s))")]
    Invalid(usize),
}

/// Lowers a loaded document. Refuses documents with errors: the model is only built from
/// what validated (warnings are fine).
pub fn lower(loaded: &asyncgen_spec::Loaded) -> Result<Api, LowerError> {
    let version = match loaded.version {
        Some(v) if !loaded.diagnostics.has_errors() => v,
        _ => return Err(LowerError::Invalid(loaded.diagnostics.error_count().max(1))),
    };
    let ws = &loaded.workspace;
    let root = At::root(ws).ok_or(LowerError::Invalid(1))?;
    let mut ctx = Ctx::new(ws, version.is_v3(), &root);
    ctx.component_schemes(&root);
    for (key, s) in root.get("servers").map(|s| s.entries()).unwrap_or_default() {
        ctx.server(&key, &s);
    }
    if version.is_v3() {
        v3::lower(&mut ctx, &root);
    } else {
        v2::lower(&mut ctx, &root);
    }
    Ok(ctx.finish(&root))
}

pub(crate) fn node_is_ref(at: &At<'_>) -> bool {
    at.value.as_object().is_some_and(|m| m.contains_key("$ref"))
}
