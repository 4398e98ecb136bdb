//! Request verification: one [`Verifier`] per route turns a security scheme plus run-time
//! secrets into a check of the raw request, and yields the verified payload bytes. It is kept
//! apart from the HTTP glue so that it can be tested (and used) without a server.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::body_token::{self, TokenFailure};
use crate::error::ConfigError;
use crate::jwt::{self, JwtFailure};
use crate::key::VerifyKey;
use crate::scheme::{EventId, Handshake, Scheme, Security, SignatureScheme, TimestampSource};
use crate::secret::Secrets;
use crate::signature::{self, Json, Missing, Request};
use asyncgen_signature::{SignedPart, TimestampUnit};

/// Checks requests against one security scheme with the secrets configured for it.
///
/// Built once at start-up: a scheme without secrets is a [`ConfigError`] unless the scheme is
/// optional, so a receiver is never silently open.
#[derive(Debug, Clone)]
pub struct Verifier {
    check: Check,
}

#[derive(Debug, Clone)]
enum Check {
    /// Nothing is checked: the application opted out of verification.
    Open,
    Signature {
        scheme: SignatureScheme,
        parts: Vec<SignedPart<'static>>,
        keys: Vec<VerifyKey>,
    },
    /// `secrets` is `None` only for an optional JWT without a secret: plain JSON then.
    Jwt { secrets: Option<Secrets> },
    BodyToken {
        pointer: &'static str,
        secrets: Secrets,
    },
}

impl Verifier {
    /// A verifier that checks nothing: every body passes unchanged, whoever sent it. Only for a
    /// route whose document declares no verifiable security, when the application accepts
    /// that anyone who can reach the route can post to it (or for a receiver that never
    /// serves, e.g. one opened to read its dead letters). The name is meant to be seen in
    /// review; generated routes never choose it by themselves.
    pub fn insecure_no_verification() -> Verifier {
        Verifier { check: Check::Open }
    }

    /// Whether this verifier checks nothing ([`Verifier::insecure_no_verification`]).
    pub fn is_insecure(&self) -> bool {
        matches!(self.check, Check::Open)
    }

    /// A verifier for `security` with `secrets` (`None`: none configured, an error unless the
    /// scheme is optional).
    pub fn new(security: Security, secrets: Option<Secrets>) -> Result<Verifier, ConfigError> {
        security.scheme.validate()?;
        let require = |secrets: Option<Secrets>| {
            secrets.ok_or_else(|| ConfigError::MissingSecret {
                scheme: security.key.to_owned(),
                env_var: security.env_var(),
            })
        };
        let check = match security.scheme {
            Scheme::Signature(scheme) => {
                let keys = require(secrets)?
                    .iter()
                    .map(|s| VerifyKey::decode(scheme.algorithm, scheme.key_format(), s))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|why| ConfigError::InvalidKey {
                        scheme: security.key.to_owned(),
                        env_var: security.env_var(),
                        why,
                    })?;
                Check::Signature {
                    parts: signature::signed_parts(&scheme)?,
                    scheme,
                    keys,
                }
            }
            Scheme::Jwt(jwt) if jwt.optional => Check::Jwt { secrets },
            Scheme::Jwt(_) => Check::Jwt {
                secrets: Some(require(secrets)?),
            },
            Scheme::BodyToken(token) => Check::BodyToken {
                pointer: token.pointer,
                secrets: require(secrets)?,
            },
        };
        Ok(Verifier { check })
    }

    /// A verifier for `security` with the secrets in the environment variable named after the
    /// scheme key ([`Secrets::from_env`]).
    pub fn from_env(security: Security) -> Result<Verifier, ConfigError> {
        Verifier::new(security, Secrets::from_env(security.key)?)
    }

    /// Verifies a request now; see [`Verifier::verify_at`].
    pub fn verify(&self, headers: &HeaderMap, body: &Bytes) -> Result<Bytes, VerifyError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// Verifies a `POST` whose URL is unknown as of `now`; see [`Verifier::verify_request`]. A
    /// scheme that signs the URL refuses it.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &Bytes,
        now: SystemTime,
    ) -> Result<Bytes, VerifyError> {
        self.verify_request(
            &Incoming {
                method: "POST",
                url: None,
                headers,
                body,
            },
            now,
        )
    }

    /// Whether the scheme signs the URL the provider called, so the receiver must be told its
    /// public origin.
    pub fn signs_url(&self) -> bool {
        matches!(&self.check, Check::Signature { scheme, .. } if scheme.signs_url())
    }

    /// The id that stays the same across the provider's redeliveries of one event, if its
    /// scheme names one: a route dedupes on it unless told otherwise.
    pub fn event_id(&self) -> Option<EventId<'static>> {
        match &self.check {
            Check::Signature { scheme, .. } => scheme.event_id,
            Check::Open | Check::Jwt { .. } | Check::BodyToken { .. } => None,
        }
    }

    /// The answer to a provider's handshake (Slack's `url_verification`, Zoom's
    /// `endpoint.url_validation`, Discord's PING) if the verified `payload` is one; the
    /// receiver sends it instead of handling an event.
    pub fn handshake_reply(&self, payload: &[u8]) -> Option<serde_json::Value> {
        let Check::Signature { scheme, keys, .. } = &self.check else {
            return None;
        };
        let handshake: Handshake = scheme.handshake?;
        crate::handshake::reply(handshake, payload, keys.first().and_then(VerifyKey::shared))
    }

    /// Verifies a request as of `now` (the clock for signed timestamps and JWT `exp`/`nbf`)
    /// and returns the verified payload: the raw body, or for a JWT body the claims set's
    /// bytes.
    pub fn verify_request(
        &self,
        request: &Incoming<'_>,
        now: SystemTime,
    ) -> Result<Bytes, VerifyError> {
        let (headers, body) = (request.headers, request.body);
        match &self.check {
            Check::Open => Ok(body.clone()),
            Check::Signature {
                scheme,
                parts,
                keys,
            } => {
                let request = Request {
                    method: request.method,
                    url: request.url,
                    headers,
                    body,
                };
                verify_signature(scheme, parts, keys, &request, now).map(|()| body.clone())
            }
            Check::Jwt { secrets } => {
                let plain = body.trim_ascii_start().first() == Some(&b'{');
                match (secrets, plain) {
                    (None, true) => Ok(body.clone()),
                    (None, false) => Err(VerifyError::UnexpectedJwt),
                    (Some(_), true) => Err(VerifyError::JwtRequired),
                    (Some(secrets), false) => jwt::verify(body, secrets, now)
                        .map(Bytes::from)
                        .map_err(VerifyError::from),
                }
            }
            Check::BodyToken { pointer, secrets } => body_token::check(body, pointer, secrets)
                .map(|()| body.clone())
                .map_err(|e| match e {
                    TokenFailure::NotJson => VerifyError::NotJson,
                    TokenFailure::Missing => VerifyError::MissingToken,
                    TokenFailure::Mismatch => VerifyError::BadToken,
                }),
        }
    }
}

