//! Durations as the extensions write them: one whole number and one unit (`"300ms"`, `"5s"`,
//! `"5m"`, `"1h"`).
//!
//! This is deliberately narrower than `humantime`: that crate also accepts compound forms
//! (`"1h 30m"`), spelled-out units and fractions, which specs/README.md rules out so that every
//! value reads the same in YAML, in generated code and in generated docs. The unit is kept as
//! written, so a value serializes back to the text the author chose (`"300s"` stays `"300s"`),
//! while comparison is by length of time (`"60s" == "1m"`).

#[cfg(feature = "derive-schemas")]
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

#[cfg(feature = "derive-schemas")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

/// The unit a [`Duration`] was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    Millis,
    Seconds,
    Minutes,
    Hours,
}

impl DurationUnit {
    pub fn suffix(self) -> &'static str {
        match self {
            DurationUnit::Millis => "ms",
            DurationUnit::Seconds => "s",
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
        }
    }

    fn millis(self) -> u64 {
        match self {
            DurationUnit::Millis => 1,
            DurationUnit::Seconds => 1_000,
            DurationUnit::Minutes => 60_000,
            DurationUnit::Hours => 3_600_000,
        }
    }

    fn from_suffix(s: &str) -> Option<DurationUnit> {
        Some(match s {
            "ms" => DurationUnit::Millis,
            "s" => DurationUnit::Seconds,
            "m" => DurationUnit::Minutes,
            "h" => DurationUnit::Hours,
            _ => return None,
        })
    }
}

/// A length of time written as a whole number and one unit: `"300ms"`, `"5s"`, `"5m"`, `"1h"`.
#[derive(Debug, Clone, Copy)]
pub struct Duration {
    amount: u64,
    unit: DurationUnit,
}

/// Why a text is not a [`Duration`]; the message says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("an empty string is not a duration; {HINT}")]
    Empty,
    #[error("`{0}` has no unit; add one of ms, s, m, h (e.g. \"{0}s\")")]
    NoUnit(String),
    #[error("`{text}` has unknown unit `{unit}`; the units are ms, s, m and h")]
    UnknownUnit { text: String, unit: String },
    #[error("`{0}` is a compound duration; write one number and one unit (e.g. \"90m\")")]
    Compound(String),
    #[error("`{0}` has a fraction; write a whole number in a smaller unit (e.g. \"1500ms\")")]
    Fraction(String),
    #[error("`{0}` is negative; a duration is a length of time")]
    Negative(String),
    #[error("`{0}` is too long to represent")]
    TooLarge(String),
    #[error("`{0}` is not a duration; {HINT}")]
    Malformed(String),
}

const HINT: &str =
    "write a whole number followed by ms, s, m or h (e.g. \"300ms\", \"5s\", \"5m\", \"1h\")";

impl Duration {
    pub const ZERO: Duration = Duration::secs(0);

    pub const fn millis(amount: u64) -> Duration {
        Duration {
            amount,
            unit: DurationUnit::Millis,
        }
    }

    pub const fn secs(amount: u64) -> Duration {
        Duration {
            amount,
            unit: DurationUnit::Seconds,
        }
    }

    pub const fn minutes(amount: u64) -> Duration {
        Duration {
            amount,
            unit: DurationUnit::Minutes,
        }
    }

    pub const fn hours(amount: u64) -> Duration {
        Duration {
            amount,
            unit: DurationUnit::Hours,
        }
    }

    /// The number as written, in [`Self::unit`]s.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    pub fn unit(&self) -> DurationUnit {
        self.unit
    }

    /// Total milliseconds; saturates only for values built in code, since parsing rejects
    /// anything that does not fit.
    pub fn as_millis(&self) -> u64 {
        self.amount.saturating_mul(self.unit.millis())
    }

    pub fn as_std(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.as_millis())
    }

    pub fn is_zero(&self) -> bool {
        self.amount == 0
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, rest) = text.split_at(digits_end);
        if digits.is_empty() {
            return Err(if text.starts_with('-') {
                DurationError::Negative(text.to_owned())
            } else {
                DurationError::Malformed(text.to_owned())
            });
        }
        if rest.is_empty() {
            return Err(DurationError::NoUnit(text.to_owned()));
        }
        if rest.starts_with(['.', ',']) {
            return Err(DurationError::Fraction(text.to_owned()));
        }
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let (unit_text, tail) = rest.split_at(unit_end);
        if !tail.is_empty() {
            // "1h30m" or "1h 30m": digits after a unit mean a second component.
            return Err(
                if tail.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                    DurationError::Compound(text.to_owned())
                } else {
                    DurationError::Malformed(text.to_owned())
                },
            );
        }
        let Some(unit) = DurationUnit::from_suffix(unit_text) else {
            return Err(if unit_text.is_empty() {
                DurationError::Malformed(text.to_owned())
            } else {
                DurationError::UnknownUnit {
                    text: text.to_owned(),
                    unit: unit_text.to_owned(),
                }
            });
        };
        let amount: u64 = digits
            .parse()
            .map_err(|_| DurationError::TooLarge(text.to_owned()))?;
        if amount.checked_mul(unit.millis()).is_none() {
            return Err(DurationError::TooLarge(text.to_owned()));
        }
        Ok(Duration { amount, unit })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.amount, self.unit.suffix())
    }
}

impl PartialEq for Duration {
    fn eq(&self, other: &Self) -> bool {
        self.as_millis() == other.as_millis()
    }
}

impl Eq for Duration {}

impl PartialOrd for Duration {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Duration {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_millis().cmp(&other.as_millis())
    }
}

impl Hash for Duration {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_millis().hash(state);
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"300ms\", \"5s\", \"5m\" or \"1h\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }

            // YAML turns `timeout: 10` into a number; say what is missing rather than
            // "invalid type".
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "the number {v} is not a duration: add a unit, e.g. \"{v}s\""
                )))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "the number {v} is not a duration: write a whole number and a unit, e.g. \"5s\""
                )))
            }

            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "the number {v} is not a duration: write a whole number and a unit, e.g. \"1500ms\""
                )))
            }
        }

        d.deserialize_any(Visitor)
    }
}

#[cfg(feature = "derive-schemas")]
impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(ms|s|m|h)$",
            "description": "A length of time: a whole number followed by one unit, `ms`, `s`, `m` or `h` (\"300ms\", \"5s\", \"5m\", \"1h\"). No compound forms, no bare numbers.",
            "examples": ["300ms", "5s", "5m", "1h"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_unit_and_compares_by_length() {
        let d: Duration = "300s".parse().unwrap();
        assert_eq!(d.to_string(), "300s");
        assert_eq!(d, Duration::minutes(5));
        assert!(Duration::millis(999) < Duration::secs(1));
    }
}
