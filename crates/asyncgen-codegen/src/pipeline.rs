//! The whole run, shared by the CLI and build scripts: load, lower, build the type space and
//! the protocol views (once), generate; every problem reported as a located diagnostic.

use std::path::{Path, PathBuf};

use asyncgen_ir::types::{IssueKind, TypeIssue};
use asyncgen_ir::webhook::Endpoint;
use asyncgen_spec::{Code, Diagnostic, Diagnostics, Loaded, Location, Pointer, Related, Workspace};

use crate::{GenerateError, GeneratedFile, Settings};
use asyncgen_options::{Output, Outputs, Verify};

/// The outcome of a run.
pub struct Run {
    /// The loaded document: for rendering diagnostics and listing the files read.
    pub loaded: Loaded,
    /// Loader diagnostics and type-space issues, located, sorted.
    pub diagnostics: Diagnostics,
    /// The generated files; empty when any diagnostic is an error.
    pub files: Vec<GeneratedFile>,
    /// The document's webhook endpoints as generated (for `asyncgen scaffold`).
    pub endpoints: Vec<crate::EndpointSummary>,
    /// The document's websockets as generated (for `asyncgen scaffold client`).
    pub sockets: Vec<crate::SocketSummary>,
    /// The document's `info.title`; empty when it did not load.
    pub title: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }

    /// Every file the loader read (the document and what it references), for build scripts.
    pub fn inputs(&self) -> Vec<PathBuf> {
        self.loaded
            .workspace
            .paths()
            .map(Path::to_path_buf)
            .collect()
    }

    /// `cargo:rerun-if-changed` for the document as the caller named it (first, so a document
    /// that did not load still reruns once fixed), then every other file the loader read, by
    /// canonical path: what a build script prints, in-process or through the CLI.
    pub fn rerun_directives(&self, spec: &Path) -> Vec<String> {
        let given = std::fs::canonicalize(spec).ok();
        std::iter::once(spec.to_path_buf())
            .chain(
                self.inputs()
                    .into_iter()
                    .filter(|i| Some(i) != given.as_ref()),
            )
            .map(|p| format!("cargo:rerun-if-changed={}", p.display()))
            .collect()
    }

    /// The diagnostics as `asyncgen validate` prints them.
    pub fn render(&self) -> String {
        asyncgen_spec::render::render_all(&self.loaded.workspace, &self.diagnostics)
    }
}

/// Where an IR origin is in the document; `None` for a file the workspace did not read.
fn locate(ws: &Workspace, origin: &asyncgen_ir::Origin, at_key: bool) -> Option<Location> {
    let file = ws.files().iter().find(|f| f.display == origin.file)?.id;
    let pointer = Pointer::from_escaped(&origin.pointer).ok()?;
    Some(ws.location(file, pointer, at_key))
}

fn located(ws: &Workspace, code: Code, message: String, location: Location) -> Diagnostic {
    let mut d = ws.diag(code, message, location.file_id, location.pointer.clone());
    d.location = location;
    d
}

fn issue_diagnostic(ws: &Workspace, issue: &TypeIssue) -> Option<Diagnostic> {
    let locate = |origin: &asyncgen_ir::Origin| locate(ws, origin, true);
    let code = match issue.kind {
        IssueKind::NameCollision => Code::NameCollision,
        IssueKind::AmbiguousDispatch => Code::AmbiguousDispatch,
        IssueKind::VendorDispatch => Code::VendorDispatch,
        IssueKind::PresetDispatch => Code::PresetDispatch,
    };
    let mut d = located(ws, code, issue.message.clone(), locate(&issue.origin)?);
    d.related = issue
        .related
        .iter()
        .filter_map(|(message, origin)| {
            Some(Related {
                message: message.clone(),
                location: locate(origin)?,
            })
        })
        .collect();
    d.help = match issue.kind {
        IssueKind::NameCollision => Some(
            "rename one of the schemas: Rust type names are their keys in PascalCase".to_owned(),
        ),
        IssueKind::VendorDispatch => Some(
            "write `x-asyncgen-dispatch` on the message (`path` or `header`, with `equals`) to say it in this generator's terms; it takes precedence".to_owned(),
        ),
        IssueKind::PresetDispatch => Some(
            "if the provider sends another value, write `x-asyncgen-dispatch: {header: NAME, equals: VALUE}` on the message; it takes precedence".to_owned(),
        ),
        IssueKind::AmbiguousDispatch => None,
    };
    Some(d)
}

/// Says where the messages of a document without servers now arrive: the document did not
/// say, so the user hears it rather than finding out from a 404.
fn serverless_diagnostic(ws: &Workspace, endpoints: &[&Endpoint]) -> Option<Diagnostic> {
    let first = endpoints.first()?;
    let location = locate(ws, &first.origin, true)?;
    let paths: Vec<String> = endpoints.iter().map(|e| format!("`{}`", e.path)).collect();
    let message = format!(
        "the document declares no server: the messages the described application sends arrive at the webhook {} {}, the URL registered with the provider",
        if paths.len() == 1 {
            "endpoint"
        } else {
            "endpoints"
        },
        paths.join(", ")
    );
    let mut d = located(ws, Code::NoServer, message, location);
    d.help = Some(
        "set the route with `--webhook-path PATH` (build scripts: `.webhook_path(\"PATH\")`), or declare an `http`/`https` server".to_owned(),
    );
    Some(d)
}