fn verify_signature(
    scheme: &SignatureScheme,
    parts: &[SignedPart<'static>],
    keys: &[VerifyKey],
    request: &Request<'_>,
    now: SystemTime,
) -> Result<(), VerifyError> {
    let mut json = Json::new(request.body);
    let items = signature::items(scheme, request.headers, &mut json);
    if items.is_empty() {
        return Err(VerifyError::MissingSignature(scheme.source.name()));
    }
    let timestamp = match scheme.timestamp.map(|t| t.source) {
        None => String::new(),
        Some(TimestampSource::Header(name)) => signature::header(request.headers, name)
            .ok_or(VerifyError::MissingTimestamp(name))?
            .to_owned(),
        Some(TimestampSource::Element(prefix)) => items
            .iter()
            .find_map(|item| item.strip_prefix(prefix))
            .map(str::to_owned)
            .ok_or(VerifyError::MissingTimestamp(prefix))?,
        Some(TimestampSource::Field(pointer)) => json
            .text(pointer)
            .ok_or(VerifyError::MissingTimestamp(pointer))?,
    };
    // Undecodable signatures are skipped; a key refuses any other of the wrong length
    // (an empty or truncated MAC, Ed25519 signature or token never verifies).
    let given: Vec<Vec<u8>> = items
        .iter()
        .filter_map(|item| match scheme.prefix {
            Some(prefix) => item.strip_prefix(prefix),
            None => Some(item.as_str()),
        })
        .filter_map(|written| signature::read(scheme.algorithm, scheme.encoding, written))
        .collect();
    // From the template parsed at start-up, not parsed again per request.
    let urls: Vec<Option<String>> = if parts.iter().any(SignedPart::signs_url) {
        let url = request.url.ok_or(VerifyError::NoPublicUrl)?;
        signature::url_variants(url).into_iter().map(Some).collect()
    } else {
        vec![None]
    };
    let mut matched = false;
    for url in &urls {
        let payload = signature::payload(parts, request, url.as_deref(), &timestamp, &mut json)
            .map_err(|missing| match missing {
                Missing::Header(name) => VerifyError::MissingSignedHeader(name),
                Missing::Field(pointer) => VerifyError::MissingSignedField(pointer),
                Missing::Url => VerifyError::NoPublicUrl,
                Missing::BodyHash => VerifyError::BadSignature,
            })?;
        // Every pair is tried, so the time taken does not say which key or signature matched.
        for key in keys {
            for sig in &given {
                matched |= key.verifies(&payload, sig, now);
            }
        }
    }
    if !matched {
        return Err(VerifyError::BadSignature);
    }

    // Checked after the signature so that "stale" is only ever said of an authentic request
    // (a replay, or a clock problem worth a log line), never of a forgery.
    if let Some(ts) = &scheme.timestamp {
        let sent: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
        let (now, tolerance) = match ts.unit {
            TimestampUnit::Seconds => (unix_millis(now) / 1000, ts.tolerance.as_secs()),
            TimestampUnit::Milliseconds => (
                unix_millis(now),
                u64::try_from(ts.tolerance.as_millis()).unwrap_or(u64::MAX),
            ),
        };
        if now.abs_diff(sent) > tolerance {
            return Err(VerifyError::StaleTimestamp);
        }
    }
    Ok(())
}

fn unix_millis(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// A request as received, for [`Verifier::verify_request`].
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The full URL the provider called: the receiver's public origin, then the path and
    /// query as received (`None` where no public origin is configured).
    pub url: Option<&'a str>,
    /// The headers as received.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a Bytes,
}

/// Why a request was refused before its payload was decoded. Each says what failed, never
/// anything about the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature header (or body field) is absent or empty.
    #[error("missing signature `{0}`")]
    MissingSignature(&'static str),
    /// No signature in the header is a valid MAC of the request with a configured secret.
    #[error("invalid signature")]
    BadSignature,
    /// The signed timestamp (its header, signature element or body field) is absent.
    #[error("missing timestamp `{0}`")]
    MissingTimestamp(&'static str),
    /// The timestamp is not a whole number of Unix seconds (or milliseconds).
    #[error("the timestamp is not a whole number of Unix seconds or milliseconds")]
    BadTimestamp,
    /// A header the signature covers is absent.
    #[error("missing signed header `{0}`")]
    MissingSignedHeader(&'static str),
    /// A body field the signature covers is absent.
    #[error("missing signed body field `{0}`")]
    MissingSignedField(&'static str),
    /// The scheme signs the URL the provider called and the receiver was not told its public
    /// origin (`ReceiverBuilder::public_origin`).
    #[error("the scheme signs the request URL and no public origin is configured")]
    NoPublicUrl,
    /// The timestamp is older, or further in the future, than the tolerance allows.
    #[error("the timestamp is outside the accepted tolerance")]
    StaleTimestamp,
    /// A secret is configured but the body is plain JSON (an optional JWT scheme).
    #[error("the body must be a signed JWT")]
    JwtRequired,
    /// No secret is configured for an optional JWT scheme, and the body is not plain JSON.
    #[error("the body is not plain JSON and no JWT secret is configured")]
    UnexpectedJwt,
    /// The body is not a compact JWS.
    #[error("the body is not a well-formed JWT")]
    JwtMalformed,
    /// The JWT's algorithm is not HS256.
    #[error("JWT algorithm `{0}` is not accepted (only HS256)")]
    JwtAlgorithm(String),
    /// The JWT's signature verifies with no configured secret.
    #[error("invalid JWT signature")]
    JwtSignature,
    /// The JWT's `exp` has passed.
    #[error("the JWT has expired")]
    JwtExpired,
    /// The JWT's `nbf` is still to come.
    #[error("the JWT is not valid yet")]
    JwtNotYetValid,
    /// The JWT verifies but its claims break the rules.
    #[error("invalid JWT claims: {0}")]
    JwtClaims(&'static str),
    /// The body has no string token at the scheme's pointer.
    #[error("missing token")]
    MissingToken,
    /// The body's token matches no configured secret.
    #[error("invalid token")]
    BadToken,
    /// The token scheme needs a JSON body and this one is not.
    #[error("the body is not JSON")]
    NotJson,
}

impl VerifyError {
    /// The status a receiver answers with: 400 for a body that is not JSON where a token must
    /// be read from it, 401 for everything else.
    pub fn status(&self) -> StatusCode {
        match self {
            VerifyError::NotJson => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl From<JwtFailure> for VerifyError {
    fn from(f: JwtFailure) -> Self {
        match f {
            JwtFailure::Malformed => VerifyError::JwtMalformed,
            JwtFailure::Algorithm(alg) => VerifyError::JwtAlgorithm(alg),
            JwtFailure::Signature => VerifyError::JwtSignature,
            JwtFailure::Expired => VerifyError::JwtExpired,
            JwtFailure::NotYetValid => VerifyError::JwtNotYetValid,
            JwtFailure::Claims(why) => VerifyError::JwtClaims(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A clock set before 1970 gives negative times, so a signed timestamp is compared with
    /// what the clock says, not its mirror image.
    #[test]
    fn times_before_the_epoch_are_negative() {
        let epoch = SystemTime::UNIX_EPOCH;
        assert_eq!(unix_millis(epoch + Duration::from_millis(1500)), 1500);
        assert_eq!(unix_millis(epoch - Duration::from_secs(2)), -2000);
        assert_eq!(unix_millis(epoch), 0);
    }
}
