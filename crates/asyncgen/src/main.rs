//! The `asyncgen` command line: one binary over the loader, the model and the generators.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

mod generate;
mod scaffold;

// Loading and lowering allocate a node per JSON value; mimalloc cuts that cost by a fifth on
// large documents (bench `load`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "asyncgen",
    version,
    about = "Typed Rust from AsyncAPI documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate Rust from a document into DIR, writing only the files whose content changed.
    Generate(generate::GenerateArgs),
    /// Regenerate in memory and compare with DIR: exit 1 with a diff when it is stale (for CI).
    Check(generate::GenerateArgs),
    /// Check documents and print every problem found, located.
    Validate {
        /// AsyncAPI documents (YAML or JSON).
        #[arg(required = true, value_name = "SPEC")]
        specs: Vec<PathBuf>,
        #[command(flatten)]
        load: LoadArgs,
        /// Print diagnostics as JSON (one array per document) instead of for a person.
        #[arg(long)]
        json: bool,
    },
    /// Write a runnable Cargo package around the generated code: yours to edit.
    #[command(subcommand)]
    Scaffold(scaffold::Scaffold),
    /// Print what the model understood: channels, directions, messages, payload origins.
    Inspect {
        #[arg(value_name = "SPEC")]
        spec: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The loader's one setting, for the commands that generate nothing (`validate`, `inspect`);
/// those that generate take every generation option instead (`SettingsArgs`, declared in
/// `asyncgen-options`), `--strict` among them.
#[derive(Debug, Args)]
struct LoadArgs {
    /// Treat warnings (unexpected or misplaced fields, ...) as errors.
    #[arg(long)]
    strict: bool,
}

impl LoadArgs {
    fn options(&self) -> asyncgen_spec::LoadOptions {
        asyncgen_spec::LoadOptions {
            strict: self.strict,
        }
    }
}

fn validate(specs: &[PathBuf], load: &LoadArgs, json: bool) -> ExitCode {
    let mut ok = true;
    let mut reports = Vec::new();
    for spec in specs {
        let loaded = asyncgen_spec::load(spec, &load.options());
        ok &= loaded.is_valid();
        if json {
            reports.push(serde_json::json!({
                "file": spec.display().to_string(),
                "valid": loaded.is_valid(),
                "diagnostics": loaded.diagnostics,
            }));
        } else {
            eprint!(
                "{}",
                asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics)
            );
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        );
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn inspect(spec: &std::path::Path, options: &asyncgen_spec::LoadOptions, json: bool) -> ExitCode {
    let loaded = asyncgen_spec::load(spec, options);
    if !loaded.diagnostics.is_empty() {
        eprint!(
            "{}",
            asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics)
        );
    }
    let api = match asyncgen_ir::lower(&loaded) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let report = asyncgen_ir::inspect::report(&api);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", asyncgen_ir::inspect::render(&report));
    }
    ExitCode::SUCCESS
}

/// Reports a usage error found after parsing (flags that parse but do not go together) the way
/// clap reports its own, with the subcommand's usage line and exit code 2, so scripts cannot
/// tell the two apart.
pub(crate) fn usage_error(subcommand: &[&str], message: &str) -> ExitCode {
    let mut command = Cli::command();
    // Gives every subcommand its full name (`asyncgen generate`) for the usage line.
    command.build();
    for name in subcommand {
        let Some(sub) = command.find_subcommand(name).cloned() else {
            break;
        };
        command = sub;
    }
    let error = command.error(clap::error::ErrorKind::ArgumentConflict, message);
    let _ = error.print();
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Generate(args) => generate::generate(args),
        Command::Check(args) => generate::check(args),
        Command::Validate { specs, load, json } => validate(specs, load, *json),
        Command::Inspect { spec, load, json } => inspect(spec, &load.options(), *json),
        Command::Scaffold(command) => scaffold::scaffold(command),
    }
}
