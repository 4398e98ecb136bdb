//! The security schemes a spec's `x-asyncgen-signature`, `x-asyncgen-jwt` and
//! `x-asyncgen-body-token` extensions describe, as plain values generated code writes as
//! `const`s.
//!
//! They hold only what the spec says; secrets come at run time ([`crate::Secrets`]). Text
//! fields are `&'static str` so that every value here is `Copy` and can be built in a `const`
//! with the `const fn` builders (a spec's values are literals in generated code).

use std::time::Duration;

pub use asyncgen_signature::{
    EventId, Handshake, KeyFormat, SignatureAlgorithm, SignatureEncoding, TimestampSource,
    TimestampUnit,
};

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

/// Where the signature is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureSource {
    /// A request header (the security scheme's `name`).
    Header(&'static str),
    /// A string field of the JSON body, as a JSON pointer (Mailgun's `/signature/signature`).
    Field(&'static str),
}

impl SignatureSource {
    /// The header name or body field pointer.
    pub const fn name(&self) -> &'static str {
        match self {
            SignatureSource::Header(name) | SignatureSource::Field(name) => name,
        }
    }
}

/// A signature of the request (`x-asyncgen-signature`): what is signed (the template), with
/// which algorithm and key, and how the signature and its timestamp are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureScheme {
    /// Where the signature is.
    pub source: SignatureSource,
    /// The signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// How the signature bytes are written.
    pub encoding: SignatureEncoding,
    /// Literal text before each signature, e.g. `sha256=`; items without it are not
    /// signatures (Stripe's `t=` element, a `v0=` of another scheme version).
    pub prefix: Option<&'static str>,
    /// The header holds several items separated by this text: signatures (key rotation, any
    /// one may match) and `key=value` elements.
    pub separator: Option<&'static str>,
    /// What is signed (see `asyncgen_signature::SignedPart`); `None`: the body, or
    /// `{timestamp}.{body}` with a timestamp in a header or element.
    pub signed_payload: Option<&'static str>,
    /// A signed timestamp (replay protection).
    pub timestamp: Option<SignatureTimestamp>,
    /// How the key in the environment is written; `None`: text for an HMAC, base64 for a
    /// public key.
    pub key: Option<KeyFormat>,
    /// The id that stays the same across redeliveries of one event: the receiver dedupes on
    /// it unless the route says otherwise.
    pub event_id: Option<EventId<'static>>,
    /// A request the provider sends before any event, which the receiver answers.
    pub handshake: Option<Handshake>,
}

impl SignatureScheme {
    /// HMAC-SHA256 of the raw body in `header`, with nothing else.
    pub const fn new(header: &'static str, encoding: SignatureEncoding) -> Self {
        Self::at(SignatureSource::Header(header), encoding)
    }

    /// The scheme of a provider's preset (`asyncgen_signature::preset("stripe")`), for code
    /// that builds verifiers and signers without a generated module.
    pub fn from_preset(preset: &'static asyncgen_signature::Preset) -> Self {
        let source = match (preset.field, preset.header) {
            (Some(pointer), _) => SignatureSource::Field(pointer),
            (None, header) => SignatureSource::Header(header.unwrap_or("")),
        };
        SignatureScheme {
            source,
            algorithm: preset.algorithm,
            encoding: preset.encoding,
            prefix: preset.prefix,
            separator: preset.separator,
            signed_payload: Some(preset.signed_payload),
            timestamp: preset.timestamp.map(|t| SignatureTimestamp {
                source: t.source,
                unit: t.unit,
                tolerance: Duration::from_secs(t.tolerance_secs),
            }),
            key: Some(preset.key),
            event_id: preset.event_id,
            handshake: preset.handshake,
        }
    }

    /// HMAC-SHA256 of the raw body, the signature in the body field at `pointer`.
    pub const fn in_field(pointer: &'static str, encoding: SignatureEncoding) -> Self {
        Self::at(SignatureSource::Field(pointer), encoding)
    }

    const fn at(source: SignatureSource, encoding: SignatureEncoding) -> Self {
        SignatureScheme {
            source,
            algorithm: SignatureAlgorithm::HmacSha256,
            encoding,
            prefix: None,
            timestamp: None,
            separator: None,
            signed_payload: None,
            key: None,
            event_id: None,
            handshake: None,
        }
    }

