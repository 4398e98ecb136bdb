//! The `x-asyncgen-*` extension vocabulary: typed readers, their JSON Schemas, and validation.

use serde_json::Value;

use crate::source::FileId;
use crate::validate::walk::{Loc, Walker};

/// Checks an `x-` field found on an object the walker knows as `context` (the specification's
/// object name, e.g. "Security Scheme", "Message", "Server", "Operation", or "Schema").
/// Fields outside the `x-asyncgen-` namespace belong to others and are left alone.
pub(crate) fn check(w: &mut Walker<'_>, context: &str, file: FileId, at: Loc<'_>, key: &str, value: &Value) {
    let _ = (w, context, file, at, key, value);
}
