//! `output::write` and `output::check` on real directories: what is written, what is left
//! alone (content and mtime), what is removed, what `check` reports, and that a failure midway
//! leaves the previous output as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use asyncgen_codegen::output::{self, CheckReport, OutputError};
use asyncgen_codegen::{GeneratedFile, HEADER};

fn generated(path: &str, body: &str) -> GeneratedFile {
    GeneratedFile {
        path: path.to_owned(),
        contents: format!("{HEADER}\n{body}\n"),
    }
}

fn module(types: &str) -> Vec<GeneratedFile> {
    vec![
        generated("mod.rs", "pub mod types;"),
        generated("types.rs", types),
    ]
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// Puts the file's mtime far in the past, so "unchanged" is told apart from "rewritten within
/// the same clock tick".
fn age(path: &Path) -> SystemTime {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(old))
        .expect("set mtime");
    old
}

/// Every entry under `dir`'s parent whose name marks it as a staging directory.
fn staging_leftovers(parent: &Path) -> Vec<PathBuf> {
    fs::read_dir(parent)
        .expect("parent")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".asyncgen-"))
        })
        .collect()
}

#[test]
fn a_missing_directory_is_created_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("deep/er/out");
    let files = module("pub struct A;");
    let report = output::write(&dir, &files).expect("write");
    assert_eq!(report.written, ["mod.rs", "types.rs"]);
    assert!(report.unchanged.is_empty() && report.removed.is_empty());
    for file in &files {
        assert_eq!(read(dir.join(&file.path)), file.contents);
    }
    assert!(staging_leftovers(dir.parent().expect("parent")).is_empty());
    assert!(output::check(&dir, &files).expect("check").is_fresh());
}

#[test]
fn nested_paths_are_written_and_checked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let mut files = module("pub struct A;");
    files.push(generated("receiver/mod.rs", "pub struct R;"));
    output::write(&dir, &files).expect("write");
    assert_eq!(read(dir.join("receiver/mod.rs")), files[2].contents);
    // Adding a nested file to an existing directory creates its folder too.
    files.push(generated("client/mod.rs", "pub struct C;"));
    let report = output::write(&dir, &files).expect("write again");
    assert_eq!(report.written, ["client/mod.rs"]);
    assert!(output::check(&dir, &files).expect("check").is_fresh());
}

#[test]
fn unchanged_files_keep_their_mtime() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    output::write(&dir, &module("pub struct A;")).expect("first write");
    let old_root = age(&dir.join("mod.rs"));
    let old_types = age(&dir.join("types.rs"));

    let report = output::write(&dir, &module("pub struct A;")).expect("same again");
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(report.unchanged, ["mod.rs", "types.rs"]);
    assert_eq!(mtime(&dir.join("mod.rs")), old_root);
    assert_eq!(mtime(&dir.join("types.rs")), old_types);

    let changed = module("pub struct B;");
    let report = output::write(&dir, &changed).expect("one change");
    assert_eq!(report.written, ["types.rs"]);
    assert_eq!(report.unchanged, ["mod.rs"]);
    assert_eq!(
        mtime(&dir.join("mod.rs")),
        old_root,
        "the unchanged root was rewritten"
    );
    assert_ne!(mtime(&dir.join("types.rs")), old_types);
    assert_eq!(read(dir.join("types.rs")), changed[1].contents);
    assert!(staging_leftovers(tmp.path()).is_empty());
}

#[test]
fn stale_generated_files_go_and_foreign_files_stay() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let mut before = module("pub struct A;");
    before.push(generated("old.rs", "pub struct Old;"));
    before.push(generated("gone/mod.rs", "pub struct Gone;"));
    before.push(generated("kept/mod.rs", "pub struct Kept;"));
    output::write(&dir, &before).expect("first write");
    // The user's own files, one of them Rust and one beside a generated file in a subfolder.
    fs::write(dir.join("README.md"), "# mine\n").expect("readme");
    fs::write(dir.join("extra.rs"), "// hand-written\npub fn mine() {}\n").expect("extra");
    fs::write(dir.join("kept/notes.txt"), "mine\n").expect("notes");
    // The marker must start the file: a mention further down is not ours.
    fs::write(dir.join("quoted.rs"), format!("// see below\n{HEADER}\n")).expect("quoted");

    let after = module("pub struct A;");
    let report = output::write(&dir, &after).expect("second write");
    assert_eq!(report.removed, ["gone/mod.rs", "kept/mod.rs", "old.rs"]);
    assert!(report.written.is_empty());
    assert!(!dir.join("old.rs").exists());
    assert!(
        !dir.join("gone").exists(),
        "a folder emptied of generated files is removed"
    );
    assert!(!dir.join("kept/mod.rs").exists());
    assert_eq!(read(dir.join("kept/notes.txt")), "mine\n");
    assert_eq!(read(dir.join("README.md")), "# mine\n");
    assert_eq!(
        read(dir.join("extra.rs")),
        "// hand-written\npub fn mine() {}\n"
    );
    assert!(dir.join("quoted.rs").exists());
    assert!(output::check(&dir, &after).expect("check").is_fresh());
}

