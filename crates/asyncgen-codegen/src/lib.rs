//! Generators: from a loaded document to formatted Rust files. The CLI, build scripts and the
//! CI check all go through [`generate`], so they produce the same bytes.
//!
//! The output is one Rust module whose root is `mod.rs`, so `#[path = "DIR/mod.rs"] mod api;`
//! (or `include!` of the build script's copy) brings it in.

mod format;
pub mod pipeline;
mod settings;
mod types;

pub use format::HEADER;
pub use settings::Settings;

use asyncgen_ir::Api;
use asyncgen_ir::types::TypeSpace;

/// One generated file, relative to the output directory (always `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The generated code did not parse back as Rust: a bug in a generator, never the user's.
    #[error("internal error: generated `{file}` is not valid Rust ({message}); please report this")]
    Unparsable { file: String, message: String },
}

/// Every file of the module for `api`, formatted, with the `@generated` header.
pub fn generate(api: &Api, types: &TypeSpace, settings: &Settings) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = Vec::new();
    let title = &api.info.title;
    files.push(format::file(
        "types.rs",
        &format!("Types of {title}: message payloads, headers and component schemas."),
        types::generate(types, settings),
    )?);

    files.push(format::file("mod.rs", &format!("Generated from the AsyncAPI document \"{title}\" {}.", api.info.version), format::module_root(&["types"]))?);
    Ok(files)
}
