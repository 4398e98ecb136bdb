//! Keys as the provider's dashboard shows them, decoded once at start-up into what verifies
//! (a shared secret, or the provider's public key) and what signs (the same secret, or the
//! private key a test or mock provider holds). A key that does not decode is a configuration
//! error, never a verifier that refuses everything in silence.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

use std::time::SystemTime;

use crate::error::KeyError;
use crate::scheme::{KeyFormat, SignatureAlgorithm};
use crate::secret::Secret;

/// Base64 as people paste it: padded or not.
pub(crate) const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The same leniency for the URL-safe alphabet.
#[cfg(feature = "receiver")]
pub(crate) const BASE64URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The hash of an HMAC scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HmacHash {
    Sha1,
    Sha256,
    Sha512,
}

impl HmacHash {
    /// The MAC of `message` keyed with `key`.
    pub(crate) fn mac(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
            // HMAC takes keys of any length (longer ones are hashed), so this cannot fail.
            let mut mac =
                <M as Mac>::new_from_slice(key).expect("HMAC accepts a key of any length");
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            HmacHash::Sha1 => run::<Hmac<Sha1>>(key, message),
            HmacHash::Sha256 => run::<Hmac<Sha256>>(key, message),
            HmacHash::Sha512 => run::<Hmac<Sha512>>(key, message),
        }
    }
}

/// What checks a signature: a shared secret, or a public key.
#[cfg(feature = "receiver")]
#[derive(Clone)]
pub(crate) enum VerifyKey {
    Hmac(HmacHash, Box<[u8]>),
    Jwt(Box<[u8]>),
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

/// What makes a signature: a shared secret, or a private key.
#[cfg(feature = "sender")]
#[derive(Clone)]
pub(crate) enum SignKey {
    Hmac(HmacHash, Box<[u8]>),
    Jwt(Box<[u8]>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    P256(p256::ecdsa::SigningKey),
}

#[cfg(feature = "receiver")]
impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VerifyKey::Hmac(..) => "VerifyKey::Hmac(<redacted>)",
            VerifyKey::Jwt(..) => "VerifyKey::Jwt(<redacted>)",
            VerifyKey::Ed25519(_) => "VerifyKey::Ed25519",
            VerifyKey::P256(_) => "VerifyKey::P256",
        })
    }
}

#[cfg(feature = "sender")]
impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignKey::Hmac(..) => "SignKey::Hmac(<redacted>)",
            SignKey::Jwt(..) => "SignKey::Jwt(<redacted>)",
            SignKey::Ed25519(_) => "SignKey::Ed25519(<redacted>)",
            SignKey::P256(_) => "SignKey::P256(<redacted>)",
        })
    }
}

fn bytes(format: KeyFormat, text: &[u8]) -> Result<Vec<u8>, KeyError> {
    let trimmed = std::str::from_utf8(text)
        .map(str::trim)
        .map_err(|_| KeyError::Encoding("UTF-8"));
    match format {
        KeyFormat::Text => Ok(text.to_vec()),
        KeyFormat::Base64 => BASE64_LENIENT
            .decode(trimmed?)
            .map_err(|_| KeyError::Encoding("base64")),
        KeyFormat::Whsec => {
            let t = trimmed?;
            BASE64_LENIENT
                .decode(t.strip_prefix("whsec_").unwrap_or(t))
                .map_err(|_| KeyError::Whsec)
        }
        KeyFormat::Hex => hex::decode(trimmed?).map_err(|_| KeyError::Encoding("hexadecimal")),
        KeyFormat::Pem => Err(KeyError::Format("shared", "pem")),
    }
}

fn text(secret: &Secret) -> Result<&str, KeyError> {
    std::str::from_utf8(secret.expose())
        .map(str::trim)
        .map_err(|_| KeyError::Encoding("UTF-8"))
}

