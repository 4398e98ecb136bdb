//! JSON Pointer (RFC 6901) building and parsing, the address every diagnostic and origin uses.

use std::borrow::Cow;
use std::fmt;

/// A JSON pointer kept in its escaped string form (`/components/schemas/a~1b`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pointer(String);

impl Pointer {
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// Builds a pointer from an already escaped string such as the fragment of a `$ref`.
    pub fn from_escaped(s: &str) -> Result<Self, PointerError> {
        if !s.is_empty() && !s.starts_with('/') {
            return Err(PointerError::NoLeadingSlash);
        }
        // Reject `~` not followed by 0 or 1: RFC 6901 section 3.
        let bytes = s.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'~' && !matches!(bytes.get(i + 1), Some(b'0') | Some(b'1')) {
                return Err(PointerError::BadEscape);
            }
        }
        Ok(Pointer(s.to_owned()))
    }

    pub fn push(&self, token: &str) -> Self {
        let token = Pointer::escape(token);
        let mut s = String::with_capacity(self.0.len() + token.len() + 1);
        s.push_str(&self.0);
        s.push('/');
        s.push_str(&token);
        Pointer(s)
    }

    /// A reference token as written in a pointer (`a/b` → `a~1b`); borrowed unless it holds a
    /// `~` or `/`. The one place that escapes, so every pointer in the workspace reads alike.
    pub fn escape(token: &str) -> Cow<'_, str> {
        if token.contains(['~', '/']) {
            // RFC 6901: `~` first, or the `~` of a `~1` would be escaped again.
            Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
        } else {
            Cow::Borrowed(token)
        }
    }

    /// A reference token as written in a pointer, unescaped (`a~1b` → `a/b`); borrowed unless
    /// it holds an escape.
    pub fn unescape(token: &str) -> Cow<'_, str> {
        if token.contains('~') {
            // RFC 6901: `~1` first, or `~01` would become `/` instead of `~1`.
            Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
        } else {
            Cow::Borrowed(token)
        }
    }

    pub fn push_index(&self, index: usize) -> Self {
        Pointer(format!("{}/{index}", self.0))
    }

    pub fn parent(&self) -> Option<Self> {
        if self.0.is_empty() {
            return None;
        }
        let cut = self.0.rfind('/').unwrap_or(0);
        Some(Pointer(self.0[..cut].to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The unescaped reference tokens; borrowed unless a token holds an escape.
    pub fn tokens(&self) -> impl Iterator<Item = Cow<'_, str>> + '_ {
        self.0.split('/').skip(1).map(Pointer::unescape)
    }

    /// The last unescaped token, used to name things after their key.
    pub fn last(&self) -> Option<String> {
        self.tokens().last().map(Cow::into_owned)
    }

    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        self.0 == prefix.0
            || (self.0.starts_with(&prefix.0)
                && self.0.as_bytes().get(prefix.0.len()) == Some(&b'/'))
    }

    /// Looks the pointer up in a value; `None` when any token is missing.
    pub fn lookup<'v>(&self, value: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        let mut cur = value;
        for token in self.tokens() {
            cur = match cur {
                serde_json::Value::Object(map) => map.get(token.as_ref())?,
                serde_json::Value::Array(items) => {
                    // RFC 6901: no leading zeros, no sign.
                    if token.len() > 1 && token.starts_with('0') {
                        return None;
                    }
                    items.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(cur)
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl serde::Serialize for Pointer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointerError {
    #[error("a JSON pointer must be empty or start with `/`")]
    NoLeadingSlash,
    #[error("`~` in a JSON pointer must be followed by `0` or `1`")]
    BadEscape,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_round_trip_through_tokens() {
        let p = Pointer::root().push("a/b").push("c~d").push_index(3);
        assert_eq!(p.as_str(), "/a~1b/c~0d/3");
        assert_eq!(p.tokens().collect::<Vec<_>>(), ["a/b", "c~d", "3"]);
        assert!(matches!(
            Pointer::root().push("plain").tokens().next(),
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(p.parent().unwrap().as_str(), "/a~1b/c~0d");
    }

    #[test]
    fn tokens_escape_and_unescape_in_the_order_rfc_6901_sets() {
        assert_eq!(Pointer::escape("a~1/b"), "a~01~1b");
        assert_eq!(Pointer::unescape("a~01~1b"), "a~1/b");
        assert!(matches!(Pointer::escape("plain"), Cow::Borrowed("plain")));
        assert!(matches!(Pointer::unescape("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn lookup_follows_objects_and_arrays() {
        let v = json!({"a/b": [1, {"c": true}]});
        let p = Pointer::from_escaped("/a~1b/1/c").unwrap();
        assert_eq!(p.lookup(&v), Some(&json!(true)));
        assert_eq!(Pointer::from_escaped("/a~1b/01").unwrap().lookup(&v), None);
    }

    #[test]
    fn rejects_malformed_pointers() {
        assert_eq!(
            Pointer::from_escaped("a"),
            Err(PointerError::NoLeadingSlash)
        );
        assert_eq!(Pointer::from_escaped("/a~2"), Err(PointerError::BadEscape));
        assert_eq!(Pointer::from_escaped("/a~"), Err(PointerError::BadEscape));
    }

    #[test]
    fn prefix_is_token_aligned() {
        let a = Pointer::from_escaped("/a/b").unwrap();
        assert!(a.starts_with(&Pointer::from_escaped("/a").unwrap()));
        assert!(
            !Pointer::from_escaped("/ab")
                .unwrap()
                .starts_with(&Pointer::from_escaped("/a").unwrap())
        );
    }
}
