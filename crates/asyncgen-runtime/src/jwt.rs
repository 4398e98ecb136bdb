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