#[cfg(feature = "receiver")]
impl VerifyKey {
    /// The key of `algorithm` written as `format`.
    pub(crate) fn decode(
        algorithm: SignatureAlgorithm,
        format: KeyFormat,
        secret: &Secret,
    ) -> Result<VerifyKey, KeyError> {
        use ed25519_dalek::pkcs8::DecodePublicKey as _;
        if !format.fits(algorithm) {
            return Err(KeyError::Format(algorithm.title(), format.name()));
        }
        let hmac = |hash| {
            Ok(VerifyKey::Hmac(
                hash,
                bytes(format, secret.expose())?.into(),
            ))
        };
        let pem = format == KeyFormat::Pem;
        match algorithm {
            SignatureAlgorithm::Ed25519 => {
                let key = if pem {
                    ed25519_dalek::VerifyingKey::from_public_key_pem(text(secret)?).ok()
                } else {
                    let raw = bytes(format, secret.expose())?;
                    match <[u8; 32]>::try_from(raw.as_slice()) {
                        Ok(raw) => ed25519_dalek::VerifyingKey::from_bytes(&raw).ok(),
                        Err(_) => ed25519_dalek::VerifyingKey::from_public_key_der(&raw).ok(),
                    }
                };
                key.filter(|k| !k.is_weak())
                    .map(VerifyKey::Ed25519)
                    .ok_or(KeyError::Key("an Ed25519 public key"))
            }
            SignatureAlgorithm::EcdsaP256Sha256 => {
                let key = if pem {
                    p256::ecdsa::VerifyingKey::from_public_key_pem(text(secret)?).ok()
                } else {
                    let raw = bytes(format, secret.expose())?;
                    p256::ecdsa::VerifyingKey::from_public_key_der(&raw)
                        .ok()
                        .or_else(|| p256::ecdsa::VerifyingKey::from_sec1_bytes(&raw).ok())
                };
                key.map(VerifyKey::P256)
                    .ok_or(KeyError::Key("a P-256 public key"))
            }
            SignatureAlgorithm::HmacSha256 => hmac(HmacHash::Sha256),
            SignatureAlgorithm::HmacSha1 => hmac(HmacHash::Sha1),
            SignatureAlgorithm::HmacSha512 => hmac(HmacHash::Sha512),
            SignatureAlgorithm::JwtHs256 => {
                Ok(VerifyKey::Jwt(bytes(format, secret.expose())?.into()))
            }
        }
    }

    /// Whether `signature` is this key's signature of `message` as of `now`; an HMAC is
    /// compared in constant time.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8], now: SystemTime) -> bool {
        match self {
            VerifyKey::Jwt(key) => jwt_binds(key, message, signature, now),
            VerifyKey::Hmac(hash, key) => {
                let mac = hash.mac(key, message);
                mac.len() == signature.len()
                    && bool::from(subtle::ConstantTimeEq::ct_eq(mac.as_slice(), signature))
            }
            VerifyKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| key.verify_strict(message, &s).is_ok()),
            VerifyKey::P256(key) => {
                use p256::ecdsa::signature::Verifier as _;
                p256::ecdsa::Signature::from_der(signature)
                    .is_ok_and(|s| key.verify(message, &s).is_ok())
            }
        }
    }

    /// The shared secret's bytes, for handshakes that prove the receiver holds it (Zoom).
    pub(crate) fn shared(&self) -> Option<&[u8]> {
        match self {
            VerifyKey::Hmac(_, key) | VerifyKey::Jwt(key) => Some(key),
            VerifyKey::Ed25519(_) | VerifyKey::P256(_) => None,
        }
    }
}