#[test]
fn check_reports_stale_missing_and_extra_files_without_writing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let files = module("pub struct A;\npub struct B;\npub struct C;");
    output::write(&dir, &files).expect("write");
    let edited = files[1].contents.replace("pub struct B;", "pub struct B2;");
    fs::write(dir.join("types.rs"), &edited).expect("edit");
    fs::remove_file(dir.join("mod.rs")).expect("delete");
    fs::write(dir.join("left.rs"), format!("{HEADER}\npub struct Left;\n")).expect("extra");
    let types_mtime = age(&dir.join("types.rs"));

    let report = output::check(&dir, &files).expect("check");
    assert!(!report.is_fresh());
    assert_eq!(report.missing, ["mod.rs"]);
    assert_eq!(report.extra, ["left.rs"]);
    assert_eq!(report.stale.len(), 1);
    let stale = &report.stale[0];
    assert_eq!(stale.path, "types.rs");
    let name = dir.join("types.rs").display().to_string();
    let name = name.trim_start_matches('/');
    let lines: Vec<&str> = stale.diff.lines().collect();
    assert_eq!(lines[0], format!("--- a/{name}"), "{}", stale.diff);
    assert_eq!(lines[1], format!("+++ b/{name}"), "{}", stale.diff);
    assert!(lines.contains(&"-pub struct B2;"), "{}", stale.diff);
    assert!(lines.contains(&"+pub struct B;"), "{}", stale.diff);
    assert!(lines.iter().any(|l| l.starts_with("@@ ")), "{}", stale.diff);

    let rendered = report.render(&dir);
    assert!(rendered.starts_with(&stale.diff), "{rendered}");
    assert!(
        rendered.contains(&format!("missing: {}", dir.join("mod.rs").display())),
        "{rendered}"
    );
    assert!(
        rendered.contains(&format!("extra: {}", dir.join("left.rs").display())),
        "{rendered}"
    );

    // Nothing written, nothing removed.
    assert!(!dir.join("mod.rs").exists());
    assert!(dir.join("left.rs").exists());
    assert_eq!(read(dir.join("types.rs")), edited);
    assert_eq!(mtime(&dir.join("types.rs")), types_mtime);
}

#[test]
fn check_of_a_missing_directory_reports_every_file_missing_and_creates_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let report = output::check(&dir, &module("pub struct A;")).expect("check");
    assert_eq!(
        report,
        CheckReport {
            missing: vec!["mod.rs".into(), "types.rs".into()],
            ..CheckReport::default()
        }
    );
    assert!(!dir.exists());
}

#[test]
fn an_output_path_that_is_a_file_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    fs::write(&dir, "not a directory").expect("file");
    for err in [
        output::write(&dir, &module("")).expect_err("write"),
        output::check(&dir, &module("")).expect_err("check"),
    ] {
        assert!(matches!(err, OutputError::NotADirectory { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&dir.display().to_string()),
            "{err}"
        );
    }
    assert_eq!(read(&dir), "not a directory");
}

/// A step failing after the first file was replaced: the replaced file gets its old content
/// back and the stale file due for removal is still there. The failure is made with a dangling
/// symlink where a folder must be created, because permissions do not stop root (CI's user);
/// `zz` sorts after `types.rs`, so `types.rs` is already replaced when the failure comes.
#[cfg(unix)]
#[test]
fn a_failure_midway_puts_the_previous_files_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let mut before = module("pub struct A;");
    before.push(generated("stale.rs", "pub struct Stale;"));
    output::write(&dir, &before).expect("first write");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), dir.join("zz")).expect("symlink");

    let mut after = module("pub struct Changed;");
    after.push(generated("zz/b.rs", "pub struct B;"));
    let err = output::write(&dir, &after).expect_err("the folder `zz` cannot be created");
    assert!(matches!(err, OutputError::Write { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&dir.join("zz").display().to_string()),
        "{err}"
    );

    for file in &before {
        assert_eq!(
            read(dir.join(&file.path)),
            file.contents,
            "{} not restored",
            file.path
        );
    }
    assert!(staging_leftovers(tmp.path()).is_empty());
}

/// A read-only output directory: nothing can be replaced, and the old files stay. Skipped where
/// permissions do not bind (root), which the test above covers instead.
#[cfg(unix)]
#[test]
fn a_read_only_directory_keeps_its_previous_contents() {
    use std::os::unix::fs::PermissionsExt;

    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let before = module("pub struct A;");
    output::write(&dir, &before).expect("first write");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).expect("chmod");
    let privileged = fs::write(dir.join("probe"), "").is_ok();
    let result = (!privileged).then(|| output::write(&dir, &module("pub struct Changed;")));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod back");
    let Some(result) = result else {
        eprintln!("SKIPPED: running with privileges that ignore a read-only directory");
        return;
    };
    let err = result.expect_err("a read-only directory cannot be written");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    for file in &before {
        assert_eq!(read(dir.join(&file.path)), file.contents);
    }
    assert!(staging_leftovers(tmp.path()).is_empty());
}

#[test]
fn a_path_escaping_the_directory_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("out");
    let mut files = module("pub struct A;");
    files.push(generated("../escape.rs", ""));
    let err = output::write(&dir, &files).expect_err("escaping path");
    assert!(matches!(err, OutputError::InvalidPath { .. }), "{err:?}");
    assert!(!dir.exists());
    assert!(!tmp.path().join("escape.rs").exists());
}
