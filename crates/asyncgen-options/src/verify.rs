//! The `verify` option's value: how webhook endpoints whose document declares no verifiable
//! security are verified, a provider's signature preset named on the command line or in a
//! build script.

use super::ToArgs;

/// How webhook endpoints without declared security are verified.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Verify {
    /// As the document says: an endpoint that declares nothing verifiable gets a receiver that
    /// refuses to start until the application opts out.
    #[default]
    Declared,
    /// With the named signature preset.
    Preset(String),
}

impl From<&str> for Verify {
    fn from(preset: &str) -> Self {
        Verify::Preset(preset.to_owned())
    }
}

impl From<String> for Verify {
    fn from(preset: String) -> Self {
        Verify::Preset(preset)
    }
}

impl ToArgs for Verify {
    fn to_args(&self, flag: &str) -> Vec<String> {
        match self {
            Verify::Declared => Vec::new(),
            Verify::Preset(name) => vec![format!("--{flag}={name}")],
        }
    }
}
