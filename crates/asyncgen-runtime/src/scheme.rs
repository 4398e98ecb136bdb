//! The security schemes a spec's `x-asyncgen-signature`, `x-asyncgen-jwt` and
//! `x-asyncgen-body-token` extensions describe, as plain values generated code writes as
//! `const`s.
//!
//! They hold only what the spec says; secrets come at run time ([`crate::Secrets`]). Text
//! fields are `&'static str` so that every value here is `Copy` and can be built in a `const`
//! with the `const fn` builders (a spec's values are literals in generated code).

use std::time::Duration;

pub use asyncgen_signature::{SignatureAlgorithm, SignatureEncoding};

use crate::error::ConfigError;

/// One security scheme of a spec: its key under `components.securitySchemes` (which names the
/// environment variable its secrets are read from) and how it authenticates a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Security {
    /// The scheme's key in the spec, e.g. `webhookSignature`.
    pub key: &'static str,
    /// How a request proves it comes from the provider.
    pub scheme: Scheme,
}

impl Security {
    /// A scheme named `key` in the spec.
    pub const fn new(key: &'static str, scheme: Scheme) -> Self {
        Security { key, scheme }
    }

    /// The environment variable [`Secrets::from_env`](crate::Secrets::from_env) reads for this
    /// scheme: the key in UPPER_SNAKE_CASE (`webhookSignature` → `WEBHOOK_SIGNATURE`).
    pub fn env_var(&self) -> String {
        crate::secret::env_var_name(self.key)
    }
}

/// How a request proves it comes from the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// An HMAC of the raw body in a header (`x-asyncgen-signature`).
    Signature(SignatureScheme),
    /// The body is a JWT whose claims are the payload (`x-asyncgen-jwt`).
    Jwt(JwtScheme),
    /// A shared token inside the JSON body (`x-asyncgen-body-token`).
    BodyToken(BodyTokenScheme),
}

impl Scheme {
    /// Whether the scheme may run without a secret (only an `optional` JWT: the provider then
    /// sends plain JSON). Every other scheme without a secret is a configuration error, so that
    /// a receiver is never silently open.
    pub const fn is_optional(&self) -> bool {
        matches!(self, Scheme::Jwt(JwtScheme { optional: true }))
    }

    /// Checks what the type system cannot: header names, the signed-payload template, the
    /// token's JSON pointer. Verifiers and signers call it when they are built.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Scheme::Signature(s) => s.validate(),
            Scheme::Jwt(_) => Ok(()),
            Scheme::BodyToken(t) => t.validate(),
        }
    }
}

/// An HMAC of the raw request body carried in a header (`x-asyncgen-signature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureScheme {
    /// The header carrying the signature (the security scheme's `name`).
    pub header: &'static str,
    /// The MAC algorithm.
    pub algorithm: SignatureAlgorithm,
    /// How the MAC bytes are written in the header.
    pub encoding: SignatureEncoding,
    /// Literal text before each encoded MAC, e.g. `sha256=`.
    pub prefix: Option<&'static str>,
    /// A signed timestamp in another header (replay protection); `None`: the MAC covers the
    /// raw body alone.
    pub timestamp: Option<SignatureTimestamp>,
    /// The header may hold several signatures separated by this text (key rotation); one
    /// matching signature is enough.
    pub separator: Option<&'static str>,
}

impl SignatureScheme {
    /// HMAC-SHA256 of the raw body in `header`, without prefix, timestamp or separator.
    pub const fn new(header: &'static str, encoding: SignatureEncoding) -> Self {
        SignatureScheme {
            header,
            algorithm: SignatureAlgorithm::HmacSha256,
            encoding,
            prefix: None,
            timestamp: None,
            separator: None,
        }
    }

    /// The MAC is computed with `algorithm`.
    pub const fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The encoded MAC follows `prefix`, e.g. `sha256=`.
    pub const fn with_prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// A timestamp header is signed along with the body.
    pub const fn with_timestamp(mut self, timestamp: SignatureTimestamp) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// The header may hold several signatures separated by `separator`.
    pub const fn with_separator(mut self, separator: &'static str) -> Self {
        self.separator = Some(separator);
        self
    }

    fn validate(&self) -> Result<(), ConfigError> {
        check_header_name(self.header)?;
        if self.separator == Some("") {
            return Err(ConfigError::InvalidScheme(
                "the signature separator is empty".into(),
            ));
        }
        if let Some(ts) = &self.timestamp {
            check_header_name(ts.header)?;
            if ts.tolerance.is_zero() {
                return Err(ConfigError::InvalidScheme(
                    "the timestamp tolerance is zero: every request would be rejected".into(),
                ));
            }
            asyncgen_signature::signed_parts(ts.signed_payload).map_err(template_error)?;
        }
        Ok(())
    }
}

