//! The grammar of a body signature (`x-asyncgen-signature`), defined once: its algorithms,
//! encodings, key formats, signed-payload template, timestamp sources, handshakes and the
//! providers' presets. The spec validator, the generators, the runtime verifier and the sender
//! all read it from here, so that they cannot disagree about what a document means, and a
//! variant added here fails to compile until every `match` on it (generator, verifier, signer)
//! handles it.

mod algorithm;
mod preset;
mod template;

pub use algorithm::{Handshake, KeyFormat, SignatureAlgorithm, SignatureEncoding, TimestampUnit};
pub use preset::{
    EventId, PRESETS, Preset, PresetDelivery, PresetTimestamp, names as preset_names, preset,
};
pub use template::{
    SignedPart, TemplateError, TimestampSource, default_template, parse_template, signed_parts,
};

/// The largest accepted clock difference, in seconds, when the document names none.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_documents_write() {
        let algorithms: Vec<_> = SignatureAlgorithm::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(
            algorithms,
            [
                "hmac-sha256",
                "hmac-sha1",
                "hmac-sha512",
                "ed25519",
                "ecdsa-p256-sha256",
                "jwt-hs256"
            ]
        );
        let titles: Vec<_> = SignatureAlgorithm::ALL.iter().map(|a| a.title()).collect();
        assert_eq!(
            titles,
            [
                "HMAC-SHA256",
                "HMAC-SHA1",
                "HMAC-SHA512",
                "Ed25519",
                "ECDSA P-256 with SHA-256",
                "HS256 JWT"
            ]
        );
        let lens: Vec<_> = SignatureAlgorithm::ALL
            .iter()
            .map(|a| a.signature_len())
            .collect();
        assert_eq!(lens, [Some(32), Some(20), Some(64), Some(64), None, None]);
        let encodings: Vec<_> = SignatureEncoding::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(encodings, ["hex", "base64", "base64url"]);
        let keys: Vec<_> = KeyFormat::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(keys, ["text", "base64", "whsec", "hex", "pem"]);
        assert_eq!(TimestampUnit::Milliseconds.name(), "milliseconds");
        assert_eq!(TimestampUnit::default(), TimestampUnit::Seconds);
    }

    #[test]
    fn asymmetric_keys_are_never_text() {
        for a in SignatureAlgorithm::ALL {
            let asymmetric = a.is_asymmetric();
            assert_eq!(KeyFormat::Text.fits(*a), !asymmetric, "{a:?}");
            assert_eq!(KeyFormat::Whsec.fits(*a), !asymmetric, "{a:?}");
            assert_eq!(KeyFormat::Pem.fits(*a), asymmetric, "{a:?}");
            assert!(KeyFormat::Hex.fits(*a) && KeyFormat::Base64.fits(*a));
            assert!(a.default_key().fits(*a));
        }
        assert!(SignatureAlgorithm::Ed25519.is_asymmetric());
        assert!(SignatureAlgorithm::EcdsaP256Sha256.is_asymmetric());
        assert!(!SignatureAlgorithm::HmacSha1.is_asymmetric());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_spells_each_name() {
        fn round_trip<T>(all: &[T], name: impl Fn(&T) -> &'static str)
        where
            T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), name(v));
                let back: T = serde_json::from_value(name(v).into()).unwrap();
                assert_eq!(&back, v);
            }
        }
        round_trip(SignatureAlgorithm::ALL, |a| a.name());
        round_trip(SignatureEncoding::ALL, |e| e.name());
        round_trip(KeyFormat::ALL, |k| k.name());
        round_trip(Handshake::ALL, |h| h.name());
        round_trip(
            &[TimestampUnit::Seconds, TimestampUnit::Milliseconds],
            |u| u.name(),
        );
    }
}