#[cfg(feature = "sender")]
impl SignKey {
    /// The signing key of `algorithm` written as `format`: the shared secret, or a private key
    /// (a 32-byte Ed25519 seed or P-256 scalar in hex or base64, PKCS #8 DER in base64, or a
    /// PKCS #8 PEM).
    pub(crate) fn decode(
        algorithm: SignatureAlgorithm,
        format: KeyFormat,
        secret: &Secret,
    ) -> Result<SignKey, KeyError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey as _;
        if !format.fits(algorithm) {
            return Err(KeyError::Format(algorithm.title(), format.name()));
        }
        let hmac = |hash| Ok(SignKey::Hmac(hash, bytes(format, secret.expose())?.into()));
        let pem = format == KeyFormat::Pem;
        match algorithm {
            SignatureAlgorithm::Ed25519 => {
                let key = if pem {
                    ed25519_dalek::SigningKey::from_pkcs8_pem(text(secret)?).ok()
                } else {
                    let raw = bytes(format, secret.expose())?;
                    match <[u8; 32]>::try_from(raw.as_slice()) {
                        Ok(seed) => Some(ed25519_dalek::SigningKey::from_bytes(&seed)),
                        Err(_) => ed25519_dalek::SigningKey::from_pkcs8_der(&raw).ok(),
                    }
                };
                key.map(|k| SignKey::Ed25519(Box::new(k)))
                    .ok_or(KeyError::Key("an Ed25519 private key"))
            }
            SignatureAlgorithm::EcdsaP256Sha256 => {
                let key = if pem {
                    p256::ecdsa::SigningKey::from_pkcs8_pem(text(secret)?).ok()
                } else {
                    let raw = bytes(format, secret.expose())?;
                    p256::ecdsa::SigningKey::from_slice(&raw)
                        .ok()
                        .or_else(|| p256::ecdsa::SigningKey::from_pkcs8_der(&raw).ok())
                };
                key.map(SignKey::P256)
                    .ok_or(KeyError::Key("a P-256 private key"))
            }
            SignatureAlgorithm::HmacSha256 => hmac(HmacHash::Sha256),
            SignatureAlgorithm::HmacSha1 => hmac(HmacHash::Sha1),
            SignatureAlgorithm::HmacSha512 => hmac(HmacHash::Sha512),
            SignatureAlgorithm::JwtHs256 => {
                Ok(SignKey::Jwt(bytes(format, secret.expose())?.into()))
            }
        }
    }

    /// The signature of `message` at `now` (an ECDSA signature DER-encoded, deterministic per
    /// RFC 6979; a JWT as its text).
    pub(crate) fn sign(&self, message: &[u8], now: SystemTime) -> Vec<u8> {
        match self {
            SignKey::Hmac(hash, key) => hash.mac(key, message),
            SignKey::Jwt(key) => jwt_for(key, message, now),
            SignKey::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(message).to_bytes().to_vec()
            }
            SignKey::P256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
        }
    }

    /// The public key a receiver is given for this private key, in `format` as the providers'
    /// dashboards write it: an Ed25519 key as its 32 raw bytes in hex or base64 (Discord,
    /// Telnyx), a P-256 key as SubjectPublicKeyInfo DER in base64 (SendGrid), either as a PEM
    /// `PUBLIC KEY`; `None` for a shared secret.
    pub fn public_key(&self, format: KeyFormat) -> Option<String> {
        use base64::engine::general_purpose::STANDARD;
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        let (raw, der) = match self {
            SignKey::Hmac(..) | SignKey::Jwt(..) => return None,
            SignKey::Ed25519(key) => {
                let public = key.verifying_key();
                (public.as_bytes().to_vec(), public.to_public_key_der().ok()?)
            }
            SignKey::P256(key) => {
                let der = key.verifying_key().to_public_key_der().ok()?;
                (der.as_bytes().to_vec(), der)
            }
        };
        match format {
            KeyFormat::Hex => Some(hex::encode(raw)),
            KeyFormat::Base64 => Some(STANDARD.encode(raw)),
            KeyFormat::Pem => der.to_pem("PUBLIC KEY", p256::pkcs8::LineEnding::LF).ok(),
            KeyFormat::Text | KeyFormat::Whsec => None,
        }
    }
}

/// Whether `token` is an HS256 JWT under `key` whose `payload_hash` claim is the hex SHA-256
/// of `message`, with no time claim in the future (beyond the JWT leeway) as of `now`.
#[cfg(feature = "receiver")]
fn jwt_binds(key: &[u8], message: &[u8], token: &[u8], now: SystemTime) -> bool {
    use sha2::Digest as _;
    let Ok(secrets) = crate::secret::Secrets::single(key) else {
        return false;
    };
    let Ok(claims) = crate::jwt::verify(token, &secrets, now) else {
        return false;
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&claims) else {
        return false;
    };
    let issued_in_future = claims
        .get("iat")
        .and_then(serde_json::Value::as_u64)
        .is_some_and(|iat| {
            let now = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            iat > now + crate::jwt::LEEWAY.as_secs()
        });
    let Some(claimed) = claims
        .get("payload_hash")
        .and_then(serde_json::Value::as_str)
    else {
        return false;
    };
    let actual = hex::encode(Sha256::digest(message));
    let bound = bool::from(subtle::ConstantTimeEq::ct_eq(
        actual.as_bytes(),
        claimed.to_ascii_lowercase().as_bytes(),
    ));
    bound && !issued_in_future
}

/// An HS256 JWT under `key` binding `message` by its hex SHA-256, issued at `now` with a fresh
/// `jti`, as Vonage signs its webhooks.
#[cfg(feature = "sender")]
fn jwt_for(key: &[u8], message: &[u8], now: SystemTime) -> Vec<u8> {
    use sha2::Digest as _;
    let claims = serde_json::json!({
        "iat": now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs(),
        "jti": crate::signature::fresh_id(),
        "payload_hash": hex::encode(Sha256::digest(message)),
    });
    // A key is never empty (`Secret` refuses it) and the claims are an object, so encoding
    // cannot fail; an empty token would only ever be refused.
    crate::secret::Secret::new(key)
        .ok()
        .and_then(|secret| crate::jwt::encode(claims.to_string().as_bytes(), &secret).ok())
        .unwrap_or_default()
        .into_bytes()
}

