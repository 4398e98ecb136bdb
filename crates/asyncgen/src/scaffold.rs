//! `asyncgen scaffold`: a Cargo package the user owns, rendered from the files in `templates/`
//! around a module generated from the document, and written in one piece (the directory
//! appears complete or not at all).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use asyncgen_codegen::output;
use asyncgen_codegen::pipeline::Run;
use asyncgen_codegen::{EndpointSummary, GeneratedFile, Output, Outputs, Settings, SettingsArgs};
use clap::{Args, Subcommand};
use minijinja::{AutoEscape, Environment, context};

use crate::generate::status;

#[derive(Debug, Subcommand)]
pub enum Scaffold {
    /// A webhook receiver: verifies, queues and prints every event the document's provider
    /// posts (`cargo run -- --listen ADDR`).
    Receiver(ReceiverArgs),
    /// A websocket client: connects, subscribes and prints every event the document's server
    /// pushes (`cargo run -- --url URL`), with a mock server to try it (`cargo run --bin NAME-mock`).
    Client(PackageArgs),
}

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// AsyncAPI document (YAML or JSON); it and every file it references are copied into the
    /// package's `spec/`.
    #[arg(value_name = "SPEC")]
    spec: PathBuf,
    /// Directory of the new package; it must not exist or be empty.
    #[arg(short = 'o', long = "out-dir", value_name = "DIR", required = true)]
    out_dir: PathBuf,
    /// Depend on `asyncgen-runtime` at this path instead of its released version.
    #[arg(long, value_name = "PATH")]
    runtime_path: Option<PathBuf>,
    /// The package name (default: the output directory's name).
    #[arg(long)]
    name: Option<String>,
    /// The same flags as `generate`, so the package's code can be generated however the
    /// module alone can; `--only` may add outputs to those the package runs, not drop them.
    #[command(flatten, next_help_heading = "Generation options")]
    settings: SettingsArgs,
}

#[derive(Debug, Args)]
pub struct ReceiverArgs {
    #[command(flatten)]
    package: PackageArgs,
    /// Mount the endpoints whose document declares nothing to verify without verification:
    /// anyone who can reach them can post events. Without it, such a receiver refuses to start.
    #[arg(long)]
    insecure_no_verification: bool,
}

/// A package's templates: (template name, source, path in the package).
type Templates = &'static [(&'static str, &'static str, &'static str)];

const RECEIVER: Templates = &[
    (
        "Cargo.toml",
        include_str!("../../../templates/receiver/Cargo.toml.j2"),
        "Cargo.toml",
    ),
    (
        "README.md",
        include_str!("../../../templates/receiver/README.md.j2"),
        "README.md",
    ),
    (
        "gitignore",
        include_str!("../../../templates/receiver/gitignore.j2"),
        ".gitignore",
    ),
    (
        "main.rs",
        include_str!("../../../templates/receiver/src/main.rs.j2"),
        "src/main.rs",
    ),
];

const CLIENT: Templates = &[
    (
        "Cargo.toml",
        include_str!("../../../templates/client/Cargo.toml.j2"),
        "Cargo.toml",
    ),
    (
        "README.md",
        include_str!("../../../templates/client/README.md.j2"),
        "README.md",
    ),
    (
        "gitignore",
        include_str!("../../../templates/client/gitignore.j2"),
        ".gitignore",
    ),
    (
        "main.rs",
        include_str!("../../../templates/client/src/main.rs.j2"),
        "src/main.rs",
    ),
    (
        "mock.rs",
        include_str!("../../../templates/client/src/bin/mock.rs.j2"),
        "src/bin/mock.rs",
    ),
];

