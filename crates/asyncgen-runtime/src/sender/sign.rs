//! Signing and encoding requests as the provider does, kept free of I/O so that tests (and
//! the receiver's own tests) can build exact requests, forged ones included.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::error::ConfigError;
use crate::scheme::{Scheme, Security, SignatureScheme};
use crate::secret::{Secret, Secrets};
use crate::signature;
use crate::{body_token, jwt};
use asyncgen_signature::SignedPart;

/// Signs payloads for one security scheme with one secret (the provider's current one).
#[derive(Debug, Clone)]
pub struct Signer {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Plain,
    Signature {
        scheme: SignatureScheme,
        parts: Vec<SignedPart<'static>>,
        secret: Secret,
    },
    Jwt {
        secret: Secret,
    },
    BodyToken {
        pointer: &'static str,
        secret: Secret,
    },
}

impl Signer {
    /// Sends payloads as they are: a spec without security, or an optional JWT scheme whose
    /// webhook has no secret.
    pub fn plain() -> Signer {
        Signer { kind: Kind::Plain }
    }

    /// A signer for `security` with `secret`; without one, an error unless the scheme is
    /// optional (then payloads go as plain JSON, as the provider sends them).
    pub fn new(security: Security, secret: Option<Secret>) -> Result<Signer, ConfigError> {
        security.scheme.validate()?;
        let Some(secret) = secret else {
            if security.scheme.is_optional() {
                return Ok(Signer::plain());
            }
            return Err(ConfigError::MissingSecret {
                scheme: security.key.to_owned(),
                env_var: security.env_var(),
            });
        };
        let kind = match security.scheme {
            Scheme::Signature(scheme) => Kind::Signature {
                parts: signature::signed_parts(&scheme)?,
                scheme,
                secret,
            },
            Scheme::Jwt(_) => Kind::Jwt { secret },
            Scheme::BodyToken(t) => Kind::BodyToken {
                pointer: t.pointer,
                secret,
            },
        };
        Ok(Signer { kind })
    }

    /// A signer with the first secret in the environment variable named after the scheme
    /// ([`Secrets::from_env`]).
    pub fn from_env(security: Security) -> Result<Signer, ConfigError> {
        let secrets = Secrets::from_env(security.key)?;
        Signer::new(security, secrets.map(|s| s.primary().clone()))
    }

    /// Signs `payload` (JSON) now; see [`Signer::sign_at`].
    pub fn sign(&self, payload: &[u8]) -> Result<SignedRequest, SignError> {
        self.sign_at(payload, SystemTime::now())
    }

    /// The request a provider would send for `payload` at `now`: the body (the payload, its
    /// JWT, or the payload with the token inserted) and the headers (content type, signature,
    /// timestamp).
    pub fn sign_at(&self, payload: &[u8], now: SystemTime) -> Result<SignedRequest, SignError> {
        let mut headers = HeaderMap::new();
        let json = HeaderValue::from_static("application/json");
        let body = match &self.kind {
            Kind::Plain => Bytes::copy_from_slice(payload),
            Kind::Signature {
                scheme,
                parts,
                secret,
            } => {
                let timestamp = match &scheme.timestamp {
                    Some(ts) => {
                        let secs = now
                            .duration_since(SystemTime::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs())
                            .to_string();
                        headers.insert(header_name(ts.header)?, header_value(&secs)?);
                        secs
                    }
                    None => String::new(),
                };
                let mac = signature::mac(
                    scheme.algorithm,
                    secret.expose(),
                    parts,
                    &timestamp,
                    payload,
                );
                let value = format!(
                    "{}{}",
                    scheme.prefix.unwrap_or(""),
                    signature::encode(scheme.encoding, &mac)
                );
                headers.insert(header_name(scheme.header)?, header_value(&value)?);
                Bytes::copy_from_slice(payload)
            }
            Kind::Jwt { secret } => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/jwt"),
                );
                Bytes::from(jwt::encode(payload, secret)?)
            }
            Kind::BodyToken { pointer, secret } => {
                Bytes::from(body_token::insert(payload, pointer, secret)?)
            }
        };
        headers.entry(header::CONTENT_TYPE).or_insert(json);
        Ok(SignedRequest { headers, body })
    }
}

fn header_name(name: &str) -> Result<HeaderName, SignError> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| SignError::Header(name.to_owned()))
}

fn header_value(value: &str) -> Result<HeaderValue, SignError> {
    HeaderValue::from_str(value).map_err(|_| SignError::Header(value.to_owned()))
}

/// A signed request: what to POST.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// Content type, and the signature and timestamp headers of a signature scheme.
    pub headers: HeaderMap,
    /// The body to send.
    pub body: Bytes,
}

/// A payload could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The scheme needs a JSON payload (a JWT's claims, a body token) and this is not one.
    #[error("the payload is not a JSON object: {0}")]
    NotJson(String),
    /// jsonwebtoken refused to encode.
    #[error("could not encode the JWT: {0}")]
    Jwt(String),
    /// A body token must be text to be written into JSON.
    #[error("the body token secret is not UTF-8 text")]
    TokenNotText,
    /// The payload has no object or array where the token pointer points.
    #[error("the payload has no place for the token at `{0}`")]
    Pointer(String),
    /// A header name or value the scheme produced is not valid HTTP.
    #[error("`{0}` is not valid in an HTTP header")]
    Header(String),
}
