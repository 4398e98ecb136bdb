//! Shared tokens inside the JSON body as `x-asyncgen-body-token` defines them: the receiver
//! finds the string at a JSON pointer and compares it with its secrets without leaking how
//! much of it matched; the sender writes it there.

#[cfg(feature = "receiver")]
use crate::secret::Secrets;

/// Why a body's token was refused.
#[cfg(feature = "receiver")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenFailure {
    /// The body is not JSON, so there is nowhere to look.
    NotJson,
    /// Nothing at the pointer, or not a string.
    Missing,
    /// A string that equals no configured secret.
    Mismatch,
}

/// Checks the string at `pointer` in `body` against every secret.
#[cfg(feature = "receiver")]
pub(crate) fn check(body: &[u8], pointer: &str, secrets: &Secrets) -> Result<(), TokenFailure> {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;

    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| TokenFailure::NotJson)?;
    let given = value
        .pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .ok_or(TokenFailure::Missing)?;
    // Comparing fixed-length digests in constant time hides the token's length as well as its
    // content; every secret is compared, so timing does not reveal which one matched.
    let given = Sha256::digest(given.as_bytes());
    let mut matched = subtle::Choice::from(0);
    for secret in secrets.iter() {
        matched |= Sha256::digest(secret.expose()).ct_eq(&given);
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(TokenFailure::Mismatch)
    }
}

/// `payload` with `token` written at `pointer` (replacing what is there); the parent must
/// exist.
#[cfg(feature = "sender")]
pub(crate) fn insert(
    payload: &[u8],
    pointer: &str,
    token: &crate::secret::Secret,
) -> Result<Vec<u8>, crate::sender::SignError> {
    let token =
        std::str::from_utf8(token.expose()).map_err(|_| crate::sender::SignError::TokenNotText)?;
    write_text(payload, pointer, token, false)
}

/// `payload` with `text` written at `pointer`: as a number where a number stands there now, or
/// where nothing does and `number` says so (Linear's millisecond timestamp is a number,
/// Mailgun's seconds a string), else as a string. Missing parent objects are created.
#[cfg(feature = "sender")]
pub(crate) fn write_text(
    payload: &[u8],
    pointer: &str,
    text: &str,
    number: bool,
) -> Result<Vec<u8>, crate::sender::SignError> {
    use crate::sender::SignError;
    use serde_json::Value;

    let bad = || SignError::Pointer(pointer.to_owned());
    let mut value: Value =
        serde_json::from_slice(payload).map_err(|e| SignError::NotJson(e.to_string()))?;
    let (parent, last) = pointer.rsplit_once('/').ok_or_else(bad)?;
    // RFC 6901: `~1` is `/`, `~0` is `~`, in that order.
    let unescape = |t: &str| t.replace("~1", "/").replace("~0", "~");
    let mut slot = &mut value;
    for token in parent.split('/').skip(1) {
        slot = match slot {
            Value::Object(map) => map
                .entry(unescape(token))
                .or_insert_with(|| Value::Object(Default::default())),
            Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(bad)?,
            _ => return Err(bad()),
        };
    }
    let target = match slot {
        Value::Object(map) => map.entry(unescape(last)).or_insert(Value::Null),
        Value::Array(items) => last
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get_mut(i))
            .ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    let as_number = match &*target {
        Value::Number(_) => true,
        Value::Null => number,
        _ => false,
    };
    *target = match text.parse::<serde_json::Number>() {
        Ok(n) if as_number => Value::Number(n),
        _ => Value::String(text.to_owned()),
    };
    serde_json::to_vec(&value).map_err(|e| SignError::NotJson(e.to_string()))
}

#[cfg(test)]
#[cfg(all(feature = "receiver", feature = "sender"))]
mod tests {
    use super::*;
    use crate::secret::{Secret, Secrets};

    #[test]
    fn an_inserted_token_checks() {
        let secrets = Secrets::new(["old", "new"]).unwrap();
        let body = insert(
            br#"{"payload":{"a":1}}"#,
            "/auth_token",
            &Secret::new("new").unwrap(),
        )
        .unwrap();
        assert_eq!(check(&body, "/auth_token", &secrets), Ok(()));
        let nested = insert(
            br#"{"p":{"a~b":"x"}}"#,
            "/p/a~0b",
            &Secret::new("old").unwrap(),
        )
        .unwrap();
        assert_eq!(check(&nested, "/p/a~0b", &secrets), Ok(()));
    }

    #[test]
    fn wrong_missing_and_non_json_are_told_apart() {
        let secrets = Secrets::single("t").unwrap();
        assert_eq!(
            check(br#"{"auth_token":"u"}"#, "/auth_token", &secrets),
            Err(TokenFailure::Mismatch)
        );
        assert_eq!(
            check(br#"{"auth_token":1}"#, "/auth_token", &secrets),
            Err(TokenFailure::Missing)
        );
        assert_eq!(
            check(b"{}", "/auth_token", &secrets),
            Err(TokenFailure::Missing)
        );
        assert_eq!(
            check(b"nope", "/auth_token", &secrets),
            Err(TokenFailure::NotJson)
        );
    }

    /// Fields are written through objects and arrays, creating missing objects; a number stays
    /// a number (and a missing field becomes one when asked), anything else becomes a string.
    #[test]
    fn fields_are_written_where_the_pointer_says() {
        let write = |payload: &str, pointer: &str, text: &str, number: bool| {
            let out = write_text(payload.as_bytes(), pointer, text, number).expect("written");
            serde_json::from_slice::<serde_json::Value>(&out).expect("JSON")
        };
        use serde_json::json;
        assert_eq!(
            write(r#"{"a":[1,2]}"#, "/a/1", "x", false),
            json!({"a": [1, "x"]})
        );
        assert_eq!(
            write(r#"{"a":[{"b":1}]}"#, "/a/0/b", "7", false),
            json!({"a": [{"b": 7}]})
        );
        assert_eq!(write(r#"{"t":5}"#, "/t", "7", false), json!({"t": 7}));
        assert_eq!(write(r#"{"t":"5"}"#, "/t", "7", true), json!({"t": "7"}));
        assert_eq!(write(r#"{"t":null}"#, "/t", "7", true), json!({"t": 7}));
        assert_eq!(write("{}", "/t", "7", true), json!({"t": 7}));
        assert_eq!(write("{}", "/s/t", "7", false), json!({"s": {"t": "7"}}));
        assert_eq!(write(r#"{"t":5}"#, "/t", "x", false), json!({"t": "x"}));
        assert!(write_text(br#"{"a":[1]}"#, "/a/5", "x", false).is_err());
        assert!(write_text(br#"{"a":[1]}"#, "/a/5/b", "x", false).is_err());
        assert!(write_text(b"[1]", "/0/x", "x", false).is_err());
        assert!(write_text(b"not json", "/t", "x", false).is_err());
    }
}
