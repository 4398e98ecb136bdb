//! Shared helpers for the end-to-end tests: where the repository and the shared corpus are.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Set to `1` (as `.ci/run` does), an absent corpus fails the tests that read it instead of
/// letting them skip: CI must not pass by testing nothing.
pub const REQUIRE_CORPUS: &str = "ASYNCGEN_REQUIRE_CORPUS";

/// Where the corpus is expected: `../shared/corpus` beside the repository.
pub fn corpus_path() -> PathBuf {
    repo_root().join("../shared/corpus")
}

/// The corpus, or `None` (with a message saying why the test is skipped) when it is absent.
/// With [`REQUIRE_CORPUS`] set to `1`, an absent corpus panics, naming the path.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = corpus_path();
    if dir.is_dir() {
        return Some(dir);
    }
    let absent = format!(
        "{} is absent; the real-world corpus tests need ../shared/corpus beside the repository",
        dir.display()
    );
    if std::env::var(REQUIRE_CORPUS).is_ok_and(|v| v == "1") {
        panic!("{absent} ({REQUIRE_CORPUS}=1 requires it)");
    }
    eprintln!("SKIPPED: {absent}");
    None
}

/// Every `.yml`, `.yaml` and `.json` file below `dir`, sorted, as paths relative to `dir`.
pub fn documents(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml" | "json")
            ) {
                out.push(p.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(p));
            }
        }
    }
    out.sort();
    out
}

/// Diagnostics rendered for a person. Paths appear as the document was named when loaded, so
/// snapshot only what was loaded through a repository-relative path.
pub fn rendered(loaded: &asyncgen_spec::Loaded) -> String {
    asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics)
}

/// The settings a user integrating `spec` generates with: the defaults, except that for a
/// document that declares no server (as providers publish theirs) the receiver and the sender
/// are asked for by name, which gives its messages a webhook endpoint at `/`.
pub fn settings_for(spec: &Path) -> asyncgen_codegen::Settings {
    use asyncgen_codegen::{Output, Outputs};
    let mut settings = asyncgen_codegen::Settings::default();
    let loaded = asyncgen_spec::load(spec, &Default::default());
    if asyncgen_ir::lower(&loaded).is_ok_and(|api| api.servers.is_empty()) {
        settings.outputs(Outputs::only([
            Output::Types,
            Output::Receiver,
            Output::Sender,
        ]));
    }
    settings
}

/// Runs the whole pipeline on `path` with default settings; every file it generates.
pub fn generated(path: &Path) -> Vec<asyncgen_codegen::GeneratedFile> {
    let run = asyncgen_codegen::pipeline::run(path, &asyncgen_codegen::Settings::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(run.ok(), "{}:\n{}", path.display(), run.render());
    run.files
}

/// The contents of `module` (`client.rs`) among `files`, and whether the module root declares
/// it; panics naming `spec` when it was not generated.
pub fn module<'a>(
    files: &'a [asyncgen_codegen::GeneratedFile],
    spec: &str,
    module: &str,
) -> &'a str {
    let file = files
        .iter()
        .find(|f| f.path == module)
        .unwrap_or_else(|| panic!("{spec}: no {module}"));
    let root = files.iter().find(|f| f.path == "mod.rs").expect("mod.rs");
    let name = module.trim_end_matches(".rs");
    assert!(
        root.contents.contains(&format!("pub mod {name};")),
        "{spec}: mod.rs does not declare {name}"
    );
    &file.contents
}