pub fn scaffold(command: &Scaffold) -> ExitCode {
    let kind = match command {
        Scaffold::Receiver(_) => "receiver",
        Scaffold::Client(_) => "client",
    };
    let outcome = match command {
        Scaffold::Receiver(args) => receiver(args).map(|path| {
            format!(
                "wrote a receiver package to {} (cd there and `cargo run -- --listen 127.0.0.1:8080`)",
                path.display()
            )
        }),
        Scaffold::Client(args) => client(args).map(|(path, name)| {
            format!(
                "wrote a client package to {} (cd there and `cargo run -- --url URL`; `cargo run --bin {name}-mock` serves the examples)",
                path.display()
            )
        }),
    };
    match outcome {
        Ok(message) => {
            status(&message);
            ExitCode::SUCCESS
        }
        Err(Failure::Reported) => ExitCode::from(1),
        Err(Failure::Usage(m)) => crate::usage_error(&["scaffold", kind], &m),
        Err(Failure::Message(m)) => {
            status(&format!("error: {m}"));
            ExitCode::from(1)
        }
    }
}

enum Failure {
    /// The diagnostics are already printed.
    Reported,
    /// Flags that parse but do not go together: exit 2, like clap's own usage errors.
    Usage(String),
    Message(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Message(e.to_string())
    }
}

/// The settings of the flags given, with the outputs the package runs (`package`) unless
/// `--only` names more; `--only` without them, or without their prerequisites, is a usage
/// error.
fn settings(args: &PackageArgs, kind: &str, package: &[Output]) -> Result<Settings, Failure> {
    let mut settings = args.settings.settings();
    match &settings.outputs {
        Outputs::Only(asked) => {
            let missing: BTreeSet<Output> = package
                .iter()
                .copied()
                .filter(|o| !asked.contains(o))
                .collect();
            if !missing.is_empty() {
                return Err(Failure::Usage(format!(
                    "`--only {}` leaves out `{}`, which the {kind} package runs: use `--only {}`",
                    Output::names(asked),
                    Output::names(&missing),
                    Output::names(asked.union(&missing))
                )));
            }
        }
        _ => {
            settings.outputs(Outputs::only(package.iter().copied()));
        }
    }
    settings
        .outputs
        .check()
        .map_err(|e| Failure::Usage(e.to_cli()))?;
    Ok(settings)
}

/// Generates the document with `settings`, reporting its diagnostics.
fn generate(args: &PackageArgs, settings: &Settings) -> Result<Run, Failure> {
    ensure_empty(&args.out_dir)?;
    let run = asyncgen_codegen::pipeline::run(&args.spec, settings)?;

    if !run.diagnostics.is_empty() {
        let _ = std::io::stderr().lock().write_all(run.render().as_bytes());
    }
    if !run.ok() {
        return Err(Failure::Reported);
    }
    Ok(run)
}

fn receiver(receiver: &ReceiverArgs) -> Result<PathBuf, Failure> {
    let args = &receiver.package;
    let settings = settings(args, "receiver", &[Output::Types, Output::Receiver])?;
    let run = generate(args, &settings)?;
    if run.endpoints.is_empty() {
        return Err(Failure::Message(format!(
            "{} describes no webhook endpoint: a receiver needs messages the described application sends (a `send` operation in 3.x, `subscribe` in 2.x), on an `http` or `https` server or, in a document that declares no server, at `--webhook-path`",
            args.spec.display()
        )));
    }

    let unverified: Vec<&str> = run
        .endpoints
        .iter()
        .filter(|e| e.security.is_none())
        .map(|e| e.path.as_str())
        .collect();
    if !unverified.is_empty() && !receiver.insecure_no_verification {
        status(&format!(
            "note: nothing verifies requests to {}: the package refuses to start until the document says how they are signed, or until it is scaffolded with --insecure-no-verification",
            unverified.join(", ")
        ));
    }
    let (spec_files, spec) = spec_files(&args.spec, &run.inputs())?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => package_name(&args.out_dir, "webhook-receiver"),
    };
    let runtime = runtime_dependency(
        args.runtime_path.as_deref(),
        &settings,
        // `--queue postgres://...`: the queue several receivers share.
        &["queue-postgres"],
    )?;
    let title = run.title.clone();
    let secrets = secrets(&run.endpoints);
    let signs_url = secrets.iter().any(|s| s.signs_url);
    let (only, options) = regenerate_flags(&settings);
    let ctx = context! {
        name, title, runtime, spec, only, options,
        schemars => settings.derive_json_schema,
        endpoints => &run.endpoints,
        secrets, signs_url,
        insecure_no_verification => receiver.insecure_no_verification,
    };
    write_package(args, RECEIVER, &ctx, run.files, spec_files)
}

