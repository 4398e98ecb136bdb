//! The grammar of a body signature (`x-asyncgen-signature`), defined once: its algorithms,
//! encodings, signed-payload template and defaults. The spec validator, the generators, the
//! runtime verifier and the sender all read it from here, so that they cannot disagree about
//! what a document means, and an algorithm added here fails to compile until every `match` on
//! it (generator, verifier, signer) handles it.

/// The MAC algorithm of a body signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SignatureAlgorithm {
    /// HMAC with SHA-256 (RFC 2104), keyed with the shared secret.
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha256"))]
    HmacSha256,
    /// HMAC with SHA-1, keyed with the shared secret: only for providers that still sign with it
    /// (Twilio, GitHub's legacy `X-Hub-Signature`).
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha1"))]
    HmacSha1,
    /// HMAC with SHA-512, keyed with the shared secret.
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha512"))]
    HmacSha512,
}

impl SignatureAlgorithm {
    /// Every algorithm, in the order documentation lists them.
    pub const ALL: &'static [SignatureAlgorithm] = &[
        SignatureAlgorithm::HmacSha256,
        SignatureAlgorithm::HmacSha1,
        SignatureAlgorithm::HmacSha512,
    ];

    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "hmac-sha256",
            SignatureAlgorithm::HmacSha1 => "hmac-sha1",
            SignatureAlgorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The length of the MAC in bytes: a decoded signature of any other length never verifies.
    pub const fn mac_len(self) -> usize {
        match self {
            SignatureAlgorithm::HmacSha256 => 32,
            SignatureAlgorithm::HmacSha1 => 20,
            SignatureAlgorithm::HmacSha512 => 64,
        }
    }
}

/// How the MAC bytes of a body signature are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SignatureEncoding {
    /// Lowercase hexadecimal, two digits per byte.
    Hex,
    /// Standard base64 with padding (RFC 4648 section 4).
    Base64,
    /// URL-safe base64 (RFC 4648 section 5): `-` and `_` for `+` and `/`, written without
    /// padding.
    Base64url,
}

impl SignatureEncoding {
    /// Every encoding, in the order documentation lists them.
    pub const ALL: &'static [SignatureEncoding] = &[
        SignatureEncoding::Hex,
        SignatureEncoding::Base64,
        SignatureEncoding::Base64url,
    ];

    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureEncoding::Hex => "hex",
            SignatureEncoding::Base64 => "base64",
            SignatureEncoding::Base64url => "base64url",
        }
    }
}

/// What is signed when the document names no template: the timestamp, a dot, the body.
pub const DEFAULT_SIGNED_PAYLOAD: &str = "{timestamp}.{body}";

/// The largest accepted clock difference, in seconds, when the document names none.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// What is signed when there is no timestamp: the raw body alone.
pub const BODY_ONLY: &[SignedPart<'static>] = &[SignedPart::Body];

/// A piece of a signed-payload template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedPart<'a> {
    /// Text signed as written.
    Literal(&'a str),
    /// `{timestamp}`: the timestamp header's value as received.
    Timestamp,
    /// `{body}`: the raw body bytes.
    Body,
}

/// Why a signed-payload template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("`}}` without a matching `{{` in `{0}`")]
    UnmatchedClose(String),
    #[error("`{{` without a matching `}}` in `{0}`")]
    UnmatchedOpen(String),
    #[error("unknown placeholder `{{{0}}}`; the placeholders are `{{timestamp}}` and `{{body}}`")]
    UnknownPlaceholder(String),
    /// The MAC would not cover the message.
    #[error("`{0}` does not include `{{body}}`: the signature would not cover the message")]
    NoBody(String),
    /// The timestamp would not be signed, so a tolerance would be enforced on a value anyone
    /// on the path can rewrite.
    #[error(
        "`{0}` does not include `{{timestamp}}`: the timestamp would not be signed, so anyone can replace it"
    )]
    NoTimestamp(String),
}

