//! JSON Schema → Rust type model: names, shapes and dispatch rules, decided once here so every
//! generator emits the same types.

mod convert;
mod model;
mod naming;

pub use convert::{IssueKind, TypeIssue, build};
pub use model::*;
pub use naming::{KEYWORDS, field_name, type_name, variant_name};
