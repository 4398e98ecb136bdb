//! `x-asyncgen-jwt`: the message body is a JWT whose claims are the payload (Dialpad webhooks).
//!
//! `contentType` names a media type, not a signed wrapper with a key, and the `http` bearer
//! scheme assumes an `Authorization` header; this extension says the whole body is the token.

use serde::{Deserialize, Serialize};

use super::{Cx, Extension, InContext, Problem};

/// The message body is a JWT (compact serialization) whose claims are the payload: the receiver
/// verifies the signature with the shared secret, then reads the claims as the message payload.
/// Unlike a bearer token, the JWT is the whole request body, not an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Jwt {
    /// The JWS algorithm; only HS256 (HMAC-SHA256 with the shared secret) is defined.
    pub algorithm: JwtAlgorithm,
    /// What the JWT claims set is: the message payload, validated against the message's payload
    /// schema.
    #[serde(default)]
    pub claims: JwtClaims,
    /// `true`: the provider sends the payload as plain JSON when no secret is configured. A
    /// receiver configured with a secret then accepts only a JWT that verifies; one configured
    /// without a secret accepts only plain JSON. A body whose first non-whitespace byte is `{`
    /// is JSON, otherwise it is a JWT.
    #[serde(default)]
    pub optional: bool,
    /// Where the shared secret comes from (text for generated docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The JWS algorithm of a JWT-encoded payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 keyed with the shared secret (RFC 7518 section 3.2).
    #[serde(rename = "HS256")]
    Hs256,
}

/// What the claims of a JWT-encoded payload are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum JwtClaims {
    /// The claims set is the message payload.
    #[default]
    Payload,
}

impl Extension for Jwt {
    const NAME: &'static str = "x-asyncgen-jwt";
    const ON: &'static [&'static str] = &["Security Scheme"];
}

impl InContext for Jwt {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        // RFC 7235: authentication scheme names are case-insensitive.
        let bearer = cx
            .str_field("scheme")
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer"));
        if cx.str_field("type") == Some("http") && bearer {
            return Vec::new();
        }
        vec![
            Problem::whole(format!(
                "`{}` needs a security scheme of `type: http` with `scheme: bearer`, found {}",
                Self::NAME,
                cx.describe_fields(&["type", "scheme"]),
            ))
            .with_help("write the scheme as `type: http`, `scheme: bearer`, `bearerFormat: JWT`"),
        ]
    }
}
