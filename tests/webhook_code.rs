//! The generated receiver and sender of every webhook spec, snapshotted: the handler trait, the
//! security constants and the delivery policy a user relies on are reviewed on every change.
//! Documents without a webhook endpoint must get neither module.

use asyncgen_tests::{corpus_dir, documents, repo_root};

fn generated(path: &std::path::Path) -> Vec<asyncgen_codegen::GeneratedFile> {
    let run = asyncgen_codegen::pipeline::run(
        path,
        &Default::default(),
        &asyncgen_codegen::Settings::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(run.ok(), "{}:\n{}", path.display(), run.render());
    run.files
}

#[test]
fn webhook_specs_get_a_receiver_and_a_sender() {
    for spec in ["dialpad", "dial9", "dialer-cx"] {
        let files = generated(&repo_root().join(format!("specs/{spec}/webhooks.yml")));
        for module in ["receiver.rs", "sender.rs"] {
            let file = files
                .iter()
                .find(|f| f.path == module)
                .unwrap_or_else(|| panic!("{spec}: no {module}"));
            insta::assert_snapshot!(format!("{spec}__{module}"), file.contents);
        }
        let root = files.iter().find(|f| f.path == "mod.rs").expect("mod.rs");
        assert!(root.contents.contains("pub mod receiver;"), "{spec}");
        assert!(root.contents.contains("pub mod sender;"), "{spec}");
    }
}

#[test]
fn documents_without_webhooks_get_neither() {
    let mut docs: Vec<_> = ["specs/voipbin/websocket.yml", "specs/dialpad/websocket.yml"]
        .iter()
        .map(|p| repo_root().join(p))
        .collect();
    if let Some(dir) = corpus_dir() {
        docs.extend(documents(&dir).into_iter().map(|p| dir.join(p)));
    }
    for doc in docs {
        let files = generated(&doc);
        assert!(
            files
                .iter()
                .all(|f| f.path != "receiver.rs" && f.path != "sender.rs"),
            "{}: a receiver for a document without webhook endpoints",
            doc.display()
        );
    }
}
