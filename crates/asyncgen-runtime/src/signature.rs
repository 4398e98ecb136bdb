//! Body signatures as `x-asyncgen-signature` defines them: which bytes are signed, with which
//! MAC, and how the MAC is written. The verifier and the signer share this module so that they
//! cannot disagree about any of it; the grammar itself is `asyncgen-signature`'s.

use base64::Engine as _;
#[cfg(feature = "receiver")]
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use asyncgen_signature::{BODY_ONLY, SignedPart};

use crate::error::ConfigError;
use crate::scheme::{SignatureAlgorithm, SignatureEncoding, SignatureScheme, template_error};

/// A sender writes padded base64; a receiver also takes it unpadded, which changes nothing
/// about what verifies (the decoded bytes are compared) but spares a provider quirk.
#[cfg(feature = "receiver")]
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The same leniency for the URL-safe alphabet, which a sender writes unpadded.
#[cfg(feature = "receiver")]
const BASE64URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What `scheme` signs, in order: the body alone, or its timestamp template (which must sign
/// both the body and the timestamp).
pub(crate) fn signed_parts(
    scheme: &SignatureScheme,
) -> Result<Vec<SignedPart<'static>>, ConfigError> {
    match scheme.timestamp {
        Some(ts) => asyncgen_signature::signed_parts(ts.signed_payload).map_err(template_error),
        None => Ok(BODY_ONLY.to_vec()),
    }
}

/// The MAC of the signed payload `parts` builds from `timestamp` and `body` under
/// `algorithm`, fed piecewise so the body is never copied.
pub(crate) fn mac(
    algorithm: SignatureAlgorithm,
    secret: &[u8],
    parts: &[SignedPart<'_>],
    timestamp: &str,
    body: &[u8],
) -> Vec<u8> {
    match algorithm {
        SignatureAlgorithm::HmacSha256 => hmac::<Hmac<Sha256>>(secret, parts, timestamp, body),
        SignatureAlgorithm::HmacSha1 => hmac::<Hmac<Sha1>>(secret, parts, timestamp, body),
        SignatureAlgorithm::HmacSha512 => hmac::<Hmac<Sha512>>(secret, parts, timestamp, body),
    }
}

fn hmac<M: Mac + hmac::digest::KeyInit>(
    secret: &[u8],
    parts: &[SignedPart<'_>],
    timestamp: &str,
    body: &[u8],
) -> Vec<u8> {
    // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
    let mut mac = <M as Mac>::new_from_slice(secret).expect("HMAC accepts a key of any length");
    for part in parts {
        match part {
            SignedPart::Literal(text) => mac.update(text.as_bytes()),
            SignedPart::Timestamp => mac.update(timestamp.as_bytes()),
            SignedPart::Body => mac.update(body),
        }
    }
    mac.finalize().into_bytes().to_vec()
}

/// The MAC as the header writes it (hex lowercase, base64 padded, base64url unpadded).
#[cfg(feature = "sender")]
pub(crate) fn encode(encoding: SignatureEncoding, mac: &[u8]) -> String {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    match encoding {
        SignatureEncoding::Hex => hex::encode(mac),
        SignatureEncoding::Base64 => STANDARD.encode(mac),
        SignatureEncoding::Base64url => URL_SAFE_NO_PAD.encode(mac),
    }
}

/// The MAC bytes of one signature as the header wrote it; `None` if it does not decode.
#[cfg(feature = "receiver")]
pub(crate) fn decode(encoding: SignatureEncoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        SignatureEncoding::Hex => hex::decode(text).ok(),
        SignatureEncoding::Base64 => BASE64_LENIENT.decode(text).ok(),
        SignatureEncoding::Base64url => BASE64URL_LENIENT.decode(text).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::scheme::SignatureTimestamp;

    #[test]
    fn a_timestamped_scheme_signs_its_template_and_a_plain_one_the_body() {
        let plain = SignatureScheme::new("X-Sig", SignatureEncoding::Hex);
        assert_eq!(signed_parts(&plain).unwrap(), BODY_ONLY);
        let stamped = plain.with_timestamp(SignatureTimestamp::new("X-Ts"));
        assert_eq!(
            signed_parts(&stamped).unwrap(),
            [
                SignedPart::Timestamp,
                SignedPart::Literal("."),
                SignedPart::Body
            ]
        );
        let unsigned_ts =
            plain.with_timestamp(SignatureTimestamp::new("X-Ts").with_signed_payload("{body}"));
        assert!(signed_parts(&unsigned_ts).is_err());
    }

    /// RFC 2202 and RFC 4231, test case 2 ("Jefe"): each algorithm is the one its name says.
    #[test]
    fn published_hmac_vectors() {
        let data = b"what do ya want for nothing?";
        let cases = [
            (
                SignatureAlgorithm::HmacSha1,
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            ),
            (
                SignatureAlgorithm::HmacSha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                SignatureAlgorithm::HmacSha512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        assert_eq!(
            cases.len(),
            SignatureAlgorithm::ALL.len(),
            "a vector per algorithm"
        );
        for (algorithm, expected) in cases {
            let got = mac(algorithm, b"Jefe", BODY_ONLY, "", data);
            assert_eq!(hex::encode(&got), expected, "{}", algorithm.name());
            assert_eq!(got.len(), algorithm.mac_len());
        }
    }

    #[test]
    fn piecewise_mac_equals_mac_of_the_joined_payload() {
        let parts = asyncgen_signature::signed_parts("{timestamp}.{body}").unwrap();
        let alg = SignatureAlgorithm::HmacSha256;
        let joined = mac(alg, b"k", BODY_ONLY, "", b"17.{}");
        assert_eq!(mac(alg, b"k", &parts, "17", b"{}"), joined);
        assert_eq!(joined.len(), alg.mac_len());
    }

    #[cfg(all(feature = "receiver", feature = "sender"))]
    #[test]
    fn encodings_round_trip() {
        let m = [0xabu8; 32];
        for e in SignatureEncoding::ALL.iter().copied() {
            assert_eq!(decode(e, &encode(e, &m)).unwrap(), m);
        }
        // The two alphabets differ exactly where `+` / `/` and `-` / `_` stand.
        assert_eq!(encode(SignatureEncoding::Base64, &[0xfb, 0xff]), "+/8=");
        assert_eq!(encode(SignatureEncoding::Base64url, &[0xfb, 0xff]), "-_8");
        assert_eq!(
            decode(SignatureEncoding::Base64url, "-_8=").unwrap(),
            [0xfb, 0xff]
        );
        assert!(decode(SignatureEncoding::Base64url, "+/8=").is_none());
        assert!(decode(SignatureEncoding::Base64, "-_8").is_none());
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
