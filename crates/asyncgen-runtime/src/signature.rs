//! Body signatures as `x-asyncgen-signature` defines them: which bytes of a request are signed
//! and how a signature and its timestamp are written. The verifier and the signer share this
//! module so that they cannot disagree about any of it; the grammar itself is
//! `asyncgen-signature`'s.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use asyncgen_signature::SignedPart;

use crate::error::ConfigError;
#[cfg(feature = "receiver")]
use crate::scheme::SignatureSource;
use crate::scheme::{SignatureAlgorithm, SignatureEncoding, SignatureScheme, template_error};

/// A request as the provider sent it, or as a sender is about to send it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    pub method: &'a str,
    /// The full URL the provider called (`None` where no public origin is configured; a
    /// scheme that signs the URL then refuses).
    pub url: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// A piece the signed payload needs and the request lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missing {
    Header(&'static str),
    Field(&'static str),
    Url,
    /// The URL names a body hash (Twilio's `bodySHA256`) the body does not have.
    BodyHash,
}

/// What `scheme` signs, in order (checked: it covers the body and signs its timestamp).
pub(crate) fn signed_parts(
    scheme: &SignatureScheme,
) -> Result<Vec<SignedPart<'static>>, ConfigError> {
    let timestamp = scheme.timestamp.map(|t| t.source);
    asyncgen_signature::signed_parts(scheme.template(), timestamp).map_err(template_error)
}

/// The JSON body, parsed at most once per request.
pub(crate) struct Json<'a> {
    body: &'a [u8],
    value: Option<Option<serde_json::Value>>,
}

impl<'a> Json<'a> {
    pub(crate) fn new(body: &'a [u8]) -> Self {
        Json { body, value: None }
    }

    /// The text of the field at `pointer`: a string as it is, a number or boolean as JSON
    /// writes it; `None` when absent, null, or an object or array.
    pub(crate) fn text(&mut self, pointer: &str) -> Option<String> {
        let body = self.body;
        let value = self
            .value
            .get_or_insert_with(|| serde_json::from_slice(body).ok());
        match value.as_ref()?.pointer(pointer)? {
            serde_json::Value::String(s) => Some(s.clone()),
            v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => Some(v.to_string()),
            _ => None,
        }
    }
}

/// The bytes `parts` sign for `request`, with the timestamp text `timestamp` and the request
/// URL `url` (one of [`url_variants`]).
pub(crate) fn payload(
    parts: &[SignedPart<'static>],
    request: &Request<'_>,
    url: Option<&str>,
    timestamp: &str,
    json: &mut Json<'_>,
) -> Result<Vec<u8>, Missing> {
    let mut out = Vec::with_capacity(request.body.len() + 64);
    for part in parts {
        match *part {
            SignedPart::Literal(text) => out.extend_from_slice(text.as_bytes()),
            SignedPart::Timestamp => out.extend_from_slice(timestamp.as_bytes()),
            SignedPart::Body => out.extend_from_slice(request.body),
            SignedPart::Method => out.extend_from_slice(request.method.as_bytes()),
            SignedPart::Url => out.extend_from_slice(url.ok_or(Missing::Url)?.as_bytes()),
            SignedPart::SortedUrlForm => {
                out.extend_from_slice(&sorted_url_form(url.ok_or(Missing::Url)?, request.body));
            }
            SignedPart::Form => {
                if !body_hash_matches(url, request.body)? {
                    out.extend_from_slice(&sorted_form(request.body));
                }
            }
            SignedPart::Header(name) => {
                let value = header(request.headers, name).ok_or(Missing::Header(name))?;
                out.extend_from_slice(value.as_bytes());
            }
            SignedPart::Field(pointer) => {
                let value = json.text(pointer).ok_or(Missing::Field(pointer))?;
                out.extend_from_slice(value.as_bytes());
            }
        }
    }
    Ok(out)
}

/// Twilio signs a JSON body by its SHA-256 in the URL's `bodySHA256` query parameter and
/// then signs the URL alone: `Ok(true)` when the URL names a hash and it is the body's,
/// `Ok(false)` when it names none (the form parameters are signed), an error when it names
/// another body's.
fn body_hash_matches(url: Option<&str>, body: &[u8]) -> Result<bool, Missing> {
    let Some(query) = url.and_then(|u| u.split_once('?')).map(|(_, q)| q) else {
        return Ok(false);
    };
    let Some((_, named)) =
        form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == "bodySHA256")
    else {
        return Ok(false);
    };
    let actual = hex::encode(Sha256::digest(body));
    use subtle::ConstantTimeEq as _;
    if bool::from(actual.as_bytes().ct_eq(named.as_bytes())) {
        Ok(true)
    } else {
        Err(Missing::BodyHash)
    }
}

