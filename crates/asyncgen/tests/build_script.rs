//! A crate whose build.rs calls `asyncgen_build`, built by cargo as a user builds it:
//!
//! - the first build generates the module and the program uses it;
//! - a second build without change finds the build script fresh (it does not run again) and
//!   touches nothing;
//! - editing a file the document references through `$ref` reruns it, and the program sees
//!   the change;
//! - breaking that file fails the build with a message located at the file, line and column.
//!
//! Once with the generator embedded in the build script (the default), once with
//! `default-features = false`, where the build script runs this `asyncgen` binary (named by
//! `ASYNCGEN`). The crate builds in the target directory the scaffold tests use, with the
//! workspace's `Cargo.lock`, so its dependencies compile once for all.

mod common;

use common::{package_cargo, repo_root};

use std::path::Path;
use std::process::Output;

/// Copies the fixture (spec, build.rs, src) into `dir` and writes its manifest, which points
/// at this workspace's `asyncgen-build`, embedding the generator or not.
fn fixture(dir: &Path, embedded: bool) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build-script-fixture");
    for file in [
        "build.rs",
        "src/main.rs",
        "spec/events.yml",
        "spec/schemas/call.yml",
    ] {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(file), &to).expect("copy the fixture");
    }
    let build = repo_root().join("crates/asyncgen-build");
    let manifest = format!(
        r#"[package]
name = "asyncgen-build-fixture"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"

[build-dependencies]
asyncgen-build = {{ path = {build:?}, default-features = {embedded} }}
"#,
        build = build.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock");
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    package_cargo(dir)
        .args(args)
        .env("ASYNCGEN", env!("CARGO_BIN_EXE_asyncgen"))
        .output()
        .expect("run cargo")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cargo -v` names the build script's binary when it runs it.
fn ran_build_script(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.contains("Running") && l.contains("build-script-build"))
}

fn run_program(dir: &Path) -> String {
    let out = cargo(dir, &["run", "--quiet"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn embedded_the_build_script_regenerates_exactly_when_the_document_changes() {
    regenerates_exactly_when_the_document_changes(true);
}

#[test]
fn with_the_binary_the_build_script_regenerates_exactly_when_the_document_changes() {
    regenerates_exactly_when_the_document_changes(false);
}

fn regenerates_exactly_when_the_document_changes(embedded: bool) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    fixture(dir, embedded);

    let first = cargo(dir, &["build", "-v"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(ran_build_script(&text(&first.stderr)));
    // `note` is not in the schema yet: unknown fields are ignored.
    assert_eq!(run_program(dir), "{\"id\":\"c1\"}\n");

    let again = cargo(dir, &["build", "-v"]);
    let stderr = text(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(
        !ran_build_script(&stderr),
        "a no-op build reran the script:\n{stderr}"
    );
    assert!(
        stderr.contains("Fresh asyncgen-build-fixture"),
        "cargo does not report the crate fresh:\n{stderr}"
    );

    let schema = dir.join("spec/schemas/call.yml");
    let mut yaml = std::fs::read_to_string(&schema).expect("schema");
    yaml.push_str("  note:\n    type: string\n");
    std::fs::write(&schema, &yaml).expect("edit the referenced schema");
    let edited = cargo(dir, &["build", "-v"]);
    assert!(edited.status.success(), "{}", text(&edited.stderr));
    assert!(
        ran_build_script(&text(&edited.stderr)),
        "an edit of a $ref'd file did not rerun the script"
    );
    assert_eq!(
        run_program(dir),
        "{\"id\":\"c1\",\"note\":\"from the ref\"}\n"
    );

    std::fs::write(
        &schema,
        yaml.replacen("type: string\n", "type: strung\n", 1),
    )
    .expect("break the referenced schema");
    let broken = cargo(dir, &["build"]);
    let stderr = text(&broken.stderr);
    assert!(
        !broken.status.success(),
        "a broken document built:\n{stderr}"
    );
    assert!(
        stderr.contains("schemas/call.yml:6:11"),
        "the failure is not located at the schema's line and column:\n{stderr}"
    );
    let summary = if embedded {
        "spec/events.yml has 1 error: see the diagnostics above"
    } else {
        "generate spec/events.yml` failed"
    };
    assert!(stderr.contains(summary), "{stderr}");
}
