//! Why a build-script run failed, worded for cargo's output.

use std::collections::BTreeSet;
use std::fmt;

use asyncgen_options::{Output, OutputsError};
use std::path::PathBuf;

/// Why [`Builder::compile`](crate::Builder::compile) failed.
///
/// `Debug` prints the same text as `Display`: a build script's `main` that returns the error
/// (`fn main() -> Result<(), Box<dyn Error>>`) prints it with `Debug`, and that is what the user
/// reads in cargo's output.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document has errors; they were printed above, located.
    #[error(
        "{} has {errors} error{}: see the diagnostics above; nothing was generated",
        spec.display(),
        if *errors == 1 { "" } else { "s" }
    )]
    Invalid { spec: PathBuf, errors: usize },
    /// The `asyncgen` binary reported a failure (its diagnostics were printed above).
    #[error("`{program} generate {}` failed ({status}): see its output above", spec.display())]
    Failed {
        program: String,
        spec: PathBuf,
        status: std::process::ExitStatus,
    },
    /// The `asyncgen` binary could not be started.
    #[error(
        "cannot run `{program}` ({source}): install it with `cargo install asyncgen` (version \
         {version}) or name it in ASYNCGEN, or enable asyncgen-build's `embedded` feature"
    )]
    NoBinary {
        program: String,
        version: &'static str,
        source: std::io::Error,
    },
    /// The `asyncgen` binary is another version than this crate: its output could differ.
    #[error(
        "`{program}` is asyncgen {found}, but asyncgen-build is {expected}: install the same \
         version (or name it in ASYNCGEN)"
    )]
    VersionMismatch {
        program: String,
        found: String,
        expected: &'static str,
    },
    /// Not run by cargo and no output directory given.
    #[error(
        "OUT_DIR is not set: asyncgen_build runs in a build script; elsewhere, give \
         Builder::out_dir"
    )]
    NoOutDir,
    /// A module name that cannot be a file name in every file system.
    #[error(
        "`{name}` cannot name a generated module: use letters, digits, `_` and `-` \
         (Builder::name)"
    )]
    InvalidName { name: String },
    /// Outputs asked for without the outputs they need (or none at all): the module would
    /// lack what it refers to.
    #[error("{}", outputs_message(.0))]
    Outputs(asyncgen_options::OutputsError),
    /// The output directory's path cannot be written into a `#[path]` attribute.
    #[error("the output directory {} is not valid UTF-8", path.display())]
    NonUtf8Path { path: PathBuf },
    /// A file of the output could not be read or written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[cfg(feature = "embedded")]
    #[error(transparent)]
    Generate(#[from] asyncgen_codegen::GenerateError),
    #[cfg(feature = "embedded")]
    #[error(transparent)]
    Output(#[from] asyncgen_codegen::output::OutputError),
}

/// The outputs error in the builder's terms: what to pass to `Builder::outputs`.
fn outputs_message(e: &asyncgen_options::OutputsError) -> String {
    let variants = |outputs: &BTreeSet<Output>| {
        let variants: Vec<String> = outputs.iter().map(|o| format!("Output::{o:?}")).collect();
        variants.join(", ")
    };
    match e {
        OutputsError::MissingPrerequisites { asked, missing, .. } => format!(
            "the outputs `{}` need `{}`: use `.outputs([{}])`",
            Output::names(asked),
            Output::names(missing),
            variants(&e.completed())
        ),
        OutputsError::Empty => "no output asked for: name at least one in `.outputs([...])`, or \
                                leave the default (every output that applies)"
            .to_owned(),
        _ => e.to_string(),
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
