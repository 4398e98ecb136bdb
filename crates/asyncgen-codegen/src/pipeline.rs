//! The whole run, shared by the CLI and build scripts: load, lower, build the type space,
//! generate; every problem reported as a located diagnostic.

use std::path::{Path, PathBuf};

use asyncgen_ir::types::{IssueKind, TypeIssue};
use asyncgen_spec::{Code, Diagnostic, Diagnostics, Loaded, Pointer, Related, Workspace};

use crate::{GenerateError, GeneratedFile, Settings};

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

fn issue_diagnostic(ws: &Workspace, issue: &TypeIssue) -> Option<Diagnostic> {
    let locate = |origin: &asyncgen_ir::Origin| {
        let file = ws.files().iter().find(|f| f.display == origin.file)?.id;
        let pointer = Pointer::from_escaped(&origin.pointer).ok()?;
        Some(ws.location(file, pointer, true))
    };
    let code = match issue.kind {
        IssueKind::NameCollision => Code::NameCollision,
        IssueKind::AmbiguousDispatch => Code::AmbiguousDispatch,
    };
    let location = locate(&issue.origin)?;
    let mut d = ws.diag(
        code,
        issue.message.clone(),
        location.file_id,
        location.pointer.clone(),
    );
    d.location = location;
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
    if code == Code::NameCollision {
        d.help = Some(
            "rename one of the schemas: Rust type names are their keys in PascalCase".to_owned(),
        );
    }
    Some(d)
}

/// Runs the pipeline on the document at `spec`. Outputs asked for without their prerequisites are refused before the document is read.
pub fn run(spec: &Path, settings: &Settings) -> Result<Run, GenerateError> {
    settings.outputs.check()?;
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
    let (types, issues) = asyncgen_ir::types::build(&api);
    for issue in &issues {
        if let Some(mut d) = issue_diagnostic(&loaded.workspace, issue) {
            if options.strict {
                d.severity = asyncgen_spec::Severity::Error;
            }
            diagnostics.push(d);
        }
    }
    loaded.workspace.locate(&mut diagnostics);
    diagnostics.sort();
    let files = if diagnostics.has_errors() {
        Vec::new()
    } else {
        crate::generate(&api, &types, settings)?
    };
    Ok(Run {
        loaded,
        diagnostics,
        files,
        endpoints: crate::webhook::summaries(&api, &types),
        sockets: crate::socket::summaries(&api, &types),

        title: api.info.title.clone(),
    })
}
