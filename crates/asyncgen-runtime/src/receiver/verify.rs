//! Request verification: one [`Verifier`] per route turns a security scheme plus run-time
//! secrets into a check of the raw request, and yields the verified payload bytes. It is kept
//! apart from the HTTP glue so that it can be tested (and used) without a server.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use subtle::ConstantTimeEq;

use crate::body_token::{self, TokenFailure};
use crate::error::ConfigError;
use crate::jwt::{self, JwtFailure};
use crate::scheme::{Scheme, Security, SignatureScheme};
use crate::secret::Secrets;
use crate::signature;
use asyncgen_signature::SignedPart;

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
        secrets: Secrets,
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
            Scheme::Signature(scheme) => Check::Signature {
                parts: signature::signed_parts(&scheme)?,
                scheme,
                secrets: require(secrets)?,
            },
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

    /// Verifies a request as of `now` (the clock for signed timestamps and JWT `exp`/`nbf`)
    /// and returns the verified payload: the raw body, or for a JWT body the claims set's
    /// bytes.
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &Bytes,
        now: SystemTime,
    ) -> Result<Bytes, VerifyError> {
        match &self.check {
            Check::Open => Ok(body.clone()),
            Check::Signature {
                scheme,
                parts,
                secrets,
            } => {
                verify_signature(scheme, parts, secrets, headers, body, now).map(|()| body.clone())
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
    secrets: &Secrets,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<(), VerifyError> {
    let values: Vec<&str> = headers
        .get_all(scheme.header)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.iter().all(|v| v.trim().is_empty()) {
        return Err(VerifyError::MissingSignature(scheme.header));
    }
    let timestamp = match &scheme.timestamp {
        Some(ts) => headers
            .get(ts.header)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or(VerifyError::MissingTimestamp(ts.header))?,
        None => "",
    };

    let expected: Vec<Vec<u8>> = secrets
        .iter()
        .map(|s| signature::mac(scheme.algorithm, s.expose(), parts, timestamp, body))
        .collect();
    let mut matched = subtle::Choice::from(0);
    let candidates = values.iter().flat_map(|v| match scheme.separator {
        Some(sep) => v.split(sep).collect::<Vec<_>>(),
        None => vec![*v],
    });
    for candidate in candidates {
        let candidate = candidate.trim();
        let Some(encoded) = (match scheme.prefix {
            Some(prefix) => candidate.strip_prefix(prefix),
            None => Some(candidate),
        }) else {
            continue;
        };
        // Undecodable, empty or truncated signatures are skipped, never compared: only a
        // full-length MAC can match.
        let Some(given) = signature::decode(scheme.encoding, encoded) else {
            continue;
        };
        if given.len() != scheme.algorithm.mac_len() {
            continue;
        }
        for mac in &expected {
            matched |= mac.as_slice().ct_eq(given.as_slice());
        }
    }
    if !bool::from(matched) {
        return Err(VerifyError::BadSignature);
    }

    // Checked after the MAC so that "stale" is only ever said of an authentic request (a
    // replay, or a clock problem worth a log line), never of a forgery.
    if let Some(ts) = &scheme.timestamp {
        let sent: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
        let now = unix_seconds(now);
        let skew = Duration::from_secs(now.abs_diff(sent));
        if skew > ts.tolerance {
            return Err(VerifyError::StaleTimestamp);
        }
    }
    Ok(())
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Why a request was refused before its payload was decoded. Each says what failed, never
/// anything about the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature header is absent or empty.
    #[error("missing signature header `{0}`")]
    MissingSignature(&'static str),
    /// No signature in the header is a valid MAC of the request with a configured secret.
    #[error("invalid signature")]
    BadSignature,
    /// The signed timestamp header is absent.
    #[error("missing timestamp header `{0}`")]
    MissingTimestamp(&'static str),
    /// The timestamp is not a whole number of Unix seconds.
    #[error("the timestamp is not a Unix time in seconds")]
    BadTimestamp,
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