/// A timestamp header signed along with the body, for replay protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureTimestamp {
    /// The header carrying the timestamp, in Unix seconds.
    pub header: &'static str,
    /// The largest accepted difference, in either direction, between the timestamp and the
    /// receiver's clock.
    pub tolerance: Duration,
    /// What is signed: a template over `{timestamp}` (the header's text) and `{body}` (the raw
    /// body bytes).
    pub signed_payload: &'static str,
}

impl SignatureTimestamp {
    /// The spec's default tolerance, 300 s.
    pub const DEFAULT_TOLERANCE: Duration =
        Duration::from_secs(asyncgen_signature::DEFAULT_TOLERANCE_SECS);
    /// The spec's default signed payload, `{timestamp}.{body}`.
    pub const DEFAULT_SIGNED_PAYLOAD: &'static str = asyncgen_signature::DEFAULT_SIGNED_PAYLOAD;

    /// A timestamp in `header` with the default tolerance and signed payload.
    pub const fn new(header: &'static str) -> Self {
        SignatureTimestamp {
            header,
            tolerance: Self::DEFAULT_TOLERANCE,
            signed_payload: Self::DEFAULT_SIGNED_PAYLOAD,
        }
    }

    /// Accept timestamps at most `tolerance` away from the receiver's clock.
    pub const fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sign `template` (over `{timestamp}` and `{body}`) instead of the default.
    pub const fn with_signed_payload(mut self, template: &'static str) -> Self {
        self.signed_payload = template;
        self
    }
}

/// The body is a JWT (HS256) whose claims are the payload (`x-asyncgen-jwt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwtScheme {
    /// The provider sends plain JSON when no secret is configured: a receiver without a secret
    /// accepts only plain JSON, one with a secret only a verifying JWT.
    pub optional: bool,
}

impl JwtScheme {
    /// A JWT body; `optional` as the extension says.
    pub const fn new(optional: bool) -> Self {
        JwtScheme { optional }
    }
}

/// A shared token inside the JSON body (`x-asyncgen-body-token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTokenScheme {
    /// Where the token is, as a JSON pointer (RFC 6901), e.g. `/auth_token`.
    pub pointer: &'static str,
}

impl BodyTokenScheme {
    /// A token at `pointer`.
    pub const fn new(pointer: &'static str) -> Self {
        BodyTokenScheme { pointer }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        // The whole document cannot be the token: it must be a string inside an object.
        if !self.pointer.starts_with('/') {
            return Err(ConfigError::InvalidScheme(format!(
                "the body token pointer `{}` must start with `/`",
                self.pointer
            )));
        }
        Ok(())
    }
}

/// The refusal a verifier or signer reports for an unusable signed-payload template.
pub(crate) fn template_error(why: asyncgen_signature::TemplateError) -> ConfigError {
    ConfigError::InvalidScheme(format!("signed payload template: {why}"))
}

fn check_header_name(name: &str) -> Result<(), ConfigError> {
    http::HeaderName::from_bytes(name.as_bytes())
        .map(drop)
        .map_err(|_| ConfigError::InvalidScheme(format!("`{name}` is not a valid header name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_builders_compose() {
        const S: SignatureScheme = SignatureScheme::new("X-Sig", SignatureEncoding::Hex)
            .with_prefix("sha256=")
            .with_separator(",")
            .with_timestamp(
                SignatureTimestamp::new("X-Ts").with_tolerance(Duration::from_secs(60)),
            );
        assert_eq!(S.prefix, Some("sha256="));
        assert_eq!(S.timestamp.unwrap().tolerance, Duration::from_secs(60));
        assert!(Scheme::Signature(S).validate().is_ok());
    }

    #[test]
    fn rejects_a_template_without_the_body() {
        let s = SignatureScheme::new("X-Sig", SignatureEncoding::Hex)
            .with_timestamp(SignatureTimestamp::new("X-Ts").with_signed_payload("{timestamp}"));
        assert!(Scheme::Signature(s).validate().is_err());
    }

    #[test]
    fn rejects_a_template_that_does_not_sign_the_timestamp() {
        let s = SignatureScheme::new("X-Sig", SignatureEncoding::Hex)
            .with_timestamp(SignatureTimestamp::new("X-Ts").with_signed_payload("v1.{body}"));
        let err = Scheme::Signature(s).validate().unwrap_err().to_string();
        assert!(err.contains("{timestamp}"), "{err}");
    }

    #[test]
    fn only_an_optional_jwt_is_optional() {
        assert!(Scheme::Jwt(JwtScheme::new(true)).is_optional());
        assert!(!Scheme::Jwt(JwtScheme::new(false)).is_optional());
        assert!(!Scheme::BodyToken(BodyTokenScheme::new("/t")).is_optional());
    }
}
