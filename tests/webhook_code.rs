//! The generated receiver and sender of every webhook spec, snapshotted: the handler trait, the
//! security constants and the delivery policy a user relies on are reviewed on every change.
//! Documents without a webhook endpoint must get neither module.

use asyncgen_tests::{corpus_dir, documents, repo_root};

#[test]
fn webhook_specs_get_a_receiver_and_a_sender() {
    for spec in ["dialpad", "dial9", "dialer-cx"] {
        let files =
            asyncgen_tests::generated(&repo_root().join(format!("specs/{spec}/webhooks.yml")));
        for module in ["receiver.rs", "sender.rs"] {
            let contents = asyncgen_tests::module(&files, spec, module);
            insta::assert_snapshot!(format!("{spec}__{module}"), contents);
        }
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
        let files = asyncgen_tests::generated(&doc);
        assert!(
            files
                .iter()
                .all(|f| f.path != "receiver.rs" && f.path != "sender.rs"),
            "{}: a receiver for a document without webhook endpoints",
            doc.display()
        );
    }
}