#[cfg(test)]
#[cfg(all(feature = "receiver", feature = "sender"))]
mod tests {
    use super::*;
    use sha2::Digest as _;

    fn secret(text: &str) -> Secret {
        Secret::new(text).expect("non-empty")
    }

    /// RFC 2202 and RFC 4231, test case 2 ("Jefe"): each hash is the one its name says.
    #[test]
    fn published_hmac_vectors() {
        let data = b"what do ya want for nothing?";
        let cases = [
            (HmacHash::Sha1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            (
                HmacHash::Sha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                HmacHash::Sha512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (hash, expected) in cases {
            assert_eq!(hex::encode(hash.mac(b"Jefe", data)), expected, "{hash:?}");
        }
    }

    /// RFC 8032 section 7.1, TEST 1: the key pair, and the signature of the empty message.
    #[test]
    fn rfc8032_ed25519_vector() {
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
        let alg = SignatureAlgorithm::Ed25519;
        let signer = SignKey::decode(alg, KeyFormat::Hex, &secret(seed)).expect("seed");
        assert_eq!(signer.public_key(KeyFormat::Hex).as_deref(), Some(public));
        assert_eq!(
            hex::encode(signer.sign(b"", SystemTime::UNIX_EPOCH)),
            signature
        );
        let key = VerifyKey::decode(alg, KeyFormat::Hex, &secret(public)).expect("public");
        let sig = hex::decode(signature).expect("hex");
        assert!(key.verifies(b"", &sig, SystemTime::UNIX_EPOCH));
        assert!(!key.verifies(b"x", &sig, SystemTime::UNIX_EPOCH));
        // The same key as base64 of its SubjectPublicKeyInfo, and as PEM.
        let spki = signer.public_key(KeyFormat::Pem).expect("pem");
        assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----"), "{spki}");
        let key = VerifyKey::decode(alg, KeyFormat::Pem, &secret(&spki)).expect("pem key");
        assert!(key.verifies(b"", &sig, SystemTime::UNIX_EPOCH));
    }

    /// RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample": the deterministic
    /// signature (r, s), which a verifier accepts in DER and refuses for another message.
    #[test]
    fn rfc6979_p256_vector() {
        let private = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
        let r = "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716";
        let s = "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";
        let alg = SignatureAlgorithm::EcdsaP256Sha256;
        let signer = SignKey::decode(alg, KeyFormat::Hex, &secret(private)).expect("scalar");
        let der = signer.sign(b"sample", SystemTime::UNIX_EPOCH);
        let parsed = p256::ecdsa::Signature::from_der(&der).expect("DER");
        assert_eq!(hex::encode(parsed.r().to_bytes()), r);
        assert_eq!(hex::encode(parsed.s().to_bytes()), s);
        let public = signer.public_key(KeyFormat::Base64).expect("spki");
        let key = VerifyKey::decode(alg, KeyFormat::Base64, &secret(&public)).expect("key");
        assert!(key.verifies(b"sample", &der, SystemTime::UNIX_EPOCH));
        assert!(!key.verifies(b"test", &der, SystemTime::UNIX_EPOCH));
        assert!(!key.verifies(b"sample", &der[..der.len() - 1], SystemTime::UNIX_EPOCH));
    }

    /// Keys that are not what the scheme says are refused at start-up, each with its reason;
    /// a public key is never read as a shared secret.
    #[test]
    fn keys_that_do_not_decode_are_refused() {
        let ed = SignatureAlgorithm::Ed25519;
        let hmac = SignatureAlgorithm::HmacSha256;
        let cases = [
            (
                hmac,
                KeyFormat::Base64,
                "not base64!",
                KeyError::Encoding("base64"),
            ),
            (
                hmac,
                KeyFormat::Hex,
                "zz",
                KeyError::Encoding("hexadecimal"),
            ),
            (hmac, KeyFormat::Whsec, "whsec_!!", KeyError::Whsec),
            (
                hmac,
                KeyFormat::Pem,
                "x",
                KeyError::Format("HMAC-SHA256", "pem"),
            ),
            (
                ed,
                KeyFormat::Text,
                "x",
                KeyError::Format("Ed25519", "text"),
            ),
            (
                ed,
                KeyFormat::Hex,
                "abcd",
                KeyError::Key("an Ed25519 public key"),
            ),
            (
                SignatureAlgorithm::EcdsaP256Sha256,
                KeyFormat::Base64,
                "AAAA",
                KeyError::Key("a P-256 public key"),
            ),
        ];
        for (alg, format, text, why) in cases {
            assert_eq!(
                VerifyKey::decode(alg, format, &secret(text)).err(),
                Some(why),
                "{alg:?} {format:?}"
            );
        }
        // `whsec_` is optional, as the reference libraries allow; the bytes are what decode.
        let with = VerifyKey::decode(hmac, KeyFormat::Whsec, &secret("whsec_AAEC")).expect("ok");
        let without = VerifyKey::decode(hmac, KeyFormat::Whsec, &secret("AAEC")).expect("ok");
        assert_eq!(with.shared(), Some(&[0u8, 1, 2][..]));
        assert_eq!(without.shared(), with.shared());
        // A weak (small-order) Ed25519 key verifies anything forged for it: refused.
        let identity = "0100000000000000000000000000000000000000000000000000000000000000";
        assert_eq!(
            VerifyKey::decode(ed, KeyFormat::Hex, &secret(identity)).err(),
            Some(KeyError::Key("an Ed25519 public key"))
        );
        assert_eq!(
            SignKey::decode(ed, KeyFormat::Hex, &secret("abcd")).err(),
            Some(KeyError::Key("an Ed25519 private key"))
        );
    }

    /// Vonage's scheme: the JWT verifies only for the body whose SHA-256 it claims, only with
    /// its key, and not when issued further ahead of the receiver's clock than the leeway.
    #[test]
    fn a_jwt_signature_binds_the_body_and_its_time() {
        use std::time::Duration;
        let alg = SignatureAlgorithm::JwtHs256;
        let key = secret("k");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = SignKey::decode(alg, KeyFormat::Text, &key)
            .expect("key")
            .sign(b"body", now);
        let verifier = VerifyKey::decode(alg, KeyFormat::Text, &key).expect("key");
        assert!(verifier.verifies(b"body", &token, now));
        assert!(!verifier.verifies(b"other", &token, now));
        let other = VerifyKey::decode(alg, KeyFormat::Text, &secret("j")).expect("key");
        assert!(!other.verifies(b"body", &token, now));
        let leeway = crate::jwt::LEEWAY;
        assert!(verifier.verifies(b"body", &token, now - leeway));
        assert!(!verifier.verifies(b"body", &token, now - leeway - Duration::from_secs(1)));
        // Signed with the key but binding no body, or another one (upper-case hex is read).
        let bare = crate::jwt::encode(br#"{"iat":1}"#, &key).expect("encodes");
        assert!(!verifier.verifies(b"body", bare.as_bytes(), now));
        let upper = format!(
            r#"{{"payload_hash":"{}"}}"#,
            hex::encode_upper(sha2::Sha256::digest(b"body"))
        );
        let upper = crate::jwt::encode(upper.as_bytes(), &key).expect("encodes");
        assert!(verifier.verifies(b"body", upper.as_bytes(), now));
        assert!(!verifier.verifies(b"other", upper.as_bytes(), now));
        assert_eq!(verifier.shared(), Some(&b"k"[..]));
    }

    /// A key's `Debug` says which kind it is and nothing of the key.
    #[test]
    fn debug_never_shows_a_key() {
        let text = "hunter2-hunter2-hunter2-hunter2!";
        let hmac = SignatureAlgorithm::HmacSha256;
        let jwt = SignatureAlgorithm::JwtHs256;
        let verify = |alg| VerifyKey::decode(alg, KeyFormat::Text, &secret(text)).expect("key");
        let sign = |alg| SignKey::decode(alg, KeyFormat::Text, &secret(text)).expect("key");
        assert_eq!(format!("{:?}", verify(hmac)), "VerifyKey::Hmac(<redacted>)");
        assert_eq!(format!("{:?}", verify(jwt)), "VerifyKey::Jwt(<redacted>)");
        assert_eq!(format!("{:?}", sign(hmac)), "SignKey::Hmac(<redacted>)");
        assert_eq!(format!("{:?}", sign(jwt)), "SignKey::Jwt(<redacted>)");
        let seed = secret(&hex::encode([7u8; 32]));
        for (alg, name) in [
            (SignatureAlgorithm::Ed25519, "Ed25519"),
            (SignatureAlgorithm::EcdsaP256Sha256, "P256"),
        ] {
            let private = SignKey::decode(alg, KeyFormat::Hex, &seed).expect("key");
            assert_eq!(
                format!("{private:?}"),
                format!("SignKey::{name}(<redacted>)")
            );
            let public = private.public_key(KeyFormat::Hex).expect("public");
            let public = VerifyKey::decode(alg, KeyFormat::Hex, &secret(&public)).expect("key");
            assert_eq!(format!("{public:?}"), format!("VerifyKey::{name}"));
        }
    }
}
