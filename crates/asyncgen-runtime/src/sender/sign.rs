//! Signing and encoding requests as the provider does, kept free of I/O so that tests (and
//! the receiver's own tests) can build exact requests, forged ones included.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::error::ConfigError;
use crate::key::SignKey;
use crate::scheme::{
    Scheme, Security, SignatureScheme, SignatureSource, TimestampSource, TimestampUnit,
};
use crate::secret::{Secret, Secrets};
use crate::signature::{self, Json, Missing, Request};
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
        key: Box<SignKey>,
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
                key: SignKey::decode(scheme.algorithm, scheme.key_format(), &secret)
                    .map(Box::new)
                    .map_err(|why| ConfigError::InvalidKey {
                        scheme: security.key.to_owned(),
                        env_var: security.env_var(),
                        why,
                    })?,
                scheme,
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

    /// The public key a receiver verifies this signer's signatures with, in the form its
    /// scheme reads keys (`None` for a shared secret or a scheme without keys).
    pub fn public_key(&self) -> Option<String> {
        match &self.kind {
            Kind::Signature { scheme, key, .. } => key.public_key(scheme.key_format()),
            Kind::Plain | Kind::Jwt { .. } | Kind::BodyToken { .. } => None,
        }
    }

    /// Signs a `POST` of `payload` at `now` to an unknown URL; see [`Signer::sign_request`].
    pub fn sign_at(&self, payload: &[u8], now: SystemTime) -> Result<SignedRequest, SignError> {
        self.sign_request(&Outgoing::post(payload), now)
    }

    /// The request a provider would send for `request` at `now`: the body (the payload, its
    /// JWT, or the payload with the token, timestamp or signature written into it) and the
    /// headers (content type, signature, timestamp, and a fresh value for any other header the
    /// signature covers, such as a message id).
    pub fn sign_request(
        &self,
        request: &Outgoing<'_>,
        now: SystemTime,
    ) -> Result<SignedRequest, SignError> {
        let payload = request.body;
        let mut headers = request.headers.clone();
        let json = HeaderValue::from_static("application/json");
        let body = match &self.kind {
            Kind::Plain => Bytes::copy_from_slice(payload),
            Kind::Signature { scheme, parts, key } => {
                sign_signature(scheme, parts, key, request, &mut headers, now)?
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

/// Signs `request` under `scheme`: writes the timestamp where the provider puts it, fills the
/// signed headers the request lacks, then writes the signature into its header or field.
fn sign_signature(
    scheme: &SignatureScheme,
    parts: &[SignedPart<'static>],
    key: &SignKey,
    request: &Outgoing<'_>,
    headers: &mut HeaderMap,
    now: SystemTime,
) -> Result<Bytes, SignError> {
    let since = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let mut body = request.body.to_vec();
    let mut element = None;
    let timestamp = match scheme.timestamp {
        None => String::new(),
        Some(ts) => {
            let text = match ts.unit {
                TimestampUnit::Seconds => since.as_secs().to_string(),
                TimestampUnit::Milliseconds => since.as_millis().to_string(),
            };
            match ts.source {
                TimestampSource::Header(name) => {
                    headers.insert(header_name(name)?, header_value(&text)?);
                }
                TimestampSource::Element(prefix) => element = Some(format!("{prefix}{text}")),
                TimestampSource::Field(pointer) => {
                    let number = ts.unit == TimestampUnit::Milliseconds;
                    body = body_token::write_text(&body, pointer, &text, number)?;
                }
            }
            text
        }
    };
    // Signed values the caller left out are made up fresh, as a provider makes its message
    // ids and tokens (Standard Webhooks' `webhook-id`, Mailgun's token).
    for part in parts {
        match *part {
            SignedPart::Header(name) if !headers.contains_key(name) => {
                headers.insert(header_name(name)?, header_value(&signature::fresh_id())?);
            }
            SignedPart::Field(pointer) if Json::new(&body).text(pointer).is_none() => {
                body = body_token::write_text(&body, pointer, &signature::fresh_id(), false)?;
            }
            _ => {}
        }
    }
    let signed = {
        let request = Request {
            method: request.method,
            url: request.url,
            headers,
            body: &body,
        };
        let mut json = Json::new(&body);
        signature::payload(parts, &request, request.url, &timestamp, &mut json).map_err(
            |missing| match missing {
                Missing::Header(name) => SignError::Header(name.to_owned()),
                Missing::Field(pointer) => SignError::Pointer(pointer.to_owned()),
                Missing::Url => SignError::NoUrl,
                Missing::BodyHash => SignError::NoUrl,
            },
        )?
    };
    let value = format!(
        "{}{}",
        scheme.prefix.unwrap_or(""),
        signature::write(scheme.algorithm, scheme.encoding, &key.sign(&signed, now))
    );
    match scheme.source {
        SignatureSource::Header(name) => {
            let value = match (&element, scheme.separator) {
                (Some(element), Some(sep)) => format!("{element}{sep}{value}"),
                _ => value,
            };
            headers.insert(header_name(name)?, header_value(&value)?);
        }
        SignatureSource::Field(pointer) => {
            body = body_token::write_text(&body, pointer, &value, false)?;
        }
    }
    Ok(Bytes::from(body))
}

/// A request to sign: what a provider knows when it signs.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The method, `POST` for webhooks.
    pub method: &'a str,
    /// The URL the request goes to (schemes that sign the URL need it).
    pub url: Option<&'a str>,
    /// Headers to send, among them any the signature covers that the caller chooses (a
    /// message id); the signer adds its own.
    pub headers: HeaderMap,
    /// The payload: JSON, or form-encoded text for providers that post forms.
    pub body: &'a [u8],
}

impl<'a> Outgoing<'a> {
    /// A `POST` of `body` to an unknown URL.
    pub fn post(body: &'a [u8]) -> Self {
        Outgoing {
            method: "POST",
            url: None,
            headers: HeaderMap::new(),
            body,
        }
    }

    /// The request goes to `url`.
    pub fn to(mut self, url: &'a str) -> Self {
        self.url = Some(url);
        self
    }
}

pub(super) fn header_name(name: &str) -> Result<HeaderName, SignError> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| SignError::Header(name.to_owned()))
}

pub(super) fn header_value(value: &str) -> Result<HeaderValue, SignError> {
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
    /// A header name or value the scheme produced is not valid HTTP, or a header the
    /// signature covers is missing.
    #[error("`{0}` is not valid in an HTTP header")]
    Header(String),
    /// The scheme signs the URL and the request has none.
    #[error("the scheme signs the request URL and the request has none")]
    NoUrl,
}