    /// The signature is made with `algorithm`.
    pub const fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Each signature follows `prefix`, e.g. `sha256=`.
    pub const fn with_prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// A timestamp is signed along with the body.
    pub const fn with_timestamp(mut self, timestamp: SignatureTimestamp) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// The header's items are separated by `separator`.
    pub const fn with_separator(mut self, separator: &'static str) -> Self {
        self.separator = Some(separator);
        self
    }

    /// `template` is signed instead of the default.
    pub const fn with_signed_payload(mut self, template: &'static str) -> Self {
        self.signed_payload = Some(template);
        self
    }

    /// The key is written as `key`.
    pub const fn with_key(mut self, key: KeyFormat) -> Self {
        self.key = Some(key);
        self
    }

    /// Redeliveries of one event carry `event_id`.
    pub const fn with_event_id(mut self, event_id: EventId<'static>) -> Self {
        self.event_id = Some(event_id);
        self
    }

    /// The provider sends `handshake` before any event.
    pub const fn with_handshake(mut self, handshake: Handshake) -> Self {
        self.handshake = Some(handshake);
        self
    }

    /// The signed-payload template in force.
    pub const fn template(&self) -> &'static str {
        match self.signed_payload {
            Some(t) => t,
            None => asyncgen_signature::default_template(match self.timestamp {
                Some(t) => Some(t.source),
                None => None,
            }),
        }
    }

    /// The key format in force.
    pub const fn key_format(&self) -> KeyFormat {
        match self.key {
            Some(k) => k,
            None => self.algorithm.default_key(),
        }
    }

    /// Whether the URL the provider called is signed, so the receiver must know its public
    /// origin.
    pub fn signs_url(&self) -> bool {
        asyncgen_signature::parse_template(self.template())
            .is_ok_and(|parts| parts.iter().any(asyncgen_signature::SignedPart::signs_url))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |why: String| Err(ConfigError::InvalidScheme(why));
        match self.source {
            SignatureSource::Header(h) => check_header_name(h)?,
            SignatureSource::Field(p) => check_pointer(p)?,
        }
        if self.separator == Some("") {
            return invalid("the signature separator is empty".into());
        }
        if !self.key_format().fits(self.algorithm) {
            return invalid(format!(
                "a {} key cannot be written as `{}`",
                self.algorithm.title(),
                self.key_format().name()
            ));
        }
        if let Some(ts) = &self.timestamp {
            match ts.source {
                TimestampSource::Header(h) => check_header_name(h)?,
                TimestampSource::Field(p) => check_pointer(p)?,
                TimestampSource::Element(e) => {
                    if e.is_empty() || self.separator.is_none() {
                        return invalid(
                            "a timestamp element needs a non-empty prefix and a separator between the header's items".into(),
                        );
                    }
                }
            }
            if ts.tolerance.is_zero() {
                return invalid(
                    "the timestamp tolerance is zero: every request would be rejected".into(),
                );
            }
        }
        if let Some(EventId::Header(h)) = self.event_id {
            check_header_name(h)?;
        }
        if let Some(EventId::Field(p)) = self.event_id {
            check_pointer(p)?;
        }
        let timestamp = self.timestamp.map(|t| t.source);
        let parts =
            asyncgen_signature::signed_parts(self.template(), timestamp).map_err(template_error)?;
        for part in parts {
            if let asyncgen_signature::SignedPart::Header(h) = part {
                check_header_name(h)?;
            }
        }
        Ok(())
    }
}

/// A signed timestamp, for replay protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureTimestamp {
    /// Where the timestamp is.
    pub source: TimestampSource<'static>,
    /// Seconds or milliseconds since the Unix epoch.
    pub unit: TimestampUnit,
    /// The largest accepted difference, in either direction, between the timestamp and the
    /// receiver's clock.
    pub tolerance: Duration,
}

impl SignatureTimestamp {
    /// The default tolerance, 300 s.
    pub const DEFAULT_TOLERANCE: Duration =
        Duration::from_secs(asyncgen_signature::DEFAULT_TOLERANCE_SECS);

    /// A timestamp in Unix seconds in `header`, with the default tolerance.
    pub const fn new(header: &'static str) -> Self {
        Self::at(TimestampSource::Header(header))
    }

