//! Every document of the public AsyncAPI corpus validates without error, and what the model
//! understood of it is snapshotted.

use asyncgen_tests::{corpus_dir, documents, rendered};

#[test]
fn corpus_documents_validate_and_lower() {
    let Some(dir) = corpus_dir() else { return };
    let docs = documents(&dir);
    assert!(
        docs.len() >= 24,
        "expected the 2.6 and 3.1 corpus, found {} documents",
        docs.len()
    );
    for rel in docs {
        let loaded = asyncgen_spec::load(&dir.join(&rel), &Default::default());
        assert!(
            !loaded.diagnostics.has_errors(),
            "{} has errors:\n{}",
            rel.display(),
            rendered(&loaded)
        );
        let api = asyncgen_ir::lower(&loaded).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        assert!(
            !api.channels.is_empty(),
            "{}: no channels understood",
            rel.display()
        );
        let name = rel.to_string_lossy().replace(['/', '\\'], "__");
        let report = asyncgen_ir::inspect::report(&api);
        insta::assert_snapshot!(
            format!("inspect__{name}"),
            asyncgen_ir::inspect::render(&report)
        );
    }
}

/// The seed systems' documents in `specs/` validate without a single diagnostic, and what the
/// model understood of each is snapshotted.
#[test]
fn seed_specs_validate_cleanly_and_lower() {
    let dir = asyncgen_tests::repo_root().join("specs");
    let docs: Vec<_> = documents(&dir)
        .into_iter()
        .filter(|p| !p.starts_with("extensions"))
        .collect();
    let names: Vec<String> = docs
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    for expected in [
        "dial9/webhooks.yml",
        "dialer-cx/webhooks.yml",
        "dialpad/webhooks.yml",
        "dialpad/websocket.yml",
        "voipbin/websocket.yml",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "specs/{expected} is missing"
        );
    }
    for rel in docs {
        let loaded = asyncgen_spec::load(&dir.join(&rel), &Default::default());
        assert!(
            loaded.diagnostics.is_empty(),
            "{}:\n{}",
            rel.display(),
            rendered(&loaded)
        );
        let api = asyncgen_ir::lower(&loaded).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        for m in api.messages.values() {
            assert!(
                !m.examples.is_empty(),
                "{}: message {} has no examples",
                rel.display(),
                m.key
            );
        }
        let name = rel.to_string_lossy().replace(['/', '\\'], "__");
        let report = asyncgen_ir::inspect::report(&api);
        insta::assert_snapshot!(
            format!("specs__{name}"),
            asyncgen_ir::inspect::render(&report)
        );
    }
}