/// The package's path and name.
fn client(args: &PackageArgs) -> Result<(PathBuf, String), Failure> {
    let settings = settings(
        args,
        "client",
        &[Output::Types, Output::WsClient, Output::WsMock],
    )?;
    let run = generate(args, &settings)?;
    let Some(socket) = run.sockets.first().cloned() else {
        return Err(Failure::Message(format!(
            "{} describes no websocket: a client needs a `ws` or `wss` server",
            args.spec.display()
        )));
    };
    if run.sockets.len() > 1 {
        status(&format!(
            "note: the document has {} websockets; the package's binaries use the first, `{}` (the others are generated in src/api too)",
            run.sockets.len(),
            socket.key
        ));
    }
    let (spec_files, spec) = spec_files(&args.spec, &run.inputs())?;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => package_name(&args.out_dir, "websocket-client"),
    };
    let runtime = runtime_dependency(args.runtime_path.as_deref(), &settings, &[])?;
    let url = socket
        .urls
        .first()
        .map(|(_, u)| u.clone())
        .unwrap_or_default();
    // The mock serves the document's path; a token in the path is appended by the mock itself.
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        .unwrap_or_else(|| "/".to_owned());
    let mock_path = match &socket.token_path {
        Some(prefix) => prefix.clone(),
        None => path,
    };
    // The package name is lowercase ASCII, digits and `-`.
    let token_env = format!("{}_TOKEN", name.replace('-', "_").to_ascii_uppercase());

    let (only, options) = regenerate_flags(&settings);
    let ctx = context! {
        name, spec, runtime, url, mock_path, token_env, only, options,
        schemars => settings.derive_json_schema,
        title => &run.title,
        socket,
    };
    let path = write_package(args, CLIENT, &ctx, run.files, spec_files)?;
    Ok((path, name))
}

/// What the package's README writes after `asyncgen generate SPEC -o src/api` to regenerate
/// the same code: the outputs for `--only`, and the other options' flags (each with a leading
/// space, none for the defaults).
fn regenerate_flags(settings: &Settings) -> (String, String) {
    let only = match &settings.outputs {
        Outputs::Only(set) => Output::names(set),
        _ => Output::names(Output::ALL),
    };
    let mut others = settings.clone();
    others.outputs(Outputs::Applicable);
    let options = others.to_args().iter().map(|a| format!(" {a}")).collect();
    (only, options)
}

/// Renders `templates`, adds the generated module under `src/api/` and the document under
/// `spec/`, and writes the package at once.
fn write_package(
    args: &PackageArgs,
    templates: Templates,
    ctx: &minijinja::Value,
    generated: Vec<GeneratedFile>,
    spec_files: Vec<GeneratedFile>,
) -> Result<PathBuf, Failure> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    let mut files = Vec::new();
    for (template, source, path) in templates {
        env.add_template(template, source)?;
        files.push(GeneratedFile {
            path: (*path).to_owned(),
            contents: env.get_template(template)?.render(ctx)?,
        });
    }
    files.extend(generated.into_iter().map(|f| GeneratedFile {
        path: format!("src/api/{}", f.path),
        contents: f.contents,
    }));
    files.extend(spec_files);
    if args.out_dir.is_dir() {
        // Empty (checked above): replaced whole, so the package appears complete or not at all.
        std::fs::remove_dir(&args.out_dir)?;
    }
    output::write(&args.out_dir, &files)?;
    Ok(args.out_dir.clone())
}

