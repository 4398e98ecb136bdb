//! What a generation run produces and how.

/// Options of a generation run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Derive `schemars::JsonSchema` on every generated type (the crate using the output then
    /// needs `schemars`).
    pub derive_json_schema: bool,
}
