//! The generated Rust types of every seed spec, the hard-cases fixture and every corpus
//! document, snapshotted: a change to the emitted code is reviewed like any other change.

use std::path::Path;

use asyncgen_tests::{corpus_dir, documents, repo_root};

/// Runs the whole pipeline with default settings and returns the generated `types.rs`.
fn generated_types(path: &Path) -> String {
    let file = asyncgen_tests::generated(path)
        .into_iter()
        .find(|f| f.path == "types.rs")
        .unwrap_or_else(|| panic!("{}: no types.rs generated", path.display()));
    assert!(
        !file.contents.contains(&*repo_root().to_string_lossy()),
        "{}: generated code holds an absolute path",
        path.display()
    );
    file.contents
}

fn snapshot_all(dir: &Path, prefix: &str, docs: Vec<std::path::PathBuf>) {
    assert!(!docs.is_empty(), "no documents under {}", dir.display());
    for rel in docs {
        let name = rel.to_string_lossy().replace(['/', '\\'], "__");
        insta::assert_snapshot!(
            format!("{prefix}__{name}"),
            generated_types(&dir.join(&rel))
        );
    }
}

#[test]
fn seed_spec_types() {
    let dir = repo_root().join("specs");
    let docs = documents(&dir)
        .into_iter()
        .filter(|p| !p.starts_with("extensions"))
        .collect();
    snapshot_all(&dir, "specs", docs);
}

#[test]
fn hard_case_types() {
    let dir = repo_root().join("tests/fixtures/hard-cases");
    // `schemas/` holds files the fixture references, not documents; the name collision is
    // an error by design (see the CLI tests).
    snapshot_all(&dir, "hard-cases", vec!["asyncapi.yml".into()]);
}

#[test]
fn corpus_types() {
    let Some(dir) = corpus_dir() else { return };
    snapshot_all(&dir, "corpus", documents(&dir));
}
