//! Generation inside the build script (feature `embedded`): the same pipeline and writer the
//! CLI uses, linked in.

use std::io::Write;
use std::path::Path;

use asyncgen_codegen::output;
use asyncgen_options::Settings;

use crate::{Error, cargo_line};

/// Generates the document at `spec` into `dir`, printing cargo's directives and the
/// diagnostics.
pub fn generate(spec: &Path, dir: &Path, settings: &Settings, rerun: bool) -> Result<(), Error> {
    let run = asyncgen_codegen::pipeline::run(spec, settings)?;
    if rerun {
        for line in run.rerun_directives(spec) {
            cargo_line(&line);
        }
    }
    if !run.diagnostics.is_empty() {
        let _ = std::io::stderr().lock().write_all(run.render().as_bytes());
    }
    if !run.ok() {
        return Err(Error::Invalid {
            spec: spec.to_path_buf(),
            errors: run.diagnostics.error_count(),
        });
    }
    for d in run.diagnostics.iter() {
        cargo_line(&format!("cargo:warning={}", one_line(d)));
    }
    output::write(dir, &run.files)?;
    Ok(())
}

/// A diagnostic on one line, for `cargo:warning`: `file:line:col: message [code]`.
fn one_line(d: &asyncgen_spec::Diagnostic) -> String {
    let l = &d.location;
    let place = match (l.line, l.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", l.file),
        _ => format!("{}#{}", l.file, l.pointer),
    };
    let message = d.message.replace(['\n', '\r'], " ");
    format!("{place}: {message} [{}]", d.code.as_str())
}
