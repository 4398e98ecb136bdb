//! HMAC-SHA256 body signatures as `x-asyncgen-signature` defines them: which bytes are signed
//! and how the MAC is written. The verifier and the signer share this module so that they
//! cannot disagree about either.

#[cfg(any(feature = "receiver", feature = "sender"))]
use base64::Engine as _;
#[cfg(feature = "receiver")]
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
#[cfg(any(feature = "receiver", feature = "sender"))]
use hmac::{Hmac, Mac};
#[cfg(any(feature = "receiver", feature = "sender"))]
use sha2::Sha256;

use crate::error::ConfigError;
#[cfg(any(feature = "receiver", feature = "sender"))]
use crate::scheme::SignatureEncoding;

/// The MAC length of HMAC-SHA256; a decoded signature of any other length never verifies.
#[cfg(any(feature = "receiver", feature = "sender"))]
pub(crate) const MAC_LEN: usize = 32;

/// A sender writes padded base64; a receiver also takes it unpadded, which changes nothing
/// about what verifies (the decoded bytes are compared) but spares a provider quirk.
#[cfg(feature = "receiver")]
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A piece of a signed-payload template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignedPart<'a> {
    Literal(&'a str),
    Timestamp,
    Body,
}

/// Splits `{timestamp}.{body}`-style templates; the same grammar asyncgen-spec validates.
pub(crate) fn parse_template(template: &str) -> Result<Vec<SignedPart<'_>>, ConfigError> {
    let bad = |why: &str| {
        ConfigError::InvalidScheme(format!("signed payload template `{template}`: {why}"))
    };
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                parts.push(SignedPart::Literal(rest));
                break;
            }
            Some(i) if rest[i..].starts_with('}') => return Err(bad("`}` without `{`")),
            Some(i) => {
                if i > 0 {
                    parts.push(SignedPart::Literal(&rest[..i]));
                }
                let len = rest[i..].find('}').ok_or_else(|| bad("`{` without `}`"))?;
                parts.push(match &rest[i + 1..i + len] {
                    "timestamp" => SignedPart::Timestamp,
                    "body" => SignedPart::Body,
                    _ => return Err(bad("the placeholders are {timestamp} and {body}")),
                });
                rest = &rest[i + len + 1..];
            }
        }
    }
    Ok(parts)
}

/// What is signed when there is no timestamp: the raw body alone.
#[cfg(any(feature = "receiver", feature = "sender"))]
pub(crate) const BODY_ONLY: &[SignedPart<'static>] = &[SignedPart::Body];

/// The HMAC-SHA256 of the signed payload `parts` builds from `timestamp` and `body`, fed
/// piecewise so the body is never copied.
#[cfg(any(feature = "receiver", feature = "sender"))]
pub(crate) fn mac(
    secret: &[u8],
    parts: &[SignedPart<'_>],
    timestamp: &str,
    body: &[u8],
) -> [u8; MAC_LEN] {
    // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .expect("HMAC-SHA256 accepts a key of any length");
    for part in parts {
        match part {
            SignedPart::Literal(text) => mac.update(text.as_bytes()),
            SignedPart::Timestamp => mac.update(timestamp.as_bytes()),
            SignedPart::Body => mac.update(body),
        }
    }
    mac.finalize().into_bytes().into()
}

/// The MAC as the header writes it (hex lowercase, base64 padded).
#[cfg(feature = "sender")]
pub(crate) fn encode(encoding: SignatureEncoding, mac: &[u8]) -> String {
    match encoding {
        SignatureEncoding::Hex => hex::encode(mac),
        SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(mac),
    }
}

/// The MAC bytes of one signature as the header wrote it; `None` if it does not decode.
#[cfg(feature = "receiver")]
pub(crate) fn decode(encoding: SignatureEncoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        SignatureEncoding::Hex => hex::decode(text).ok(),
        SignatureEncoding::Base64 => BASE64_LENIENT.decode(text).ok(),
    }
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
        assert!(parse_template("{nope}").is_err());
        assert!(parse_template("{body").is_err());
        assert!(parse_template("body}").is_err());
    }

    #[cfg(any(feature = "receiver", feature = "sender"))]
    #[test]
    fn piecewise_mac_equals_mac_of_the_joined_payload() {
        let parts = parse_template("{timestamp}.{body}").unwrap();
        let joined = mac(b"k", BODY_ONLY, "", b"17.{}");
        assert_eq!(mac(b"k", &parts, "17", b"{}"), joined);
    }

    #[cfg(all(feature = "receiver", feature = "sender"))]
    #[test]
    fn encodings_round_trip() {
        let m = [0xabu8; MAC_LEN];
        for e in [SignatureEncoding::Hex, SignatureEncoding::Base64] {
            assert_eq!(decode(e, &encode(e, &m)).unwrap(), m);
        }
        assert_eq!(
            decode(SignatureEncoding::Hex, "ABCD").unwrap(),
            [0xab, 0xcd]
        );
        assert_eq!(
            decode(SignatureEncoding::Base64, "q6s").unwrap(),
            [0xab, 0xab]
        );
        assert!(decode(SignatureEncoding::Hex, "zz").is_none());
        assert!(decode(SignatureEncoding::Base64, "!!").is_none());
    }
}