/// Splits a template such as `v0:{timestamp}:{body}` into its parts; only its syntax is
/// checked (see [`signed_parts`] for what a usable template must contain).
pub fn parse_template(template: &str) -> Result<Vec<SignedPart<'_>>, TemplateError> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                parts.push(SignedPart::Literal(rest));
                break;
            }
            Some(i) if rest[i..].starts_with('}') => {
                return Err(TemplateError::UnmatchedClose(template.to_owned()));
            }
            Some(i) => {
                if i > 0 {
                    parts.push(SignedPart::Literal(&rest[..i]));
                }
                let Some(len) = rest[i..].find('}') else {
                    return Err(TemplateError::UnmatchedOpen(template.to_owned()));
                };
                parts.push(match &rest[i + 1..i + len] {
                    "timestamp" => SignedPart::Timestamp,
                    "body" => SignedPart::Body,
                    other => return Err(TemplateError::UnknownPlaceholder(other.to_owned())),
                });
                rest = &rest[i + len + 1..];
            }
        }
    }
    Ok(parts)
}

/// The parts of the signed payload of a timestamped signature: the template must parse and
/// sign both the body and the timestamp, or the signature protects neither the message nor
/// against replay.
pub fn signed_parts(template: &str) -> Result<Vec<SignedPart<'_>>, TemplateError> {
    let parts = parse_template(template)?;
    if !parts.contains(&SignedPart::Body) {
        return Err(TemplateError::NoBody(template.to_owned()));
    }
    if !parts.contains(&SignedPart::Timestamp) {
        return Err(TemplateError::NoTimestamp(template.to_owned()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_parts() {
        assert_eq!(
            parse_template("v0:{timestamp}:{body}").unwrap(),
            [
                SignedPart::Literal("v0:"),
                SignedPart::Timestamp,
                SignedPart::Literal(":"),
                SignedPart::Body
            ]
        );
        assert_eq!(parse_template("").unwrap(), []);
        assert_eq!(
            parse_template("{body}").unwrap(),
            [SignedPart::Body],
            "a placeholder at the end leaves no empty literal"
        );
    }

    #[test]
    fn malformed_templates_say_why() {
        assert_eq!(
            parse_template("{nope}"),
            Err(TemplateError::UnknownPlaceholder("nope".into()))
        );
        assert_eq!(
            parse_template("x{body"),
            Err(TemplateError::UnmatchedOpen("x{body".into()))
        );
        assert_eq!(
            parse_template("body}"),
            Err(TemplateError::UnmatchedClose("body}".into()))
        );
    }

    #[test]
    fn a_usable_template_signs_body_and_timestamp() {
        assert_eq!(
            signed_parts(DEFAULT_SIGNED_PAYLOAD).unwrap(),
            [
                SignedPart::Timestamp,
                SignedPart::Literal("."),
                SignedPart::Body
            ]
        );
        assert_eq!(
            signed_parts("{timestamp}"),
            Err(TemplateError::NoBody("{timestamp}".into()))
        );
        assert_eq!(
            signed_parts("v1.{body}"),
            Err(TemplateError::NoTimestamp("v1.{body}".into()))
        );
        assert_eq!(
            signed_parts("{nope}"),
            Err(TemplateError::UnknownPlaceholder("nope".into()))
        );
    }

    #[test]
    fn names_are_what_documents_write() {
        assert_eq!(SignatureAlgorithm::HmacSha256.name(), "hmac-sha256");
        assert_eq!(SignatureAlgorithm::HmacSha256.mac_len(), 32);
        assert_eq!(SignatureAlgorithm::HmacSha1.name(), "hmac-sha1");
        assert_eq!(SignatureAlgorithm::HmacSha1.mac_len(), 20);
        assert_eq!(SignatureAlgorithm::HmacSha512.name(), "hmac-sha512");
        assert_eq!(SignatureAlgorithm::HmacSha512.mac_len(), 64);
        assert_eq!(SignatureEncoding::Hex.name(), "hex");
        assert_eq!(SignatureEncoding::Base64.name(), "base64");
        assert_eq!(SignatureEncoding::Base64url.name(), "base64url");
        assert_eq!(SignatureAlgorithm::ALL.len(), 3);
        assert_eq!(SignatureEncoding::ALL.len(), 3);
    }

    #[test]
    fn serde_spells_each_name() {
        for a in SignatureAlgorithm::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.name());
            let back: SignatureAlgorithm = serde_json::from_value(a.name().into()).unwrap();
            assert_eq!(back, *a);
        }
        for e in SignatureEncoding::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.name());
            let back: SignatureEncoding = serde_json::from_value(e.name().into()).unwrap();
            assert_eq!(back, *e);
        }
    }
}
