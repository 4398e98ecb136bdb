//! `x-asyncgen-dispatch`: how a receiver recognises a message when the key cannot be derived
//! from a top-level `const` (Dialpad: no discriminator; Dial 9: the constant is nested).
//!
//! AsyncAPI has no message-level discriminator, and a schema `discriminator` only names a
//! top-level property: it can express neither "recognised by the presence of properties" nor a
//! nested key.

#[cfg(feature = "derive-schemas")]
use std::borrow::Cow;
use std::fmt;

#[cfg(feature = "derive-schemas")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Cx, Extension, InContext, PayloadPointer, Problem, rel};

/// Tells a receiver which message a body is, when several messages arrive on one endpoint or
/// connection and the key cannot be derived from a top-level `const`. Exactly one of three
/// forms: `present`, `path` with `equals`, or `header` with `equals` (webhooks whose provider
/// names the event type in a request header). The rules of messages handled together must be
/// disjoint; a body matched by no rule is an unknown message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[cfg_attr(feature = "derive-schemas", schemars(extend("oneOf" = [
    {
        "required": ["present"],
        "not": {"anyOf": [{"required": ["path"]}, {"required": ["equals"]}]}
    },
    {
        "required": ["path", "equals"],
        "not": {"anyOf": [{"required": ["present"]}, {"required": ["header"]}]}
    },
    {
        "required": ["header", "equals"],
        "not": {"anyOf": [{"required": ["present"]}, {"required": ["path"]}]}
    }
])))]
pub struct Dispatch {
    /// The message is recognised when every listed top-level payload property is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "derive-schemas", schemars(length(min = 1)))]
    pub present: Option<Vec<String>>,
    /// The message is recognised when the value at this JSON pointer into the payload equals
    /// `equals`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PayloadPointer>,
    /// The webhook request header whose value identifies the message (`X-GitHub-Event`), compared
    /// with `equals` as text; names match without regard to case. Webhook endpoints only: a
    /// websocket frame has no headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "derive-schemas",
        schemars(regex(pattern = r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$"))
    )]
    pub header: Option<String>,
    /// The value that identifies the message at `path` or in `header`. If the payload schema has
    /// a `const` at `path`, this must equal it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<DispatchValue>,
}

/// A rule of [`Dispatch`] in the form a generator matches on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DispatchRule<'a> {
    /// Every one of these top-level properties is present.
    Present(&'a [String]),
    /// The value at `path` equals `value`.
    Equals {
        path: &'a PayloadPointer,
        value: &'a DispatchValue,
    },
    /// The request header `name` has the value `value` (as text).
    Header {
        name: &'a str,
        value: &'a DispatchValue,
    },
}

impl Dispatch {
    /// The rule; `None` only for a value that failed validation (never for a loaded document).
    pub fn rule(&self) -> Option<DispatchRule<'_>> {
        match (&self.present, &self.path, &self.header, &self.equals) {
            (Some(present), None, None, None) if !present.is_empty() => {
                Some(DispatchRule::Present(present))
            }
            (None, Some(path), None, Some(value)) => Some(DispatchRule::Equals { path, value }),
            (None, None, Some(name), Some(value)) if is_header_name(name) => {
                Some(DispatchRule::Header { name, value })
            }
            _ => None,
        }
    }
}

/// The scalar a [`Dispatch`] rule compares with: a string, number or boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchValue {
    String(String),
    Number(serde_json::Number),
    Bool(bool),
}