/// Parameters by name, in name order, each with its values sorted.
fn sorted_params(encoded: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(encoded) {
        params
            .entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    for values in params.values_mut() {
        values.sort();
    }
    params
}

/// Plivo's V3 text (`plivo.utils.signature_v3`): the URL without its query; `?` and the query
/// decoded and sorted when there is a query or a form; then, with a form, `.` after a non-empty
/// query and the form's parameters sorted, each name followed by its value.
fn sorted_url_form(url: &str, body: &[u8]) -> Vec<u8> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let query: Vec<String> = sorted_params(query.as_bytes())
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |v| format!("{name}={v}")))
        .collect();
    let query = query.join("&");
    let form = sorted_params(body);
    let mut out = base.as_bytes().to_vec();
    if !form.is_empty() || !query.is_empty() {
        out.push(b'?');
        out.extend_from_slice(query.as_bytes());
    }
    if !form.is_empty() {
        if !query.is_empty() {
            out.push(b'.');
        }
        for (name, values) in form {
            for value in values {
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(value.as_bytes());
            }
        }
    }
    out
}

/// Form parameters sorted by name, then by value, each distinct pair once, each name
/// followed by its value (what Twilio's SDKs sign).
fn sorted_form(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, mut values) in sorted_params(body) {
        values.dedup();
        for value in values {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(value.as_bytes());
        }
    }
    out
}

#[cfg(feature = "receiver")]
/// The URL as received, the same URL without its port, and with the scheme's default port:
/// the providers that sign URLs are not consistent about ports, and Twilio's SDKs accept all
/// three.
#[cfg(feature = "receiver")]
pub(crate) fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return out,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (authority, None),
    };
    if port.is_some() {
        out.push(format!("{scheme}://{host}{tail}"));
    }
    if port != Some(default) {
        out.push(format!("{scheme}://{host}:{default}{tail}"));
    }
    out
}

/// A header's trimmed, non-empty text.
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The signature header's or field's items: each value split by the separator and trimmed.
#[cfg(feature = "receiver")]
pub(crate) fn items(
    scheme: &SignatureScheme,
    headers: &HeaderMap,
    json: &mut Json<'_>,
) -> Vec<String> {
    let values: Vec<String> = match scheme.source {
        SignatureSource::Header(name) => headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect(),
        SignatureSource::Field(pointer) => json.text(pointer).into_iter().collect(),
    };
    values
        .iter()
        .flat_map(|v| match scheme.separator {
            Some(sep) => v.split(sep).map(str::to_owned).collect::<Vec<_>>(),
            None => vec![v.clone()],
        })
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// The signature as the header writes it (hex lowercase, base64 padded, base64url unpadded).
#[cfg(feature = "sender")]
pub(crate) fn encode(encoding: SignatureEncoding, signature: &[u8]) -> String {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    match encoding {
        SignatureEncoding::Hex => hex::encode(signature),
        SignatureEncoding::Base64 => STANDARD.encode(signature),
        SignatureEncoding::Base64url => URL_SAFE_NO_PAD.encode(signature),
    }
}

/// The signature `algorithm` made, as the header or field writes it: a JWT is its own text,
/// every other signature its bytes in `encoding`.
#[cfg(feature = "sender")]
pub(crate) fn write(
    algorithm: SignatureAlgorithm,
    encoding: SignatureEncoding,
    signature: &[u8],
) -> String {
    match algorithm {
        SignatureAlgorithm::JwtHs256 => String::from_utf8_lossy(signature).into_owned(),
        SignatureAlgorithm::HmacSha256
        | SignatureAlgorithm::HmacSha1
        | SignatureAlgorithm::HmacSha512
        | SignatureAlgorithm::Ed25519
        | SignatureAlgorithm::EcdsaP256Sha256 => encode(encoding, signature),
    }
}

/// One signature of `algorithm` as written, in what its key checks: a JWT's text, or the
/// decoded bytes of any other signature; `None` if it does not decode.
#[cfg(feature = "receiver")]
pub(crate) fn read(
    algorithm: SignatureAlgorithm,
    encoding: SignatureEncoding,
    text: &str,
) -> Option<Vec<u8>> {
    match algorithm {
        SignatureAlgorithm::JwtHs256 => Some(text.as_bytes().to_vec()),
        SignatureAlgorithm::HmacSha256
        | SignatureAlgorithm::HmacSha1
        | SignatureAlgorithm::HmacSha512
        | SignatureAlgorithm::Ed25519
        | SignatureAlgorithm::EcdsaP256Sha256 => decode(encoding, text),
    }
}

/// The bytes of one signature as written; `None` if it does not decode.
#[cfg(feature = "receiver")]
fn decode(encoding: SignatureEncoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        SignatureEncoding::Hex => hex::decode(text).ok(),
        SignatureEncoding::Base64 => crate::key::BASE64_LENIENT.decode(text).ok(),
        SignatureEncoding::Base64url => crate::key::BASE64URL_LENIENT.decode(text).ok(),
    }
}

