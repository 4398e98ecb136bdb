//! `x-asyncgen-signature`: an HMAC of the raw body in a header (Dialer.CX).
//!
//! A security scheme can say that a header carries a key, not that the header's value is a MAC
//! of the body; this extension says with which algorithm, encoding and signed content.

use serde::{Deserialize, Serialize};

use super::{Cx, Duration, Extension, InContext, Problem, rel};

/// An HMAC of the raw request body, carried in the header named by the security scheme's `name`.
/// The receiver recomputes it over the exact bytes received and compares in constant time; a
/// sender computes it the same way. The key is the webhook's shared secret, supplied at run time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Signature {
    /// The MAC algorithm.
    pub algorithm: SignatureAlgorithm,
    /// How the MAC bytes are written in the header (hex is lowercase).
    pub encoding: SignatureEncoding,
    /// Literal text before each encoded MAC, e.g. `sha256=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The provider also signs a timestamp sent in another header (replay protection). Without
    /// it, the MAC is over the raw body alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<SignatureTimestamp>,
    /// The header may hold several signatures separated by this string (key rotation); the
    /// request is valid if any one of them matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
}

/// The MAC algorithm of a body signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
pub enum SignatureAlgorithm {
    /// HMAC with SHA-256 (RFC 2104), keyed with the shared secret.
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
}

/// How the MAC bytes of a body signature are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SignatureEncoding {
    /// Lowercase hexadecimal, two digits per byte.
    Hex,
    /// Standard base64 with padding (RFC 4648 section 4).
    Base64,
}

/// A signed timestamp sent alongside a body signature, for replay protection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignatureTimestamp {
    /// The header carrying the timestamp (Unix seconds).
    pub header: String,
    /// Maximum age, in either direction, of an accepted timestamp.
    #[serde(default = "default_tolerance")]
    pub tolerance: Duration,
    /// What is signed: a template over `{timestamp}` (the header's value) and `{body}` (the
    /// raw body bytes).
    #[serde(default = "default_signed_payload")]
    pub signed_payload: String,
}

fn default_tolerance() -> Duration {
    Duration::secs(300)
}

fn default_signed_payload() -> String {
    "{timestamp}.{body}".to_owned()
}

/// A piece of [`SignatureTimestamp::signed_payload`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedPart<'a> {
    Literal(&'a str),
    Timestamp,
    Body,
}

impl SignatureTimestamp {
    /// The signed payload template in order; `None` if it is malformed (which validation
    /// reports, so a loaded document never gives `None`).
    pub fn signed_parts(&self) -> Option<Vec<SignedPart<'_>>> {
        split_template(&self.signed_payload).ok()
    }
}

fn split_template(template: &str) -> Result<Vec<SignedPart<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                parts.push(SignedPart::Literal(rest));
                break;
            }
            Some(i) if rest[i..].starts_with('}') => {
                return Err(format!("`}}` without a matching `{{` in `{template}`"));
            }
            Some(i) => {
                if i > 0 {
                    parts.push(SignedPart::Literal(&rest[..i]));
                }
                let Some(len) = rest[i..].find('}') else {
                    return Err(format!("`{{` without a matching `}}` in `{template}`"));
                };
                let name = &rest[i + 1..i + len];
                parts.push(match name {
                    "timestamp" => SignedPart::Timestamp,
                    "body" => SignedPart::Body,
                    other => {
                        return Err(format!(
                            "unknown placeholder `{{{other}}}`; the placeholders are `{{timestamp}}` and `{{body}}`"
                        ));
                    }
                });
                rest = &rest[i + len + 1..];
            }
        }
    }
    Ok(parts)
}

impl Extension for Signature {
    const NAME: &'static str = "x-asyncgen-signature";
    const ON: &'static [&'static str] = &["Security Scheme"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.separator.as_deref() == Some("") {
            out.push(Problem::value(
                rel(&["separator"]),
                "`separator` is empty; give the text between signatures, e.g. \" \" or \",\"",
            ));
        }
        if let Some(ts) = &self.timestamp {
            if ts.header.trim().is_empty() {
                out.push(Problem::value(
                    rel(&["timestamp", "header"]),
                    "`timestamp.header` is empty; name the header that carries the timestamp",
                ));
            }
            if ts.tolerance.is_zero() {
                out.push(Problem::value(
                    rel(&["timestamp", "tolerance"]),
                    "`timestamp.tolerance` must be longer than 0: a zero tolerance rejects every request",
                ));
            }
            match split_template(&ts.signed_payload) {
                Err(why) => out.push(Problem::value(
                    rel(&["timestamp", "signedPayload"]),
                    format!("`timestamp.signedPayload` is not a valid template: {why}"),
                )),
                Ok(parts) if !parts.contains(&SignedPart::Body) => out.push(
                    Problem::value(
                        rel(&["timestamp", "signedPayload"]),
                        format!(
                            "`timestamp.signedPayload` `{}` does not include `{{body}}`: the signature would not cover the message",
                            ts.signed_payload
                        ),
                    )
                    .with_help("e.g. \"{timestamp}.{body}\""),
                ),
                Ok(_) => {}
            }
        }
        out
    }
}

impl InContext for Signature {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let ty = cx.str_field("type");
        let location = cx.str_field("in");
        if ty == Some("httpApiKey") && location == Some("header") {
            return Vec::new();
        }
        vec![
            Problem::whole(format!(
                "`{}` needs a security scheme of `type: httpApiKey` with `in: header` (whose `name` is the signature header), found {}",
                Self::NAME,
                cx.describe_fields(&["type", "in"]),
            ))
            .with_help("write the scheme as `type: httpApiKey`, `in: header`, `name: <signature header>`"),
        ]
    }
}
