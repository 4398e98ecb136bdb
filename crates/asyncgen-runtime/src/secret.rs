//! Shared secrets, supplied at run time and never by the spec: how they are held (no `Debug`
//! leak, never empty) and read from the environment variable named after the security scheme.

use std::fmt;

use heck::ToShoutySnakeCase;

use crate::error::ConfigError;

/// One shared secret: the HMAC key, the JWT's HS256 key or the body token.
///
/// Its `Debug` output is redacted so that a logged configuration does not leak it, and it is
/// never empty: the empty key would let anyone sign.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// A secret of these bytes; empty is an error.
    pub fn new(bytes: impl AsRef<[u8]>) -> Result<Secret, ConfigError> {
        let bytes = bytes.as_ref();
        if bytes.is_empty() {
            return Err(ConfigError::EmptySecret);
        }
        Ok(Secret(bytes.into()))
    }

    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The secrets a receiver accepts, in order: during a key rotation the old and the new secret
/// are both valid, and a request verifies if it verifies with any of them. A sender signs with
/// the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets(Vec<Secret>);

impl Secrets {
    /// At least one secret, none empty.
    pub fn new<I, S>(secrets: I) -> Result<Secrets, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let secrets = secrets
            .into_iter()
            .map(Secret::new)
            .collect::<Result<Vec<_>, _>>()?;
        if secrets.is_empty() {
            return Err(ConfigError::EmptySecret);
        }
        Ok(Secrets(secrets))
    }

    /// Exactly one secret.
    pub fn single(secret: impl AsRef<[u8]>) -> Result<Secrets, ConfigError> {
        Secrets::new([secret])
    }

    /// The secrets for the security scheme `scheme_key`, from the environment variable named by
    /// [`env_var_name`] (`webhookSignature` → `WEBHOOK_SIGNATURE`), as [`Secrets::parse_list`]
    /// reads it. `None` when the variable is unset or holds no secret.
    pub fn from_env(scheme_key: &str) -> Result<Option<Secrets>, ConfigError> {
        let name = env_var_name(scheme_key);
        match std::env::var(&name) {
            Ok(text) => Secrets::parse_list(&text),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::EnvNotUnicode(name)),
        }
    }

    /// Like [`Secrets::from_env`], with `lookup` in place of the process environment (for other
    /// configuration sources, and for tests, which must not mutate the environment).
    pub fn from_lookup(
        scheme_key: &str,
        lookup: impl FnOnce(&str) -> Option<String>,
    ) -> Result<Option<Secrets>, ConfigError> {
        match lookup(&env_var_name(scheme_key)) {
            Some(text) => Secrets::parse_list(&text),
            None => Ok(None),
        }
    }

    /// Comma-separated secrets, each trimmed of surrounding whitespace, empty items skipped:
    /// `"new-secret, old-secret"`. A secret can therefore contain neither a comma nor
    /// surrounding whitespace; build such a secret with [`Secrets::new`]. `None` when no
    /// secret remains.
    pub fn parse_list(text: &str) -> Result<Option<Secrets>, ConfigError> {
        let items: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if items.is_empty() {
            return Ok(None);
        }
        Secrets::new(items).map(Some)
    }

    /// Every secret, the first being the current one.
    pub fn iter(&self) -> impl Iterator<Item = &Secret> {
        self.0.iter()
    }

    /// The current secret, which a sender signs with.
    pub fn primary(&self) -> &Secret {
        &self.0[0]
    }

    /// How many secrets are accepted.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a `Secrets` holds at least one secret.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Secret> for Secrets {
    fn from(secret: Secret) -> Secrets {
        Secrets(vec![secret])
    }
}

/// The environment variable holding the secrets of the security scheme `scheme_key`: the key
/// in UPPER_SNAKE_CASE (`webhookSignature` → `WEBHOOK_SIGNATURE`, `dialpadJwt` →
/// `DIALPAD_JWT`).
pub fn env_var_name(scheme_key: &str) -> String {
    scheme_key.to_shouty_snake_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_scheme_key() {
        assert_eq!(env_var_name("webhookSignature"), "WEBHOOK_SIGNATURE");
        assert_eq!(env_var_name("dialpadJwt"), "DIALPAD_JWT");
        assert_eq!(env_var_name("authToken"), "AUTH_TOKEN");
    }

    #[test]
    fn lists_split_on_commas() {
        let s = Secrets::parse_list(" new , old,,").unwrap().unwrap();
        let got: Vec<&[u8]> = s.iter().map(Secret::expose).collect();
        assert_eq!(got, [b"new".as_slice(), b"old".as_slice()]);
        assert!(Secrets::parse_list(" , ").unwrap().is_none());
    }

    #[test]
    fn lookup_reads_the_derived_name() {
        let s = Secrets::from_lookup("webhookSignature", |name| {
            (name == "WEBHOOK_SIGNATURE").then(|| "k1,k2".to_owned())
        })
        .unwrap()
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.primary().expose(), b"k1");
    }

    #[test]
    fn empty_secrets_are_refused_and_debug_is_redacted() {
        assert!(Secret::new("").is_err());
        assert!(Secrets::new(Vec::<&str>::new()).is_err());
        assert!(Secrets::new(["a", ""]).is_err());
        let s = Secret::new("hunter2").unwrap();
        // Redacted, yet still saying what it is, so a logged configuration shows a secret is set.
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        let rotation = Secrets::new(["hunter2", "hunter3"]).unwrap();
        assert_eq!(
            format!("{rotation:?}"),
            "Secrets([Secret(<redacted>), Secret(<redacted>)])"
        );
    }

    /// A `Secrets` always holds a secret, whichever way it was made.
    #[test]
    fn secrets_are_never_empty() {
        let one = Secrets::from(Secret::new("k").unwrap());
        assert_eq!((one.len(), one.is_empty()), (1, false));
        assert_eq!(one.primary().expose(), b"k");
        let two = Secrets::new(["a", "b"]).unwrap();
        assert_eq!((two.len(), two.is_empty()), (2, false));
    }

    /// `from_env` reads the process environment under the derived name, without the test
    /// setting a variable (which would race other tests): cargo sets `CARGO_PKG_NAME` for every
    /// test it runs. An unset variable is no secret, not an error.
    #[test]
    fn the_environment_is_read_under_the_derived_name() {
        let secrets = Secrets::from_env("cargoPkgName")
            .unwrap()
            .expect("cargo sets CARGO_PKG_NAME for tests");
        assert_eq!(
            secrets.primary().expose(),
            env!("CARGO_PKG_NAME").as_bytes()
        );
        assert_eq!(secrets.len(), 1);
        assert_eq!(
            Secrets::from_env("asyncgenTestNeverSetAnywhere").unwrap(),
            None
        );
    }
}