/// An HTTP field name (RFC 9110 `token`).
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl DispatchValue {
    /// The value as a header carries it: a string as itself, a number or boolean as JSON writes
    /// it.
    pub fn as_text(&self) -> String {
        match self {
            DispatchValue::String(s) => s.clone(),
            other => other.to_value().to_string(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            DispatchValue::String(s) => Value::String(s.clone()),
            DispatchValue::Number(n) => Value::Number(n.clone()),
            DispatchValue::Bool(b) => Value::Bool(*b),
        }
    }

    /// Whether a payload value is this one; numbers compare by value (`1` equals `1.0`).
    pub fn matches(&self, v: &Value) -> bool {
        match (self, v) {
            (DispatchValue::String(a), Value::String(b)) => a == b,
            (DispatchValue::Bool(a), Value::Bool(b)) => a == b,
            (DispatchValue::Number(a), Value::Number(b)) => {
                a == b || (a.as_f64().is_some() && a.as_f64() == b.as_f64())
            }
            _ => false,
        }
    }
}

impl fmt::Display for DispatchValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DispatchValue::String(s) => write!(f, "{s:?}"),
            DispatchValue::Number(n) => write!(f, "{n}"),
            DispatchValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Serialize for DispatchValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for DispatchValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A hand-written visitor instead of `#[serde(untagged)]`, whose error ("did not match
        // any variant") would not say what is accepted.
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = DispatchValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DispatchValue, E> {
                Ok(DispatchValue::String(v.to_owned()))
            }

            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<DispatchValue, E> {
                Ok(DispatchValue::Bool(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DispatchValue, E> {
                Ok(DispatchValue::Number(v.into()))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DispatchValue, E> {
                Ok(DispatchValue::Number(v.into()))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DispatchValue, E> {
                serde_json::Number::from_f64(v)
                    .map(DispatchValue::Number)
                    .ok_or_else(|| E::custom(format!("{v} is not a finite number")))
            }
        }

        d.deserialize_any(Visitor)
    }
}

#[cfg(feature = "derive-schemas")]
impl JsonSchema for DispatchValue {
    fn schema_name() -> Cow<'static, str> {
        "DispatchValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "The value at `path` that identifies the message.",
        })
    }
}

impl Extension for Dispatch {
    const NAME: &'static str = "x-asyncgen-dispatch";
    const ON: &'static [&'static str] = &["Message"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let forms = "keep one of `present`, `path` with `equals`, or `header` with `equals`";
        match (&self.present, &self.path, &self.header, &self.equals) {
            (None, None, None, None) => out.push(
                Problem::whole(format!(
                    "`{}` needs a rule: `present` (a list of top-level properties), `path` with `equals`, or `header` with `equals`",
                    Self::NAME
                ))
                .with_help("e.g. `present: [call_id]`, `path: /payload/event` with `equals: CallProcessed`, or `header: X-GitHub-Event` with `equals: push`"),
            ),
            (Some(_), path, header, equals) if path.is_some() || header.is_some() || equals.is_some() => {
                let other = if path.is_some() {
                    "path"
                } else if header.is_some() {
                    "header"
                } else {
                    "equals"
                };
                out.push(
                    Problem::key(
                        rel(&[other]),
                        format!("`{other}` cannot be combined with `present`: a rule has one form"),
                    )
                    .with_help(forms),
                );
            }
            (None, Some(_), Some(_), _) => out.push(
                Problem::key(
                    rel(&["header"]),
                    "`header` cannot be combined with `path`: a rule compares one value",
                )
                .with_help(forms),
            ),
            (None, Some(_), None, None) => out.push(Problem::key(
                rel(&["path"]),
                "`path` needs `equals`: the value at `path` that identifies this message",
            )),
            (None, None, Some(_), None) => out.push(Problem::key(
                rel(&["header"]),
                "`header` needs `equals`: the header's value that identifies this message",
            )),
            (None, None, None, Some(_)) => out.push(Problem::key(
                rel(&["equals"]),
                "`equals` needs `path` or `header`: where the compared value is",
            )),
            _ => {}
        }
        if let Some(name) = &self.header
            && !is_header_name(name)
        {
            out.push(Problem::value(
                rel(&["header"]),
                format!(
                    "`{name}` is not an HTTP header name (letters, digits and `!#$%&'*+-.^_`|~`)"
                ),
            ));
        }
        if let Some(present) = &self.present {
            if present.is_empty() {
                out.push(Problem::value(
                    rel(&["present"]),
                    "`present` is empty; list at least one top-level payload property",
                ));
            }
            for (i, name) in present.iter().enumerate() {
                if name.is_empty() {
                    out.push(Problem::value(
                        rel(&["present"]).push_index(i),
                        "a property name in `present` is empty",
                    ));
                }
            }
        }
        out
    }
}

impl InContext for Dispatch {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let mut out = self.duplicates(cx);
        out.extend(self.const_mismatch(cx));
        out
    }
}

impl Dispatch {
    /// Two messages with the same rule could never be told apart. The loader cannot know which
    /// messages one receiver handles together (that is the generator's view), so it compares
    /// all messages of the document: the same rule twice is a mistake wherever it occurs.
    fn duplicates(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let Some(mine) = self.rule() else {
            return Vec::new();
        };
        let here = cx.here();
        let mut out = Vec::new();
        for m in cx.messages() {
            if m.at == here {
                continue;
            }
            let other = m.value.as_object().and_then(super::get::<Dispatch>);
            let Some(Ok(other)) = other else {
                continue;
            };
            if other.rule().is_some_and(|theirs| same_rule(mine, theirs)) {
                let field = if self.present.is_some() {
                    "present"
                } else {
                    "equals"
                };
                out.push(
                    Problem::value(
                        rel(&[field]),
                        format!(
                            "message `{}` has the same rule, so a receiver could not tell the two apart",
                            m.name()
                        ),
                    )
                    .with_help("make the rules disjoint, e.g. name a property only this message has"),
                );
            }
        }
        out
    }

    fn const_mismatch(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let (Some(path), Some(equals)) = (&self.path, &self.equals) else {
            return Vec::new();
        };
        let Some(payload) = cx.object.get("payload") else {
            return Vec::new();
        };
        let Some(constant) = cx.schema_const_at(payload, path) else {
            return Vec::new();
        };
        if equals.matches(constant) {
            return Vec::new();
        }
        vec![Problem::value(
            rel(&["equals"]),
            format!(
                "`equals` is {equals}, but the payload schema fixes `{path}` to {constant} (`const`)",
            ),
        )
        .with_help(format!("write `equals: {constant}`"))]
    }
}

fn same_rule(a: DispatchRule<'_>, b: DispatchRule<'_>) -> bool {
    match (a, b) {
        (DispatchRule::Present(x), DispatchRule::Present(y)) => {
            let xs: std::collections::BTreeSet<&String> = x.iter().collect();
            let ys: std::collections::BTreeSet<&String> = y.iter().collect();
            xs == ys
        }
        (
            DispatchRule::Equals { path: p, value: v },
            DispatchRule::Equals { path: q, value: w },
        ) => p == q && v.matches(&w.to_value()),
        (
            DispatchRule::Header { name: n, value: v },
            DispatchRule::Header { name: m, value: w },
        ) => n.eq_ignore_ascii_case(m) && v.as_text() == w.as_text(),
        _ => false,
    }
}
