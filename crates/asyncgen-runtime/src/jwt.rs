//! JWT-encoded bodies as `x-asyncgen-jwt` defines them: the whole body is a compact JWS
//! (HS256 only) whose claims set is the payload. jsonwebtoken does the cryptography; this
//! module pins the algorithm, applies the claim rules the spec gives (`exp` checked when
//! present, not required) against an explicit clock, and hands back the claims' exact bytes.

#[cfg(feature = "receiver")]
use std::time::{Duration, SystemTime};

#[cfg(feature = "receiver")]
use base64::Engine as _;

#[cfg(feature = "receiver")]
use crate::secret::Secrets;

/// The one JWS algorithm `x-asyncgen-jwt` defines.
#[cfg(feature = "receiver")]
const ALGORITHM: &str = "HS256";

/// Clock skew allowed for `exp` and `nbf`, as jsonwebtoken's own default: a provider's clock a
/// little ahead of ours must not reject fresh tokens.
#[cfg(feature = "receiver")]
pub(crate) const LEEWAY: Duration = Duration::from_secs(60);

/// Why a JWT body was refused.
#[cfg(feature = "receiver")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JwtFailure {
    /// Not a compact JWS at all.
    Malformed,
    /// A JWS with an algorithm other than HS256 (`none`, HS512, RS256, ...).
    Algorithm(String),
    /// No configured secret produces its signature.
    Signature,
    /// Its `exp` has passed.
    Expired,
    /// Its `nbf` has not come yet.
    NotYetValid,
    /// A verified token whose claims break the rules (not an object, non-numeric `exp`).
    Claims(&'static str),
}

/// Verifies `token` with each secret in turn and returns the claims set's bytes as sent, after
/// checking `exp` and `nbf` (when present) against `now`.
#[cfg(feature = "receiver")]
pub(crate) fn verify(
    token: &[u8],
    secrets: &Secrets,
    now: SystemTime,
) -> Result<Vec<u8>, JwtFailure> {
    use jsonwebtoken::errors::ErrorKind;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    let token = token.trim_ascii();
    let [header, claims_b64, _signature] = segments(token).ok_or(JwtFailure::Malformed)?;
    // Look at `alg` before jsonwebtoken does, so that `none` and friends are reported as the
    // algorithm they are rather than as a parse error; jsonwebtoken enforces it again below.
    let header: serde_json::Value =
        serde_json::from_slice(&b64url(header).ok_or(JwtFailure::Malformed)?)
            .map_err(|_| JwtFailure::Malformed)?;
    match header.get("alg").and_then(serde_json::Value::as_str) {
        Some(ALGORITHM) => {}
        Some(other) => return Err(JwtFailure::Algorithm(other.to_owned())),
        None => return Err(JwtFailure::Malformed),
    }

    let mut validation = Validation::new(Algorithm::HS256);
    // The spec requires no claim, and the time claims are checked below against `now` (an
    // explicit clock keeps verification deterministic under test). Audience, issuer and
    // subject are not part of `x-asyncgen-jwt`.
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;

    let mut verified = None;
    for secret in secrets.iter() {
        let key = DecodingKey::from_secret(secret.expose());
        match jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation) {
            Ok(data) => {
                verified = Some(data.claims);
                break;
            }
            Err(e) => match e.kind() {
                ErrorKind::InvalidSignature => continue,
                ErrorKind::InvalidAlgorithm
                | ErrorKind::UnsupportedAlgorithm
                | ErrorKind::InvalidAlgorithmName => {
                    return Err(JwtFailure::Algorithm("not HS256".into()));
                }
                _ => return Err(JwtFailure::Malformed),
            },
        }
    }
    let claims = verified.ok_or(JwtFailure::Signature)?;
    check_times(&claims, now)?;
    // The payload is the claims set exactly as signed, not a re-serialisation of it.
    b64url(claims_b64).ok_or(JwtFailure::Malformed)
}

#[cfg(feature = "receiver")]
fn check_times(claims: &serde_json::Value, now: SystemTime) -> Result<(), JwtFailure> {
    let object = claims
        .as_object()
        .ok_or(JwtFailure::Claims("the claims set is not a JSON object"))?;
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let leeway = LEEWAY.as_secs_f64();
    if let Some(exp) = object.get("exp") {
        let exp = exp
            .as_f64()
            .ok_or(JwtFailure::Claims("`exp` is not a number"))?;
        if now > exp + leeway {
            return Err(JwtFailure::Expired);
        }
    }
    if let Some(nbf) = object.get("nbf") {
        let nbf = nbf
            .as_f64()
            .ok_or(JwtFailure::Claims("`nbf` is not a number"))?;
        if nbf > now + leeway {
            return Err(JwtFailure::NotYetValid);
        }
    }
    Ok(())
}

/// The three dot-separated segments of a compact JWS.
#[cfg(feature = "receiver")]
fn segments(token: &[u8]) -> Option<[&[u8]; 3]> {
    let mut it = token.split(|b| *b == b'.');
    let parts = [it.next()?, it.next()?, it.next()?];
    it.next().is_none().then_some(parts)
}

#[cfg(feature = "receiver")]
fn b64url(segment: &[u8]) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .ok()
}

