//! The `x-asyncgen-*` extension vocabulary: typed readers, their JSON Schemas, and validation.
//!
//! specs/README.md ("Extensions") is the contract; each extension has a module with the Rust
//! type that reads it, whose rustdoc becomes the JSON Schema description (and the generated
//! code's docs). The same type serves three users, so they cannot drift apart:
//!
//! - the loader, through `check`, which the validator's walker calls for every `x-` field and
//!   which turns what is wrong into located diagnostics (returned, not emitted, so this module
//!   needs nothing of the walker's and the dependency runs one way: walker to extensions);
//! - later stages (the IR, generators), through [`parse`];
//! - people and other tools, through [`json_schemas`] (committed as `specs/extensions/*.json`).

mod body_token;
mod context;
mod delivery;
mod dispatch;
mod duration;
mod heartbeat;
mod jwt;
mod payload_pointer;
mod read;
mod reconnect;
mod reply;
mod signature;
mod token_expiry;
mod topic;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::diagnostic::{Code, Diagnostic};
use crate::pointer::Pointer;
use crate::source::FileId;
use crate::workspace::Workspace;

pub(crate) use context::Cx;

pub use body_token::BodyToken;
pub use delivery::Delivery;
pub use dispatch::{Dispatch, DispatchRule, DispatchValue, is_header_name};
pub use duration::{Duration, DurationError, DurationUnit};
pub use heartbeat::Heartbeat;
pub use jwt::{Jwt, JwtAlgorithm, JwtClaims};
pub use payload_pointer::{PayloadPointer, PayloadPointerError};
pub use reconnect::{Jitter, Reconnect};
pub use reply::Reply;
pub use signature::{
    EventIdLocation, Handshake, KeyFormat, ResolvedSignature, ResolvedTimestamp, Signature,
    SignatureAlgorithm, SignatureEncoding, SignatureEventId, SignatureLocation, SignatureTimestamp,
    SignedPart, TimestampLocation, TimestampUnit,
};
pub use token_expiry::{HttpMethod, TokenExpiry, TokenRefresh};
pub use topic::{SegmentFormat, Topic, TopicPart, TopicSegment};

/// Every extension name starts with this.
pub const PREFIX: &str = "x-asyncgen-";

/// A typed `x-asyncgen-*` extension.
pub trait Extension: DeserializeOwned + Serialize {
    /// The field name, e.g. `x-asyncgen-signature`.
    const NAME: &'static str;
    /// The AsyncAPI objects it may be placed on, by the name the specification gives them
    /// ("Security Scheme", "Message", "Server", "Operation", "Schema").
    const ON: &'static [&'static str];

    /// Consistency rules within the value that its type cannot express (both or neither of two
    /// fields, a zero timeout, ...). Empty when the value is consistent.
    fn problems(&self) -> Vec<Problem> {
        Vec::new()
    }
}

/// Rules that need the object the extension sits on or the rest of the document (the security
/// scheme's `type`, the payload's `const`, the document's operations). Crate-private because
/// its context is the loader's workspace.
pub(crate) trait InContext: Extension {
    fn problems_in(&self, _cx: &Cx<'_>) -> Vec<Problem> {
        Vec::new()
    }
}

