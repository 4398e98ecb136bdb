//! JSON Schema → Rust type model: names, shapes and dispatch rules, decided once here so every
//! generator emits the same types.

mod chains;
mod convert;
mod cycles;
mod dispatch;
mod merge;
mod messages;
mod model;
mod naming;
mod shapes;

pub use convert::{Builder, IssueKind, TypeIssue};
pub use model::*;
pub use naming::{KEYWORDS, field_name, type_name, variant_name};
