//! `x-asyncgen-signature`: an HMAC of the raw body in a header (Dialer.CX).
//!
//! A security scheme can say that a header carries a key, not that the header's value is a MAC
//! of the body; this extension says with which algorithm, encoding and signed content.

use serde::{Deserialize, Serialize};

use asyncgen_signature::TemplateError;
pub use asyncgen_signature::{SignatureAlgorithm, SignatureEncoding, SignedPart};

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
    Duration::secs(asyncgen_signature::DEFAULT_TOLERANCE_SECS)
}

fn default_signed_payload() -> String {
    asyncgen_signature::DEFAULT_SIGNED_PAYLOAD.to_owned()
}

impl SignatureTimestamp {
    /// The signed payload template in order; `None` if it is unusable (which validation
    /// reports, so a loaded document never gives `None`).
    pub fn signed_parts(&self) -> Option<Vec<SignedPart<'_>>> {
        asyncgen_signature::signed_parts(&self.signed_payload).ok()
    }
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
            if let Err(why) = asyncgen_signature::signed_parts(&ts.signed_payload) {
                out.push(signed_payload_problem(&why));
            }
        }
        out
    }
}

/// Exhaustive over the grammar's refusals, so a new one cannot reach users without a message.
fn signed_payload_problem(why: &TemplateError) -> Problem {
    let at = rel(&["timestamp", "signedPayload"]);
    match why {
        TemplateError::UnmatchedClose(_)
        | TemplateError::UnmatchedOpen(_)
        | TemplateError::UnknownPlaceholder(_) => Problem::value(
            at,
            format!("`timestamp.signedPayload` is not a valid template: {why}"),
        ),
        TemplateError::NoBody(_) | TemplateError::NoTimestamp(_) => {
            Problem::value(at, format!("`timestamp.signedPayload` {why}"))
                .with_help("e.g. \"{timestamp}.{body}\"")
        }
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
