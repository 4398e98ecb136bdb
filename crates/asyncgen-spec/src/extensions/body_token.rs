//! `x-asyncgen-body-token`: a shared token inside the message body (Dial 9).
//!
//! No AsyncAPI security scheme can be located in the payload (`httpApiKey.in` allows only
//! `query`, `header` and `cookie`), so the scheme keeps its standard shape and this extension
//! gives the real location.

use serde::{Deserialize, Serialize};

use super::{Cx, Extension, InContext, PayloadPointer, Problem, rel};

/// A shared token travels inside the message body: the receiver compares it in constant time
/// with its configured token, and a sender fills it in. Overrides the scheme's `in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BodyToken {
    /// Location of the token in the payload, e.g. `/auth_token`. The payload schema must declare
    /// a string property there.
    pub path: PayloadPointer,
}

impl Extension for BodyToken {
    const NAME: &'static str = "x-asyncgen-body-token";
    const ON: &'static [&'static str] = &["Security Scheme"];
}

impl InContext for BodyToken {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        if cx.str_field("type") == Some("httpApiKey") {
            return self.payload_problems(cx);
        }
        vec![
            Problem::whole(format!(
                "`{}` needs a security scheme of `type: httpApiKey`, found {}",
                Self::NAME,
                cx.describe_fields(&["type"]),
            ))
            .with_help(
                "write the scheme as `type: httpApiKey`, `in: header`, `name: <body property>`",
            ),
        ]
    }
}

impl BodyToken {
    /// Every message under this scheme must declare a string at `path`, or a receiver would
    /// look for the token where none can be.
    fn payload_problems(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let mut missing = Vec::new();
        let mut not_string = Vec::new();
        for m in cx.messages_secured_here() {
            let declared = m
                .value
                .get("payload")
                .and_then(|p| cx.schema_at(m.at.file, p, &self.path));
            match declared {
                None => missing.push(format!("`{}`", m.name())),
                Some(schema) if !is_string(schema) => not_string.push(format!("`{}`", m.name())),
                Some(_) => {}
            }
        }
        let mut out = Vec::new();
        let property = self
            .path
            .tokens()
            .last()
            .map(|t| t.into_owned())
            .unwrap_or_default();
        if !missing.is_empty() {
            out.push(
                Problem::value(
                    rel(&["path"]),
                    format!(
                        "the payload of message {} under this scheme declares no property at `{}`",
                        missing.join(", "),
                        self.path
                    ),
                )
                .with_help(format!(
                    "declare `{property}` (`type: string`) in the payload schema, or correct `path`"
                )),
            );
        }
        if !not_string.is_empty() {
            out.push(Problem::value(
                rel(&["path"]),
                format!(
                    "the payload of message {} declares `{}` without `type: string`",
                    not_string.join(", "),
                    self.path
                ),
            ));
        }
        out
    }
}

fn is_string(schema: &serde_json::Value) -> bool {
    match schema.get("type") {
        Some(serde_json::Value::String(t)) => t == "string",
        Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}
