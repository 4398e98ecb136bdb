//! Where something was written, on its own so that the model and the schema store, which both
//! locate what they hold, depend on it rather than on each other.

use std::fmt;

use serde::Serialize;

/// Where something was written: file (relative to the root document's folder) and pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Origin {
    pub file: String,
    pub pointer: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}
