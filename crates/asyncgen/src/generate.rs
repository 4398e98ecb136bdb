//! `asyncgen generate` and `asyncgen check`: the same run of the generator, once written to
//! disk and once compared with it, so CI's check fails exactly when `generate` would change
//! something.
//!
//! Streams: diagnostics and status lines (`wrote ...`, `... is stale`) go to stderr, like
//! cargo's; only the diffs of `check` go to stdout, so `asyncgen check ... > fix.patch` captures
//! a patch that `patch -p1` applies.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use asyncgen_codegen::SettingsArgs;
use asyncgen_codegen::output::{self, WriteReport};
use asyncgen_codegen::pipeline::{self, Run};
use clap::Args;

/// What `generate` and `check` share: they must accept the same flags, since `check` tells the
/// user to rerun `generate` with them.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// AsyncAPI document (YAML or JSON).
    #[arg(value_name = "SPEC")]
    spec: PathBuf,
    /// Output directory: one Rust module whose root is DIR/mod.rs.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR", required = true)]
    out_dir: PathBuf,
    #[command(flatten, next_help_heading = "Generation options")]
    settings: SettingsArgs,
    /// Print `cargo:rerun-if-changed` on stdout for the document and every file it references,
    /// even when it has errors: for `asyncgen-build` running this binary from a build script.
    #[arg(long, hide = true)]
    cargo_directives: bool,
}

/// Writes the generated module into the output directory, touching only what changed.
pub fn generate(args: &GenerateArgs) -> ExitCode {
    let run = match regenerate(args, "generate") {
        Ok(run) => run,
        Err(code) => return code,
    };
    match output::write(&args.out_dir, &run.files) {
        Ok(report) => {
            status(&wrote(&report, &args.out_dir.display().to_string()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            status(&format!("error: {e}"));
            ExitCode::from(1)
        }
    }
}

/// Regenerates in memory and compares with the output directory: exit 0 when fresh, 1 with
/// the diffs when anything differs, is missing or is left over.
pub fn check(args: &GenerateArgs) -> ExitCode {
    let run = match regenerate(args, "check") {
        Ok(run) => run,
        Err(code) => return code,
    };
    let dir = args.out_dir.display();
    match output::check(&args.out_dir, &run.files) {
        Ok(report) if report.is_fresh() => {
            status(&format!("{dir} is up to date"));
            ExitCode::SUCCESS
        }
        Ok(report) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
            let _ = stdout.write_all(report.render(&args.out_dir).as_bytes());
            let _ = stdout.flush();
            status(&format!("{dir} is stale: run {}", generate_command()));
            ExitCode::from(1)
        }
        Err(e) => {
            status(&format!("error: {e}"));
            ExitCode::from(1)
        }
    }
}

/// Runs the pipeline and prints its diagnostics; the exit code instead when the settings are
/// a usage error (2) or the document has errors or the generator failed (1), in which case
/// nothing may be written.
fn regenerate(args: &GenerateArgs, command: &str) -> Result<Run, ExitCode> {
    let settings = args.settings.settings();
    if let Err(e) = settings.outputs.check() {
        return Err(crate::usage_error(&[command], &e.to_cli()));
    }
    let run = match pipeline::run(&args.spec, &settings) {
        Ok(run) => run,
        Err(
            e @ (asyncgen_codegen::GenerateError::UnknownPreset { .. }
            | asyncgen_codegen::GenerateError::InvalidWebhookPath { .. }),
        ) => {
            return Err(crate::usage_error(&[command], &e.to_string()));
        }
        Err(e) => {
            status(&format!("error: {e}"));
            return Err(ExitCode::from(1));
        }
    };
    if args.cargo_directives {
        let mut stdout = std::io::stdout().lock();
        for line in run.rerun_directives(&args.spec) {
            let _ = writeln!(stdout, "{line}");
        }
    }
    // A clean document prints nothing: `generate` in a build or CI log should be one line.

    if !run.diagnostics.is_empty() {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(run.render().as_bytes());
    }
    if run.ok() {
        Ok(run)
    } else {
        Err(ExitCode::from(1))
    }
}

/// `wrote 2 files to DIR (1 unchanged)`, with `, N removed` when stale files went.
fn wrote(report: &WriteReport, dir: &str) -> String {
    let n = report.written.len();
    let mut line = format!(
        "wrote {n} file{} to {dir} ({} unchanged",
        if n == 1 { "" } else { "s" },
        report.unchanged.len()
    );
    if !report.removed.is_empty() {
        line.push_str(&format!(", {} removed", report.removed.len()));
    }
    line.push(')');
    line
}

/// The command that freshens what `check` found stale: this very command line with `check`
/// replaced by `generate`, so every flag that changes the output (`--only`, ...) is kept.
fn generate_command() -> String {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut words = vec!["asyncgen".to_owned()];
    let mut replaced = false;
    for arg in &args {
        let arg = arg.to_string_lossy();
        if !replaced && arg == "check" {
            words.push("generate".to_owned());
            replaced = true;
        } else {
            words.push(shell_quote(&arg));
        }
    }
    words.join(" ")
}

/// Quotes a word for a POSIX shell when it needs it, so the suggested command can be pasted.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=,:@%+".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// One line on stderr; a closed stderr is not worth a panic.
pub(crate) fn status(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("specs/x.yml"), "specs/x.yml");
        assert_eq!(shell_quote("--only=types,types"), "--only=types,types");
        assert_eq!(shell_quote("my dir"), "'my dir'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn status_line() {
        let report = WriteReport {
            written: vec!["mod.rs".into()],
            unchanged: vec!["types.rs".into()],
            removed: vec![],
        };
        assert_eq!(wrote(&report, "out"), "wrote 1 file to out (1 unchanged)");
        let report = WriteReport {
            written: vec![],
            unchanged: vec![],
            removed: vec!["old.rs".into()],
        };
        assert_eq!(
            wrote(&report, "out"),
            "wrote 0 files to out (0 unchanged, 1 removed)"
        );
    }
}
