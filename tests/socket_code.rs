//! The generated websocket client and mock server of every websocket spec, snapshotted: the
//! subscription requests, the ack / error classification, the connection policy and the mock's
//! topic routing a user relies on are reviewed on every change. Documents without a websocket
//! server must get neither module.

use asyncgen_tests::repo_root;

#[test]
fn websocket_specs_get_a_client_and_a_mock() {
    for spec in ["voipbin", "dialpad"] {
        let files =
            asyncgen_tests::generated(&repo_root().join(format!("specs/{spec}/websocket.yml")));
        for module in ["client.rs", "mock.rs"] {
            let contents = asyncgen_tests::module(&files, spec, module);
            insta::assert_snapshot!(format!("{spec}__{module}"), contents);
        }
    }
}

#[test]
fn documents_without_websockets_get_neither() {
    for spec in ["dialpad", "dial9", "dialer-cx"] {
        let files =
            asyncgen_tests::generated(&repo_root().join(format!("specs/{spec}/webhooks.yml")));
        assert!(
            files
                .iter()
                .all(|f| f.path != "client.rs" && f.path != "mock.rs"),
            "{spec}: a websocket client for a webhook-only document"
        );
    }
}
