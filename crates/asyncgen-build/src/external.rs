//! Generation by an installed `asyncgen` binary (without the `embedded` feature), the way
//! prost-build runs `protoc`: the generator's dependencies stay out of the crate's build
//! graph, which makes every build, no-op ones included, cheaper for cargo.

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use asyncgen_options::Settings;

use crate::{Error, cargo_line};

/// The variable naming the binary, like prost-build's `PROTOC`.
const VARIABLE: &str = "ASYNCGEN";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs `asyncgen generate SPEC -o DIR` with the settings' flags. The binary prints the
/// `rerun-if-changed` directives (it alone knows which files the document references); its
/// diagnostics are passed on to stderr, and its warnings become `cargo:warning`s.
pub fn generate(spec: &Path, dir: &Path, settings: &Settings, rerun: bool) -> Result<(), Error> {
    if rerun {
        cargo_line(&format!("cargo:rerun-if-env-changed={VARIABLE}"));
    }
    let program = std::env::var_os(VARIABLE).unwrap_or_else(|| OsString::from("asyncgen"));
    let shown = program.to_string_lossy().into_owned();
    let no_binary = |source| Error::NoBinary {
        program: shown.clone(),
        version: VERSION,
        source,
    };
    let version = Command::new(&program)
        .arg("--version")
        .output()
        .map_err(no_binary)?;
    let found = String::from_utf8_lossy(&version.stdout);
    let found = found.trim().trim_start_matches("asyncgen").trim();
    if found != VERSION {
        return Err(Error::VersionMismatch {
            program: shown,
            found: found.to_owned(),
            expected: VERSION,
        });
    }

    let mut command = Command::new(&program);
    command.arg("generate").arg(spec).arg("-o").arg(dir);
    command.args(settings.to_args());
    if rerun {
        command.arg("--cargo-directives");
    }
    let out = command.output().map_err(no_binary)?;
    // stdout holds only the directives; pass them to cargo as they are.
    let _ = std::io::stdout().lock().write_all(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::io::stderr().lock().write_all(stderr.as_bytes());
    if !out.status.success() {
        return Err(Error::Failed {
            program: shown,
            spec: spec.to_path_buf(),
            status: out.status,
        });
    }
    for warning in warnings(&stderr) {
        cargo_line(&format!("cargo:warning={warning}"));
    }
    Ok(())
}

/// Each warning of the binary's rendered diagnostics on one line: its headline and the
/// `--> file:line:col` line under it.
fn warnings(rendered: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = rendered.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(headline) = line.strip_prefix("warning") {
            let place = lines
                .peek()
                .and_then(|next| next.trim_start().strip_prefix("--> "))
                .map(|place| format!("{place}: "))
                .unwrap_or_default();
            found.push(format!("{place}warning{headline}"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_one_line_each_with_their_place() {
        let rendered = "warning[unexpected-field]: `x` is not a field\n  --> a.yml:3:5\n   |\n\
                        error[syntax]: bad\n  --> a.yml:9:1\nwarning[no-operations]: nothing\n";
        assert_eq!(
            warnings(rendered),
            [
                "a.yml:3:5: warning[unexpected-field]: `x` is not a field",
                "warning[no-operations]: nothing"
            ]
        );
    }
}
