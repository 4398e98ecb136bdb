//! The intermediate model: what a document means, independent of its AsyncAPI version.
//!
//! Direction is always seen from the described application: it [`Direction::Send`]s or
//! [`Direction::Receive`]s a message on a channel. Generators pick their side from that.

use std::fmt;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

pub use crate::origin::Origin;
use crate::schema::{SchemaRef, SchemaStore};

/// `x-*` fields of an object, kept verbatim in document order.
pub type Extensions = IndexMap<String, Value>;

/// The typed `x-asyncgen-*` extension `T` among `fields`; `None` when absent or invalid (the
/// loader has already reported an invalid one, located).
pub(crate) fn extension<T: asyncgen_spec::extensions::Extension>(fields: &Extensions) -> Option<T> {
    fields
        .get(T::NAME)
        .and_then(|v| asyncgen_spec::extensions::parse::<T>(v).ok())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The described application sends the messages (2.x `subscribe`, 3.x `send`).
    Send,
    /// The described application receives the messages (2.x `publish`, 3.x `receive`).
    Receive,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Send => "sends",
            Direction::Receive => "receives",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// The `asyncapi` field, e.g. `2.6.0`.
    pub asyncapi: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub info: Info,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_content_type: Option<String>,
    pub servers: IndexMap<String, Server>,
    pub channels: IndexMap<String, Channel>,
    pub operations: IndexMap<String, Operation>,
    pub messages: IndexMap<String, Message>,
    pub security_schemes: IndexMap<String, SecurityScheme>,
    pub schemas: SchemaStore,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub title: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    pub key: String,
    /// 2.x `url`, or 3.x `host`.
    pub host: String,
    pub protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// 3.x `pathname`; 2.x keeps the path inside `host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pathname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, ServerVariable>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<SecurityRequirement>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub bindings: IndexMap<String, Value>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServerVariable {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One way to satisfy security: every listed scheme together (alternatives are separate
/// requirements in the list that holds them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityRequirement {
    pub schemes: Vec<SchemeUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeUse {
    /// Key in [`Api::security_schemes`].
    pub scheme: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub key: String,
    /// `None` when the address is dynamic or unknown (3.x `address: null`).
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Parameter>,
    /// Keys in [`Api::messages`] this channel carries.
    pub messages: Vec<String>,
    /// Keys in [`Api::servers`]; empty means every server.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub bindings: IndexMap<String, Value>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 2.x parameters carry a schema; 3.x ones `enum` / `default` / `examples` directly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaRef>,
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub key: String,
    pub direction: Direction,
    /// Key in [`Api::channels`].
    pub channel: String,
    /// Keys in [`Api::messages`].
    pub messages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Alternatives: any one requirement satisfies the operation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<SecurityRequirement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub bindings: IndexMap<String, Value>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    pub messages: Vec<String>,
    /// Runtime expression locating a dynamic reply address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_location: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The message's own content type, else the document's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<SchemaRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<SchemaRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<CorrelationId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub bindings: IndexMap<String, Value>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct CorrelationId {
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    pub key: String,
    /// The AsyncAPI `type` (`httpApiKey`, `http`, `oauth2`, ...).
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Header, query or cookie name for `httpApiKey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_id_connect_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: Extensions,
    pub origin: Origin,
}