    /// A timestamp in the signature header's item that starts with `prefix` (Stripe's `t=`).
    pub const fn in_element(prefix: &'static str) -> Self {
        Self::at(TimestampSource::Element(prefix))
    }

    /// A timestamp in the body field at `pointer`.
    pub const fn in_field(pointer: &'static str) -> Self {
        Self::at(TimestampSource::Field(pointer))
    }

    const fn at(source: TimestampSource<'static>) -> Self {
        SignatureTimestamp {
            source,
            unit: TimestampUnit::Seconds,
            tolerance: Self::DEFAULT_TOLERANCE,
        }
    }

    /// Accept timestamps at most `tolerance` away from the receiver's clock.
    pub const fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The timestamp counts `unit`s.
    pub const fn with_unit(mut self, unit: TimestampUnit) -> Self {
        self.unit = unit;
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

fn check_pointer(pointer: &str) -> Result<(), ConfigError> {
    if pointer.starts_with('/') {
        Ok(())
    } else {
        Err(ConfigError::InvalidScheme(format!(
            "the body field `{pointer}` is not a JSON pointer (it must start with `/`)"
        )))
    }
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
        assert_eq!(S.template(), "{timestamp}.{body}");
        assert_eq!(S.key_format(), KeyFormat::Text);
        assert!(Scheme::Signature(S).validate().is_ok());
        assert!(!S.signs_url());
        assert!(S.with_signed_payload("{url}{body}").signs_url());
    }

    #[test]
    fn rejects_a_template_without_the_body() {
        let s = SignatureScheme::new("X-Sig", SignatureEncoding::Hex)
            .with_timestamp(SignatureTimestamp::new("X-Ts"))
            .with_signed_payload("{timestamp}");
        assert!(Scheme::Signature(s).validate().is_err());
    }

    #[test]
    fn rejects_a_template_that_does_not_sign_the_timestamp() {
        let s = SignatureScheme::new("X-Sig", SignatureEncoding::Hex)
            .with_timestamp(SignatureTimestamp::new("X-Ts"))
            .with_signed_payload("v1.{body}");
        let err = Scheme::Signature(s).validate().unwrap_err().to_string();
        assert!(err.contains("{timestamp}"), "{err}");
    }

    #[test]
    fn rejects_what_cannot_be_read_or_keyed() {
        let base = SignatureScheme::new("X-Sig", SignatureEncoding::Hex);
        let bad = [
            base.with_separator(""),
            SignatureScheme::new("bad header", SignatureEncoding::Hex),
            SignatureScheme::in_field("no-slash", SignatureEncoding::Hex),
            base.with_algorithm(SignatureAlgorithm::Ed25519)
                .with_key(KeyFormat::Text),
            base.with_key(KeyFormat::Pem),
            base.with_timestamp(SignatureTimestamp::in_element("t=")),
            base.with_separator(",")
                .with_timestamp(SignatureTimestamp::in_element("")),
            base.with_timestamp(SignatureTimestamp::new("X-Ts").with_tolerance(Duration::ZERO)),
            base.with_signed_payload("{header:bad header}{body}"),
            base.with_event_id(EventId::Field("id")),
            base.with_event_id(EventId::Header("bad header")),
        ];
        for s in bad {
            assert!(Scheme::Signature(s).validate().is_err(), "{s:?}");
        }
        assert!(
            Scheme::Signature(
                base.with_separator(",")
                    .with_timestamp(SignatureTimestamp::in_element("t="))
            )
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn sources_name_their_header_or_field() {
        assert_eq!(SignatureSource::Header("X-Sig").name(), "X-Sig");
        assert_eq!(SignatureSource::Field("/signature").name(), "/signature");
    }

    #[test]
    fn a_body_token_pointer_must_start_with_a_slash() {
        assert!(
            Scheme::BodyToken(BodyTokenScheme::new("token"))
                .validate()
                .is_err()
        );
        assert!(
            Scheme::BodyToken(BodyTokenScheme::new("/token"))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn only_an_optional_jwt_is_optional() {
        assert!(Scheme::Jwt(JwtScheme::new(true)).is_optional());
        assert!(!Scheme::Jwt(JwtScheme::new(false)).is_optional());
        assert!(!Scheme::BodyToken(BodyTokenScheme::new("/t")).is_optional());
    }
}