/// One thing wrong with an extension's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a JSON pointer relative to the extension's value (empty: the extension itself).
    pub path: Pointer,
    /// Whether `path` names a key (a missing or unknown field) rather than a value.
    pub at_key: bool,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    /// About the extension as a whole; located at its key.
    pub fn whole(message: impl Into<String>) -> Self {
        Problem::key(Pointer::root(), message)
    }

    /// About the value at `path`.
    pub fn value(path: Pointer, message: impl Into<String>) -> Self {
        Problem {
            path,
            at_key: false,
            message: message.into(),
            help: None,
        }
    }

    /// About the key at `path` (a field that should not be there, or lacks a companion).
    pub fn key(path: Pointer, message: impl Into<String>) -> Self {
        Problem {
            at_key: true,
            ..Problem::value(path, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

/// Why an extension's value could not be read; never holds an empty list of problems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{extension}`: {}", summary(.problems))]
pub struct ExtensionError {
    pub extension: &'static str,
    pub problems: Vec<Problem>,
}

fn summary(problems: &[Problem]) -> String {
    match problems {
        [] => "no details".to_owned(),
        [one] => one.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

/// A pointer relative to an extension's value, from unescaped tokens.
pub(crate) fn rel(tokens: &[&str]) -> Pointer {
    tokens.iter().fold(Pointer::root(), |p, t| p.push(t))
}

/// Reads an extension's value as its type and applies its own consistency rules (not those
/// needing the surrounding document, which the loader applies).
pub fn parse<T: Extension>(value: &Value) -> Result<T, ExtensionError> {
    let parsed = read::read::<T>(value).map_err(|p| ExtensionError {
        extension: T::NAME,
        problems: vec![p],
    })?;
    let problems = parsed.problems();
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(ExtensionError {
            extension: T::NAME,
            problems,
        })
    }
}

/// Reads `T::NAME` from an object's fields, if present.
pub fn get<T: Extension>(fields: &Map<String, Value>) -> Option<Result<T, ExtensionError>> {
    fields.get(T::NAME).map(parse::<T>)
}

/// The JSON Schema (draft 2020-12) of an extension's value, titled with its name: the committed
/// `specs/extensions/<name>.schema.json`, which editors load too. Reading it instead of deriving
/// it keeps schemars out of every build that embeds the loader (build scripts above all); the
/// `derive-schemas` feature derives them, and a test keeps the files equal to the types.
pub fn schema_for<T: Extension>() -> Value {
    committed_schema(T::NAME)
}

fn committed_schema(name: &str) -> Value {
    let text = match name {
        "x-asyncgen-body-token" => {
            include_str!("../../../../specs/extensions/x-asyncgen-body-token.schema.json")
        }
        "x-asyncgen-delivery" => {
            include_str!("../../../../specs/extensions/x-asyncgen-delivery.schema.json")
        }
        "x-asyncgen-dispatch" => {
            include_str!("../../../../specs/extensions/x-asyncgen-dispatch.schema.json")
        }
        "x-asyncgen-heartbeat" => {
            include_str!("../../../../specs/extensions/x-asyncgen-heartbeat.schema.json")
        }
        "x-asyncgen-jwt" => include_str!("../../../../specs/extensions/x-asyncgen-jwt.schema.json"),
        "x-asyncgen-reconnect" => {
            include_str!("../../../../specs/extensions/x-asyncgen-reconnect.schema.json")
        }
        "x-asyncgen-reply" => {
            include_str!("../../../../specs/extensions/x-asyncgen-reply.schema.json")
        }
        "x-asyncgen-signature" => {
            include_str!("../../../../specs/extensions/x-asyncgen-signature.schema.json")
        }
        "x-asyncgen-token-expiry" => {
            include_str!("../../../../specs/extensions/x-asyncgen-token-expiry.schema.json")
        }
        "x-asyncgen-topic" => {
            include_str!("../../../../specs/extensions/x-asyncgen-topic.schema.json")
        }
        _ => return Value::Null,
    };
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The JSON Schema of an extension's value as its Rust type derives it, formatted as the
/// committed file is.
#[cfg(feature = "derive-schemas")]
pub fn derived_schema_for<T: Extension + schemars::JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    unwrap_descriptions(&mut schema);
    let Value::Object(fields) = schema else {
        return schema;
    };
    // Name the schema after the field a person writes, ahead of everything but `$schema`.
    let mut out = Map::new();
    if let Some(s) = fields.get("$schema") {
        out.insert("$schema".to_owned(), s.clone());
    }
    out.insert("title".to_owned(), Value::String(T::NAME.to_owned()));
    for (k, v) in fields {
        if k != "$schema" && k != "title" {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

/// Rustdoc wraps lines at 100 columns; in Markdown a single newline is a soft wrap, so joining
/// the lines keeps the meaning and makes the descriptions read well in editors' hovers.
#[cfg(feature = "derive-schemas")]
fn unwrap_descriptions(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "description" => {
                        let paragraphs: Vec<String> = s
                            .split("\n\n")
                            .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect();
                        *s = paragraphs.join("\n\n");
                    }
                    _ => unwrap_descriptions(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// Every extension's name with its JSON Schema, in [`registry`] order.
pub fn json_schemas() -> Vec<(&'static str, Value)> {
    EXTENSIONS
        .iter()
        .map(|e| (e.name, e.json_schema()))
        .collect()
}

/// Every extension's name with the JSON Schema its Rust type derives, in [`registry`] order:
/// what the committed files must hold.
#[cfg(feature = "derive-schemas")]
pub fn derived_json_schemas() -> Vec<(&'static str, Value)> {
    EXTENSIONS.iter().map(|e| (e.name, (e.derived)())).collect()
}

/// What the registry knows about one extension.
pub struct ExtensionInfo {
    pub name: &'static str,
    /// The AsyncAPI objects it may be placed on (see [`Extension::ON`]).
    pub on: &'static [&'static str],
    schema: fn() -> Value,
    #[cfg(feature = "derive-schemas")]
    derived: fn() -> Value,
    check: fn(&Value, Option<&Cx<'_>>) -> Vec<Problem>,
}

impl ExtensionInfo {
    pub fn json_schema(&self) -> Value {
        (self.schema)()
    }

    pub fn allowed_on(&self, object: &str) -> bool {
        self.on.contains(&object)
    }

    /// Reads `value` as this extension (by its type) and applies its own consistency rules.
    pub fn validate(&self, value: &Value) -> Result<(), ExtensionError> {
        let problems = (self.check)(value, None);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ExtensionError {
                extension: self.name,
                problems,
            })
        }
    }

    /// Where it belongs, for people: "a Server Object or an Operation Object".
    pub fn placement(&self) -> String {
        let names: Vec<String> = self
            .on
            .iter()
            .map(|o| {
                let article = if o.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {o} Object")
            })
            .collect();
        names.join(" or ")
    }
}

impl fmt::Debug for ExtensionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtensionInfo")
            .field("name", &self.name)
            .field("on", &self.on)
            .finish_non_exhaustive()
    }
}

#[cfg(not(feature = "derive-schemas"))]
const fn entry<T: InContext>() -> ExtensionInfo {
    ExtensionInfo {
        name: T::NAME,
        on: T::ON,
        schema: schema_for::<T>,
        check: check_as::<T>,
    }
}

#[cfg(feature = "derive-schemas")]
const fn entry<T: InContext + schemars::JsonSchema>() -> ExtensionInfo {
    ExtensionInfo {
        name: T::NAME,
        on: T::ON,
        schema: schema_for::<T>,
        derived: derived_schema_for::<T>,
        check: check_as::<T>,
    }
}

static EXTENSIONS: [ExtensionInfo; 10] = [
    entry::<Signature>(),
    entry::<Jwt>(),
    entry::<BodyToken>(),
    entry::<Dispatch>(),
    entry::<Topic>(),
    entry::<TokenExpiry>(),
    entry::<Reconnect>(),
    entry::<Heartbeat>(),
    entry::<Delivery>(),
    entry::<Reply>(),
];

/// Every extension, in the order of specs/README.md.
pub fn registry() -> &'static [ExtensionInfo] {
    &EXTENSIONS
}

/// The extension named `name` (the full field name, `x-asyncgen-...`).
pub fn lookup(name: &str) -> Option<&'static ExtensionInfo> {
    EXTENSIONS.iter().find(|e| e.name == name)
}

fn check_as<T: InContext>(value: &Value, cx: Option<&Cx<'_>>) -> Vec<Problem> {
    let parsed = match read::read::<T>(value) {
        Ok(parsed) => parsed,
        Err(p) => return vec![p],
    };
    let mut problems = parsed.problems();
    if let Some(cx) = cx {
        problems.extend(parsed.problems_in(cx));
    }
    problems
}

/// The most similar candidate, if any is close enough to be a likely typo.
pub(crate) fn closest<'c>(
    name: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    // Case-insensitive: `get` for `GET` is the commonest slip.
    let name = name.to_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&c.to_lowercase(), &name), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Checks the `x-` field `key` at `at`, found on an object the walker knows as `context` (the
/// specification's object name, e.g. "Security Scheme", "Message", "Server", "Operation", or
/// "Schema"): what is wrong with it, located. The caller skips fields outside the
/// `x-asyncgen-` namespace ([`in_namespace`]), which belong to others.
pub(crate) fn check(
    ws: &Workspace,
    context: &str,
    file: FileId,
    at: &Pointer,
    key: &str,
    value: &Value,
) -> Vec<Diagnostic> {
    let Some(ext) = lookup(key) else {
        return vec![unknown(ws, file, at, key)];
    };
    if !ext.allowed_on(context) {
        let msg = format!("`{key}` has no meaning on a {context} Object and is ignored");
        let mut d = ws.diag(Code::MisplacedExtension, msg, file, at.clone());
        d.location.at_key = true;
        d.help = Some(format!("`{key}` belongs on {}", ext.placement()));
        return vec![d];
    }
    let cx = at.parent().and_then(|pointer| {
        let object = pointer.lookup(ws.file(file).value.as_ref()?)?.as_object()?;
        Some(Cx {
            ws,
            file,
            pointer,
            object,
        })
    });
    let problems = (ext.check)(value, cx.as_ref());
    problems
        .into_iter()
        .map(|p| {
            let ptr = p.path.tokens().fold(at.clone(), |ptr, t| ptr.push(&t));
            let message = format!("`{key}`: {}", p.message);
            let mut d = ws.diag(Code::InvalidExtension, message, file, ptr);
            d.location.at_key = p.at_key;
            d.help = p.help;
            d
        })
        .collect()
}

/// Whether `key` is meant as one of ours: case-insensitive and with any separator, so that
/// `x-AsyncGen-dispatch` or `x-asyncgen_dispatch` are reported as typos instead of silently
/// ignored, while `x-asyncgenerator` (another word) is left alone.
pub(crate) fn in_namespace(key: &str) -> bool {
    let namespace = PREFIX.trim_end_matches('-');
    key.get(..namespace.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(namespace))
        && key[namespace.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric())
}

fn unknown(ws: &Workspace, file: FileId, at: &Pointer, key: &str) -> Diagnostic {
    // Compare what follows the prefix: every name shares the prefix, which would make all of
    // them look close.
    let typed = key.get(PREFIX.len()..).unwrap_or("");
    let suffixes = EXTENSIONS
        .iter()
        .map(|e| e.name.get(PREFIX.len()..).unwrap_or(e.name));
    let near = closest(typed, suffixes).map(|s| format!("{PREFIX}{s}"));
    let msg = format!("unknown extension `{key}`; it is ignored");
    let mut d = ws.diag(Code::UnknownExtension, msg, file, at.clone());
    d.location.at_key = true;
    d.help = Some(match near {
        Some(name) => format!("did you mean `{name}`?"),
        None => {
            let names: Vec<&str> = EXTENSIONS.iter().map(|e| e.name).collect();
            format!("the asyncgen extensions are: {}", names.join(", "))
        }
    });
    d
}
