//! AsyncAPI specification versions this loader understands.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub patch: u8,
}

/// Every released version the loader accepts.
pub const KNOWN: &[(u8, u8)] = &[
    (2, 0),
    (2, 1),
    (2, 2),
    (2, 3),
    (2, 4),
    (2, 5),
    (2, 6),
    (3, 0),
    (3, 1),
];

impl Version {
    /// Parses `MAJOR.MINOR.PATCH`; anything else (pre-release tags included) is `None`.
    pub fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    pub fn is_known(self) -> bool {
        self.patch == 0 && KNOWN.contains(&(self.major, self.minor))
    }

    pub fn is_v3(self) -> bool {
        self.major == 3
    }

    pub fn known_list() -> String {
        KNOWN
            .iter()
            .map(|(a, b)| format!("{a}.{b}.0"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_versions() {
        assert!(Version::parse("2.6.0").unwrap().is_known());
        assert!(Version::parse("3.1.0").unwrap().is_known());
        assert!(!Version::parse("2.7.0").unwrap().is_known());
        assert!(!Version::parse("1.2.0").unwrap().is_known());
        assert!(Version::parse("3.0.0-rc1").is_none());
        assert!(Version::parse("3.0").is_none());
    }
}