/// Refuses to write over anything: the package is the user's once written.
fn ensure_empty(dir: &Path) -> Result<(), Failure> {
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()) {
        Ok(false) => Err(Failure::Message(format!(
            "{} exists and is not empty: scaffold writes a new package and never overwrites one",
            dir.display()
        ))),
        Ok(true) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure::Message(format!("{}: {e}", dir.display()))),
    }
}

/// The document and everything it references, under `spec/` with their layout relative to the
/// document's folder; and the document's path there.
fn spec_files(root: &Path, inputs: &[PathBuf]) -> Result<(Vec<GeneratedFile>, String), Failure> {
    let base = root
        .canonicalize()?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut files = Vec::new();
    for input in inputs {
        let full = input.canonicalize()?;
        let rel = full.strip_prefix(&base).map_err(|_| {
            format!(
                "{} references {}, outside its folder: scaffold copies the document's folder only",
                root.display(),
                input.display()
            )
        })?;
        files.push(GeneratedFile {
            path: format!("spec/{}", slash_path(rel)),
            contents: std::fs::read_to_string(&full)?,
        });
    }
    let spec = slash_path(
        root.canonicalize()?
            .strip_prefix(&base)
            .unwrap_or(Path::new("spec.yml")),
    );
    Ok((files, spec))
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A valid Cargo package name from the directory name: lowercase ASCII letters, digits and `-`.
fn package_name(dir: &Path, fallback: &str) -> String {
    let raw = dir
        .canonicalize()
        .ok()
        .as_deref()
        .or(Some(dir))
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches('-').to_owned();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("{fallback}{}{name}", if name.is_empty() { "" } else { "-" })
    }
}

/// The `asyncgen-runtime` dependency as TOML, with the feature of each output generated: a
/// path when given, else this release's version.
fn runtime_dependency(
    path: Option<&Path>,
    settings: &Settings,
    extra: &[&'static str],
) -> Result<String, Failure> {
    let features: Vec<&str> = Output::ALL
        .iter()
        .filter(|o| settings.outputs.includes(**o))
        .filter_map(|o| o.runtime_feature())
        .chain(extra.iter().copied())
        .collect();
    let features = format!(
        "default-features = false, features = {}",
        serde_json::to_string(&features)?
    );
    Ok(match path {
        Some(p) => {
            let p = p
                .canonicalize()
                .map_err(|e| format!("--runtime-path {}: {e}", p.display()))?;
            if !p.join("Cargo.toml").is_file() {
                return Err(Failure::Message(format!(
                    "--runtime-path {}: no Cargo.toml there (give the asyncgen-runtime crate's folder)",
                    p.display()
                )));
            }
            // A JSON string is a valid TOML basic string (same escapes).
            let quoted = serde_json::to_string(&p.to_string_lossy())?;
            format!("{{ path = {quoted}, {features} }}")
        }
        None => format!(
            "{{ version = \"{}\", {features} }}",
            env!("CARGO_PKG_VERSION")
        ),
    })
}

/// Each security scheme once, in endpoint order.
fn secrets(endpoints: &[EndpointSummary]) -> Vec<asyncgen_codegen::SecuritySummary> {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for s in endpoints.iter().filter_map(|e| e.security.as_ref()) {
        if seen.insert(s.key.clone(), ()).is_none() {
            out.push(s.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(
            package_name(Path::new("/tmp/My Receiver"), "webhook-receiver"),
            "my-receiver"
        );
        assert_eq!(
            package_name(Path::new("dialer_cx"), "webhook-receiver"),
            "dialer-cx"
        );
        assert_eq!(
            package_name(Path::new("9lives"), "webhook-receiver"),
            "webhook-receiver-9lives"
        );
    }
}