/// Encodes `payload` (a JSON object) as the claims of an HS256 JWT signed with `secret`.
#[cfg(feature = "sender")]
pub(crate) fn encode(
    payload: &[u8],
    secret: &crate::secret::Secret,
) -> Result<String, crate::sender::SignError> {
    use crate::sender::SignError;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    let claims: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| SignError::NotJson(e.to_string()))?;
    if !claims.is_object() {
        return Err(SignError::NotJson(
            "a JWT's claims set must be a JSON object".into(),
        ));
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose()),
    )
    .map_err(|e| SignError::Jwt(e.to_string()))
}

#[cfg(test)]
#[cfg(feature = "receiver")]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    /// An arbitrary instant, whole seconds after the epoch.
    const T: u64 = 1_700_000_000;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn verdict(claims: &serde_json::Value, now: SystemTime) -> Result<(), JwtFailure> {
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &jsonwebtoken::EncodingKey::from_secret(b"key"),
        )
        .expect("encodes");
        let secrets = Secrets::single("key").expect("non-empty");
        verify(token.as_bytes(), &secrets, now).map(drop)
    }

    /// A token is accepted until its `exp` plus the leeway, inclusive, and refused a second
    /// later: a provider's clock slightly ahead of ours does not expire fresh tokens, and an
    /// expired one never comes back.
    #[test]
    fn exp_holds_until_the_leeway_has_passed() {
        let claims = json!({"exp": T});
        let leeway = LEEWAY.as_secs();
        assert_eq!(verdict(&claims, at(T - 3600)), Ok(()));
        assert_eq!(verdict(&claims, at(T)), Ok(()));
        assert_eq!(verdict(&claims, at(T + leeway)), Ok(()));
        assert_eq!(
            verdict(&claims, at(T + leeway + 1)),
            Err(JwtFailure::Expired)
        );
        assert_eq!(verdict(&claims, at(T + 3600)), Err(JwtFailure::Expired));
    }

    /// A token is accepted from its `nbf` minus the leeway, inclusive, and refused before.
    #[test]
    fn nbf_holds_from_the_leeway_before_it() {
        let claims = json!({"nbf": T});
        let leeway = LEEWAY.as_secs();
        assert_eq!(verdict(&claims, at(T - 3600)), Err(JwtFailure::NotYetValid));
        assert_eq!(
            verdict(&claims, at(T - leeway - 1)),
            Err(JwtFailure::NotYetValid)
        );
        assert_eq!(verdict(&claims, at(T - leeway)), Ok(()));
        assert_eq!(verdict(&claims, at(T)), Ok(()));
        assert_eq!(verdict(&claims, at(T + 3600)), Ok(()));
    }

    /// Time claims that are not numbers are refused with their reason; claims that are not an
    /// object do not get that far (jsonwebtoken refuses them as malformed).
    #[test]
    fn claims_are_checked_and_returned_as_signed() {
        assert_eq!(
            verdict(&json!({"exp": "soon"}), at(T)),
            Err(JwtFailure::Claims("`exp` is not a number"))
        );
        assert_eq!(
            verdict(&json!({"nbf": null}), at(T)),
            Err(JwtFailure::Claims("`nbf` is not a number"))
        );
        assert_eq!(verdict(&json!([1, 2]), at(T)), Err(JwtFailure::Malformed));
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A compact JWS of `header` and `claims` (both as written) signed with `key`.
    fn signed(header: &str, claims: &[u8], key: &[u8]) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims));
        let mac = crate::key::HmacHash::Sha256.mac(key, input.as_bytes());
        format!("{input}.{}", b64(&mac))
    }

    const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

    /// Any configured secret verifies (key rotation), and the payload is the claims' bytes as
    /// the provider wrote them, spacing and key order included.
    #[test]
    fn any_secret_verifies_and_the_claims_come_back_as_sent() {
        let claims = br#"{ "b": 1,  "a": [2] }"#;
        let token = signed(HS256, claims, b"new");
        let rotation = Secrets::new(["old", "new"]).expect("non-empty");
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            verify(format!(" {token}\n").as_bytes(), &rotation, now),
            Ok(claims.to_vec())
        );
        let other = Secrets::new(["old", "older"]).expect("non-empty");
        assert_eq!(
            verify(token.as_bytes(), &other, now),
            Err(JwtFailure::Signature)
        );
    }

    /// What is not an HS256 compact JWS is refused for what it is.
    #[test]
    fn other_algorithms_and_shapes_are_told_apart() {
        let secrets = Secrets::single("key").expect("non-empty");
        let now = SystemTime::UNIX_EPOCH;
        let check = |token: &str| verify(token.as_bytes(), &secrets, now);
        let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(b"{}"));
        assert_eq!(check(&none), Err(JwtFailure::Algorithm("none".into())));
        let hs512 = signed(r#"{"alg":"HS512"}"#, b"{}", b"key");
        assert_eq!(check(&hs512), Err(JwtFailure::Algorithm("HS512".into())));
        let no_alg = signed(r#"{"typ":"JWT"}"#, b"{}", b"key");
        assert_eq!(check(&no_alg), Err(JwtFailure::Malformed));
        let good = signed(HS256, b"{}", b"key");
        assert_eq!(check(&good), Ok(b"{}".to_vec()));
        assert_eq!(check(&format!("{good}.x")), Err(JwtFailure::Malformed));
        assert_eq!(check("a.b"), Err(JwtFailure::Malformed));
        assert_eq!(check("!!.e30.x"), Err(JwtFailure::Malformed));
        let not_json = format!("{}.e30.x", b64(b"alg"));
        assert_eq!(check(&not_json), Err(JwtFailure::Malformed));
    }
}
