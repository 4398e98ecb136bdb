//! `path` fields: RFC 6901 JSON pointers into a message payload.
//!
//! A newtype rather than a `String` so that a malformed pointer is rejected while the extension
//! is read (with the reason), and generators get the unescaped tokens without re-parsing.

use std::borrow::Cow;
use std::fmt;

#[cfg(feature = "derive-schemas")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::pointer::{Pointer, PointerError};

/// A JSON pointer into the message payload, starting with `/` (e.g. `/payload/event`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayloadPointer(Pointer);

/// Why a text is not a payload pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadPointerError {
    #[error("an empty path would be the whole payload; name a property, e.g. \"/auth_token\"")]
    Empty,
    #[error("`{0}` is not a JSON pointer: it must start with `/`, e.g. \"/{0}\"")]
    NoLeadingSlash(String),
    #[error("`{0}` is not a JSON pointer: `~` must be followed by `0` (for `~`) or `1` (for `/`)")]
    BadEscape(String),
}

impl PayloadPointer {
    pub fn parse(text: &str) -> Result<Self, PayloadPointerError> {
        if text.is_empty() {
            return Err(PayloadPointerError::Empty);
        }
        match Pointer::from_escaped(text) {
            Ok(p) => Ok(PayloadPointer(p)),
            Err(PointerError::NoLeadingSlash) => {
                Err(PayloadPointerError::NoLeadingSlash(text.to_owned()))
            }
            Err(PointerError::BadEscape) => Err(PayloadPointerError::BadEscape(text.to_owned())),
        }
    }

    pub fn pointer(&self) -> &Pointer {
        &self.0
    }

    /// The escaped form as written (`/a~1b`).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The unescaped property names, outermost first.
    pub fn tokens(&self) -> impl Iterator<Item = Cow<'_, str>> + '_ {
        self.0.tokens()
    }

    /// Looks the pointer up in a payload.
    pub fn lookup<'v>(&self, payload: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        self.0.lookup(payload)
    }
}

impl fmt::Display for PayloadPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for PayloadPointer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PayloadPointer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = PayloadPointer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON pointer into the payload, such as \"/payload/event\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PayloadPointer, E> {
                PayloadPointer::parse(v).map_err(E::custom)
            }
        }

        d.deserialize_str(Visitor)
    }
}

#[cfg(feature = "derive-schemas")]
impl JsonSchema for PayloadPointer {
    fn schema_name() -> Cow<'static, str> {
        "PayloadPointer".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^(/([^~/]|~[01])*)+$",
            "description": "An RFC 6901 JSON pointer into the message payload, starting with `/` (e.g. \"/payload/event\").",
        })
    }
}
