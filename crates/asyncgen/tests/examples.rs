//! `asyncgen check` guards the committed generated code of `examples/dialpad-receiver` the way
//! `.ci/run` runs it: fresh as committed, and a failure with a diff naming the file and the
//! command to run once a copy of it is edited by hand.

mod common;

use common::repo_root;

use std::path::Path;
use std::process::{Command, Output};

const SPEC: &str = "specs/dialpad/webhooks.yml";
const COMMITTED: &str = "examples/dialpad-receiver/src/api";

fn check(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["check", SPEC, "-o"])
        .arg(dir)
        .args(["--only", "types,receiver"])
        .current_dir(repo_root())
        .output()
        .expect("run asyncgen")
}

#[test]
fn ci_runs_the_check_this_test_runs() {
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).expect(".ci/run");
    let command = format!("check {SPEC} -o {COMMITTED} --only types,receiver");
    assert!(
        ci.contains(&command),
        ".ci/run no longer runs `asyncgen {command}`"
    );
}

#[test]
fn the_committed_code_is_fresh() {
    let out = check(Path::new(COMMITTED));
    assert!(
        out.status.success(),
        "{COMMITTED} is stale; regenerate it:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_hand_edited_copy_fails_the_check_with_a_diff() {
    let copy = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(repo_root().join(COMMITTED)).expect("committed module") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copy");
    }
    assert!(
        check(copy.path()).status.success(),
        "an exact copy is fresh"
    );

    let types = copy.path().join("types.rs");
    let original = std::fs::read_to_string(&types).expect("types.rs");
    let edited = original.replacen("pub call_id: Option<i64>,", "pub call_id: Option<u64>,", 1);
    assert_ne!(
        edited, original,
        "the generated CallEventPayload changed shape"
    );
    std::fs::write(&types, edited).expect("edit");

    let out = check(copy.path());
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("-    pub call_id: Option<u64>,"), "{diff}");
    assert!(diff.contains("+    pub call_id: Option<i64>,"), "{diff}");
    assert!(diff.contains("types.rs"), "{diff}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is stale: run asyncgen generate specs/dialpad/webhooks.yml"),
        "{stderr}"
    );

    std::fs::remove_file(&types).expect("remove");
    let out = check(copy.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing: "));
}
