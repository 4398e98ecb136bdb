//! Loads AsyncAPI 2.x and 3.x documents (YAML or JSON, split across files by `$ref`) and says
//! precisely what is wrong with them.
//!
//! ```no_run
//! let loaded = asyncgen_spec::load(std::path::Path::new("specs/dialpad/webhooks.yml"), &Default::default());
//! if loaded.diagnostics.has_errors() {
//!     eprint!("{}", asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics));
//! }
//! ```

pub mod diagnostic;
pub mod extensions;
mod parse;
pub mod pointer;
pub mod render;
mod source;
mod sourcemap;
pub mod validate;
mod version;
mod workspace;

use std::path::Path;

pub use diagnostic::{Code, Diagnostic, Diagnostics, Location, Related, Severity};
pub use pointer::Pointer;
pub use source::{FileId, Format, SourceFile};
pub use version::Version;
pub use workspace::{RefError, RefTarget, Workspace, split_ref};

/// How strictly to judge a document.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Treat warnings (unexpected or misplaced fields, ...) as errors.
    pub strict: bool,
}

/// A loaded document: the files it spans, its version, and everything found wrong.
#[derive(Debug)]
pub struct Loaded {
    pub workspace: Workspace,
    /// `None` when the version is missing or unknown (a diagnostic says which).
    pub version: Option<Version>,
    pub diagnostics: Diagnostics,
}

impl Loaded {
    /// True when nothing stops generation (warnings allowed unless strict).
    pub fn is_valid(&self) -> bool {
        self.version.is_some() && !self.diagnostics.has_errors()
    }
}

/// Loads and validates the document at `path` and every file it references.
pub fn load(path: &Path, options: &LoadOptions) -> Loaded {
    let mut diagnostics = Diagnostics::default();
    let workspace = Workspace::load(path, &mut diagnostics);
    finish(workspace, diagnostics, options)
}

/// Like [`load`] for text in memory; relative `$ref`s resolve against `base_dir`.
pub fn load_str(name: &str, text: &str, base_dir: &Path, options: &LoadOptions) -> Loaded {
    let mut diagnostics = Diagnostics::default();
    let workspace = Workspace::load_str(name, text, base_dir, &mut diagnostics);
    finish(workspace, diagnostics, options)
}

fn finish(workspace: Workspace, mut diagnostics: Diagnostics, options: &LoadOptions) -> Loaded {
    let version = validate::validate(&workspace, &mut diagnostics);
    if options.strict {
        diagnostics.promote_warnings();
    }
    workspace.locate(&mut diagnostics);
    diagnostics.sort();
    Loaded {
        workspace,
        version,
        diagnostics,
    }
}