/// What the document leaves open or contradictory about how its webhook endpoints are secured.
fn endpoint_diagnostics(ws: &Workspace, endpoints: &[&Endpoint]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in endpoints {
        for c in &e.security_conflicts {
            let at = format!("{}/security", c.origin.pointer);
            let origin = asyncgen_ir::Origin {
                pointer: at,
                ..c.origin.clone()
            };
            let Some(location) = locate(ws, &origin, true).or_else(|| locate(ws, &c.origin, true))
            else {
                continue;
            };
            let message = format!(
                "operation `{}` arrives at webhook endpoint `{}` with security requirements that differ from those of operation `{}`: one receiver cannot verify them differently",
                c.operation, e.path, c.first
            );
            let mut d = located(ws, Code::ConflictingSecurity, message, location);
            d.help = Some(
                "declare the same `security` on every operation of the endpoint, or move it to the server".to_owned(),
            );
            d.related = locate(ws, &c.first_origin, true)
                .map(|location| Related {
                    message: format!("operation `{}` requires this", c.first),
                    location,
                })
                .into_iter()
                .collect();
            out.push(d);
        }
        if e.security.is_some() {
            continue;
        }
        let Some(location) = locate(ws, &e.origin, true) else {
            continue;
        };
        let message = if e.unverified.is_empty() {
            format!(
                "webhook endpoint `{}` declares no security: anyone who can reach it can post events",
                e.path
            )
        } else {
            format!(
                "webhook endpoint `{}` requires {}, which no `x-asyncgen-*` extension says how to verify: its requests cannot be checked",
                e.path,
                e.unverified
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut d = located(ws, Code::UnverifiedEndpoint, message, location);
        d.help = Some(
            "describe how requests are signed (`x-asyncgen-signature`, with a provider `preset` or written out, `x-asyncgen-jwt` or `x-asyncgen-body-token` on a security scheme of the server or its operations), or name the provider's preset with `--verify PRESET` (build scripts: `.verify(\"PRESET\")`); until then the generated receiver refuses to start unless the application calls `Verifier::insecure_no_verification()`".to_owned(),
        );
        out.push(d);
    }
    out
}

/// Where the messages of a document without servers arrive under `settings`
/// ([`asyncgen_ir::webhook::endpoints_at`]): at the `webhook_path` when the receiver or the
/// sender is asked for by name, else nowhere (generating every output that applies leaves such
/// a document with its types, as a document without webhooks).
pub fn unregistered_path(settings: &Settings) -> Option<&str> {
    match &settings.outputs {
        Outputs::Only(set) if set.contains(&Output::Receiver) || set.contains(&Output::Sender) => {
            Some(settings.webhook_path.as_str())
        }
        Outputs::Only(_) | Outputs::Applicable => None,
    }
}

/// Runs the pipeline on the document at `spec`. Outputs asked for without their prerequisites are refused before the document is read.
pub fn run(spec: &Path, settings: &Settings) -> Result<Run, GenerateError> {
    settings.outputs.check()?;
    let preset = match &settings.verify {
        Verify::Declared => None,
        Verify::Preset(name) => Some(name.as_str()),
    };
    if let Some(name) = preset
        && asyncgen_signature::preset(name).is_none()
    {
        return Err(GenerateError::UnknownPreset {
            name: name.to_owned(),
        });
    }
    if let Some(problem) = settings.webhook_path.problem() {
        return Err(GenerateError::InvalidWebhookPath {
            path: settings.webhook_path.to_string(),
            problem,
        });
    }
    let options = asyncgen_spec::LoadOptions {
        strict: settings.strict,
    };

    let loaded = asyncgen_spec::load(spec, &options);

    let mut diagnostics = loaded.diagnostics.clone();
    let Ok(api) = asyncgen_ir::lower(&loaded) else {
        return Ok(Run {
            loaded,
            diagnostics,
            files: Vec::new(),
            endpoints: Vec::new(),
            sockets: Vec::new(),
            title: String::new(),
        });
    };
    let (types, views, issues) =
        asyncgen_ir::views::build_at(&api, unregistered_path(settings), preset);
    let endpoints: Vec<&Endpoint> = views.endpoints.iter().map(|v| &v.endpoint).collect();
    let serverless = api.servers.is_empty().then_some(endpoints.as_slice());
    let found = issues
        .iter()
        .filter_map(|issue| issue_diagnostic(&loaded.workspace, issue))
        .chain(serverless.and_then(|e| serverless_diagnostic(&loaded.workspace, e)))
        .chain(endpoint_diagnostics(&loaded.workspace, &endpoints));
    for mut d in found {
        if options.strict {
            d.severity = asyncgen_spec::Severity::Error;
        }
        diagnostics.push(d);
    }
    loaded.workspace.locate(&mut diagnostics);
    diagnostics.sort();
    let files = if diagnostics.has_errors() {
        Vec::new()
    } else {
        crate::generate(&api, &types, &views, settings)?
    };
    Ok(Run {
        loaded,
        diagnostics,
        files,
        endpoints: crate::webhook::summaries(&api, &types, &views),
        sockets: crate::ws::summaries(&api, &types, &views),
        title: api.info.title.clone(),
    })
}