#[cfg(feature = "sender")]
/// A message id no other request of this process has had: `msg_` and 16 random bytes in hex.
pub(crate) fn fresh_id() -> String {
    let mut bytes = [0u8; 16];
    // Without an entropy source the id is still unique per process (a counter), only
    // guessable, which a test sender does not mind.
    if getrandom::getrandom(&mut bytes).is_err() {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        bytes[..8].copy_from_slice(&n.to_be_bytes());
    }
    format!("msg_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_parameters_are_sorted_and_concatenated() {
        assert_eq!(
            sorted_form(b"To=%2B1555&From=x&Body=hi+there&A=2&A=1&A=1"),
            b"A1A2Bodyhi thereFromxTo+1555"
        );
        assert_eq!(sorted_form(b""), b"");
    }

    #[cfg(feature = "sender")]
    #[test]
    fn fresh_ids_are_unguessable_and_distinct() {
        let a = fresh_id();
        let b = fresh_id();
        assert_ne!(a, b);
        for id in [a, b] {
            let hex = id.strip_prefix("msg_").expect("msg_ prefix");
            assert_eq!(hex.len(), 32, "{id}");
            assert!(hex.bytes().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
    }

    #[test]
    fn plivo_sorts_the_query_then_the_form() {
        let url = "https://x.test/a/b?z=1&a=x%20y&a=b";
        assert_eq!(
            String::from_utf8(sorted_url_form(url, b"To=%2B1&From=2&D=2&D=1")).unwrap(),
            "https://x.test/a/b?a=b&a=x y&z=1.D1D2From2To+1"
        );
        assert_eq!(
            String::from_utf8(sorted_url_form("https://x.test/a", b"B=1&A=")).unwrap(),
            "https://x.test/a?AB1"
        );
        assert_eq!(
            String::from_utf8(sorted_url_form(url, b"")).unwrap(),
            "https://x.test/a/b?a=b&a=x y&z=1"
        );
        assert_eq!(
            sorted_url_form("https://x.test/a", b""),
            b"https://x.test/a"
        );
    }

    #[test]
    fn urls_are_tried_with_and_without_the_default_port() {
        assert_eq!(
            url_variants("https://example.com/hook?a=1"),
            [
                "https://example.com/hook?a=1",
                "https://example.com:443/hook?a=1"
            ]
        );
        assert_eq!(
            url_variants("https://example.com:443/hook"),
            ["https://example.com:443/hook", "https://example.com/hook"]
        );
        assert_eq!(
            url_variants("http://example.com:8080/hook"),
            [
                "http://example.com:8080/hook",
                "http://example.com/hook",
                "http://example.com:80/hook"
            ]
        );
        assert_eq!(
            url_variants("http://example.com"),
            ["http://example.com", "http://example.com:80"]
        );
        // An IPv6 literal's colons are not a port.
        assert_eq!(
            url_variants("https://[::1]/h"),
            ["https://[::1]/h", "https://[::1]:443/h"]
        );
        assert_eq!(
            url_variants("https://[::1]:8443/h"),
            [
                "https://[::1]:8443/h",
                "https://[::1]/h",
                "https://[::1]:443/h"
            ]
        );
    }

    #[test]
    fn a_body_hash_in_the_url_replaces_the_form() {
        let body = br#"{"a":1}"#;
        let hash = hex::encode(Sha256::digest(body));
        let url = format!("https://x.test/h?bodySHA256={hash}");
        assert_eq!(body_hash_matches(Some(&url), body), Ok(true));
        assert_eq!(body_hash_matches(Some(&url), b"{}"), Err(Missing::BodyHash));
        assert_eq!(body_hash_matches(Some("https://x.test/h"), body), Ok(false));
        assert_eq!(body_hash_matches(None, body), Ok(false));
    }

    #[test]
    fn fields_are_read_as_text() {
        let mut json = Json::new(br#"{"s":"1","n":17,"b":true,"o":{},"z":null}"#);
        assert_eq!(json.text("/s").as_deref(), Some("1"));
        assert_eq!(json.text("/n").as_deref(), Some("17"));
        assert_eq!(json.text("/b").as_deref(), Some("true"));
        assert_eq!(json.text("/o"), None);
        assert_eq!(json.text("/z"), None);
        assert_eq!(json.text("/nope"), None);
        assert_eq!(Json::new(b"not json").text("/s"), None);
    }
}
