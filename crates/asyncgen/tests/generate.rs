//! `asyncgen generate` and `asyncgen check` as a user and CI run them: files written with the
//! header and no absolute paths, a second run that touches nothing, `check` failing with a diff
//! after an edit or a deletion, nothing written for an invalid document, exit 2 on usage errors,
//! and every generation option in the help. Output goes to temporary directories only.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use asyncgen_codegen::{HEADER, OPTIONS};

const DIALPAD: &str = "specs/dialpad/webhooks.yml";
const WEBSOCKET: &str = "specs/voipbin/websocket.yml";
const INVALID: &str = "tests/fixtures/malformed/unresolved-ref-local-pointer.yml";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Runs the binary from the repository root, so relative spec paths are the ones a user types.
fn asyncgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run asyncgen")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts the exit code, showing both streams (and calling out a panic) when it differs.
#[track_caller]
fn expect_exit(out: &Output, code: i32, what: &str) {
    let got = match out.status.code() {
        Some(101) => "exit 101 (a panic)".to_owned(),
        Some(c) => format!("exit {c}"),
        None => format!("killed: {}", out.status),
    };
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: wanted exit {code}, got {got}\nstdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// The generated files under `dir`, relative, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d).expect("read output dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir");
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// Every generated file: the header first, and no absolute path of this machine anywhere.
fn assert_generated(dir: &Path) -> Vec<String> {
    let files = files_in(dir);
    assert!(
        files.contains(&"mod.rs".to_owned()),
        "no module root in {files:?}"
    );
    let root = repo_root().display().to_string();
    let out = dir.display().to_string();
    let home = std::env::var("HOME").unwrap_or_default();
    for file in &files {
        let text = fs::read_to_string(dir.join(file)).expect("generated file");
        assert!(
            text.starts_with(HEADER),
            "{file} does not start with the header"
        );
        for absolute in [&root, &out]
            .into_iter()
            .chain((home.len() > 1).then_some(&home))
        {
            assert!(
                !text.contains(absolute.as_str()),
                "{file} contains the absolute path {absolute}"
            );
        }
    }
    files
}

/// Generate, regenerate (nothing written, mtimes kept), check (fresh) for one document.
fn round_trip(spec: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");

    let out = asyncgen(&["generate", spec, "-o", dir_arg]);
    expect_exit(&out, 0, &format!("generate {spec}"));
    let files = assert_generated(&dir);
    let plural = if files.len() == 1 { "" } else { "s" };
    let wrote = format!(
        "wrote {} file{plural} to {dir_arg} (0 unchanged)",
        files.len()
    );
    assert!(
        stderr(&out).contains(&wrote),
        "wanted `{wrote}`:\n{}",
        stderr(&out)
    );

    // Age the files so an unneeded rewrite shows up even within one clock tick.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for file in &files {
        let handle = fs::File::options()
            .write(true)
            .open(dir.join(file))
            .expect("open");
        handle.set_modified(old).expect("set mtime");
    }
    let out = asyncgen(&["generate", spec, "-o", dir_arg]);
    expect_exit(&out, 0, &format!("generate {spec} again"));
    let again = format!("wrote 0 files to {dir_arg} ({} unchanged)", files.len());
    assert!(
        stderr(&out).contains(&again),
        "wanted `{again}`:\n{}",
        stderr(&out)
    );
    for file in &files {
        assert_eq!(
            mtime(&dir.join(file)),
            old,
            "{file} was rewritten with the same content"
        );
    }

    let out = asyncgen(&["check", spec, "-o", dir_arg]);
    expect_exit(&out, 0, &format!("check {spec} after generate"));
    assert!(
        stderr(&out).contains(&format!("{dir_arg} is up to date")),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "a fresh check prints no diff:\n{}",
        stdout(&out)
    );
}

#[test]
fn dialpad_generates_regenerates_without_writing_and_checks_fresh() {
    round_trip(DIALPAD);
}

#[test]
fn corpus_documents_generate_and_check_fresh() {
    if asyncgen_tests::corpus_dir().is_none() {
        return;
    }
    for doc in [
        "../shared/corpus/asyncapi-2.6/streetlights-kafka.yml",
        "../shared/corpus/asyncapi-3.1/oneof.yml",
    ] {
        round_trip(doc);
    }
}

#[test]
fn check_fails_with_a_diff_after_an_edit_and_after_a_deletion() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");
    expect_exit(
        &asyncgen(&["generate", DIALPAD, "-o", dir_arg]),
        0,
        "generate",
    );

    let types = dir.join("types.rs");
    let original = fs::read_to_string(&types).expect("types.rs");
    fs::write(&types, format!("{original}// a hand edit\n")).expect("edit");
    let out = asyncgen(&["check", DIALPAD, "-o", dir_arg]);
    expect_exit(&out, 1, "check after an edit");
    let diff = stdout(&out);
    let name = types.display().to_string();
    let name = name.trim_start_matches('/');
    assert!(
        diff.contains(&format!("--- a/{name}\n+++ b/{name}\n")),
        "no diff header for types.rs:\n{diff}"
    );
    assert!(
        diff.lines().any(|l| l == "-// a hand edit"),
        "the edit is not in the diff:\n{diff}"
    );
    let advice = format!("{dir_arg} is stale: run asyncgen generate {DIALPAD} -o {dir_arg}");
    assert!(
        stderr(&out).contains(&advice),
        "wanted `{advice}`:\n{}",
        stderr(&out)
    );
    // check writes nothing.
    assert!(
        fs::read_to_string(&types)
            .expect("types.rs")
            .ends_with("// a hand edit\n")
    );

    // The advice works.
    expect_exit(
        &asyncgen(&["generate", DIALPAD, "-o", dir_arg]),
        0,
        "generate to fix",
    );
    expect_exit(
        &asyncgen(&["check", DIALPAD, "-o", dir_arg]),
        0,
        "check after the fix",
    );

    fs::remove_file(dir.join("mod.rs")).expect("delete");
    let out = asyncgen(&["check", DIALPAD, "-o", dir_arg]);
    expect_exit(&out, 1, "check after a deletion");
    let missing = format!("missing: {}", dir.join("mod.rs").display());
    assert!(
        stdout(&out).contains(&missing),
        "wanted `{missing}`:\n{}",
        stdout(&out)
    );
    assert!(!dir.join("mod.rs").exists(), "check must not write");
}

#[test]
fn check_advice_keeps_the_options_given() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");
    expect_exit(
        &asyncgen(&["generate", DIALPAD, "-o", dir_arg]),
        0,
        "generate",
    );
    let out = asyncgen(&["check", DIALPAD, "-o", dir_arg, "--derive-json-schema"]);
    expect_exit(&out, 1, "check with an option that changes the output");
    let advice = format!("run asyncgen generate {DIALPAD} -o {dir_arg} --derive-json-schema");
    assert!(
        stderr(&out).contains(&advice),
        "wanted `{advice}`:\n{}",
        stderr(&out)
    );

    let out = asyncgen(&[
        "generate",
        DIALPAD,
        "-o",
        dir_arg,
        "--derive-json-schema",
        "--only",
        "types",
    ]);
    expect_exit(&out, 0, "generate with options");
    let types = fs::read_to_string(dir.join("types.rs")).expect("types.rs");
    assert!(
        types.contains("JsonSchema"),
        "--derive-json-schema did not reach the generator"
    );
    expect_exit(
        &asyncgen(&[
            "check",
            DIALPAD,
            "-o",
            dir_arg,
            "--derive-json-schema",
            "--only",
            "types",
        ]),
        0,
        "check with options",
    );
    // Without `--only`, every output that applies: the receiver and sender are missing.
    let out = asyncgen(&["check", DIALPAD, "-o", dir_arg, "--derive-json-schema"]);
    expect_exit(&out, 1, "check without --only");
    assert!(stdout(&out).contains("receiver.rs"), "{}", stdout(&out));
}

#[test]
fn foreign_files_in_the_output_directory_survive() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    fs::create_dir(&dir).expect("dir");
    fs::write(dir.join("README.md"), "mine\n").expect("readme");
    fs::write(dir.join("old.rs"), format!("{HEADER}\npub struct Old;\n"))
        .expect("stale generated file");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");

    let out = asyncgen(&["check", DIALPAD, "-o", dir_arg]);
    expect_exit(&out, 1, "check with a stale generated file");
    assert!(
        stdout(&out).contains(&format!("extra: {}", dir.join("old.rs").display())),
        "{}",
        stdout(&out)
    );

    let out = asyncgen(&["generate", DIALPAD, "-o", dir_arg]);
    expect_exit(&out, 0, "generate");
    assert!(stderr(&out).contains("1 removed)"), "{}", stderr(&out));
    assert!(!dir.join("old.rs").exists());
    assert_eq!(
        fs::read_to_string(dir.join("README.md")).expect("readme"),
        "mine\n"
    );
    expect_exit(&asyncgen(&["check", DIALPAD, "-o", dir_arg]), 0, "check");
}

#[test]
fn an_invalid_document_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");
    for command in ["generate", "check"] {
        let out = asyncgen(&[command, INVALID, "-o", dir_arg]);
        expect_exit(&out, 1, &format!("{command} of an invalid document"));
        let err = stderr(&out);
        assert!(err.contains("error[unresolved-ref]"), "{err}");
        assert!(
            err.contains(&format!("--> {INVALID}:10:")),
            "the diagnostic is not located:\n{err}"
        );
        assert!(err.contains(&format!("{INVALID}: invalid (")), "{err}");
        assert!(!dir.exists(), "{command} created the output directory");
    }

    let out = asyncgen(&["generate", "specs/no-such-document.yml", "-o", dir_arg]);
    expect_exit(&out, 1, "generate of a missing document");
    assert!(stderr(&out).contains("error[io]"), "{}", stderr(&out));
    assert!(!dir.exists());
}

#[test]
fn an_output_path_that_is_a_file_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("api");
    fs::write(&file, "x").expect("file");
    let arg = file.to_str().expect("UTF-8 temp path");
    for command in ["generate", "check"] {
        let out = asyncgen(&[command, DIALPAD, "-o", arg]);
        expect_exit(&out, 1, &format!("{command} into a file"));
        assert!(
            stderr(&out).contains(&format!("error: {arg} exists and is not a directory")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");
    for args in [
        vec!["generate"],
        vec!["generate", DIALPAD],
        vec!["generate", "-o", dir_arg],
        vec!["generate", DIALPAD, "-o"],
        vec!["generate", DIALPAD, "-o", dir_arg, "--only", "nonsense"],
        vec!["generate", DIALPAD, "-o", dir_arg, "--no-such-flag"],
        vec!["generate", DIALPAD, "other.yml", "-o", dir_arg],
        vec!["check"],
        vec!["check", DIALPAD],
        vec!["check", DIALPAD, "-o", dir_arg, "--only"],
    ] {
        let out = asyncgen(&args);
        expect_exit(&out, 2, &format!("asyncgen {args:?}"));
        assert!(
            !stderr(&out).trim().is_empty(),
            "asyncgen {args:?}: a usage error must say what is wrong"
        );
        assert!(
            !dir.exists(),
            "asyncgen {args:?} created the output directory"
        );
    }
}

/// An output asked for without the types it uses once wrote a module holding only `mod.rs`,
/// and exited 0: now it is a usage error that says what to add, and nothing is written.
#[test]
fn an_output_without_its_prerequisites_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");
    for (command, only, advice) in [
        (
            "generate",
            "receiver",
            "`--only receiver` needs `types`: use `--only types,receiver`",
        ),
        (
            "check",
            "sender,receiver",
            "`--only receiver,sender` needs `types`: use `--only types,receiver,sender`",
        ),
    ] {
        let out = asyncgen(&[command, DIALPAD, "-o", dir_arg, "--only", only]);
        expect_exit(&out, 2, &format!("{command} --only {only}"));
        assert!(
            stderr(&out).contains(advice),
            "wanted `{advice}`:\n{}",
            stderr(&out)
        );
        assert!(!dir.exists(), "{command} --only {only} wrote {dir_arg}");
    }
    // With what it needs, the receiver is generated.
    let out = asyncgen(&[
        "generate",
        DIALPAD,
        "-o",
        dir_arg,
        "--only",
        "types,receiver",
    ]);
    expect_exit(&out, 0, "generate --only types,receiver");
    assert_eq!(files_in(&dir), ["mod.rs", "receiver.rs", "types.rs"]);
}

/// `--verify PRESET` gives a document without security a provider's preset; an unknown one is
/// a usage error that lists the presets, and writes nothing.
#[test]
fn verify_names_a_preset_or_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let spec = tmp.path().join("open.yml");
    std::fs::write(
        &spec,
        "asyncapi: 2.6.0
info: {title: Open, version: '1'}
servers:
  customer: {url: 'https://hooks.example.com/open', protocol: https}
channels:
  events:
    subscribe:
      message: {name: a, payload: {type: object}}
",
    )
    .expect("write");
    let spec = spec.to_str().expect("UTF-8 temp path");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");
    let out = asyncgen(&["generate", spec, "-o", dir_arg, "--verify", "nope"]);
    expect_exit(&out, 2, "generate --verify nope");
    assert!(stderr(&out).contains("github, stripe"), "{}", stderr(&out));
    assert!(!dir.exists());

    let out = asyncgen(&["generate", spec, "-o", dir_arg, "--verify", "github"]);
    expect_exit(&out, 0, "generate --verify github");
    assert_eq!(stderr(&out).matches("unverified-endpoint").count(), 0);
    let receiver = std::fs::read_to_string(dir.join("receiver.rs")).expect("receiver.rs");
    assert!(receiver.contains("\"X-Hub-Signature-256\""), "{receiver}");
    // `check` takes the same option: without it the code differs.
    let out = asyncgen(&["check", spec, "-o", dir_arg, "--verify", "github"]);
    expect_exit(&out, 0, "check --verify github");
    let out = asyncgen(&["check", spec, "-o", dir_arg]);
    expect_exit(&out, 1, "check without --verify");
}

/// A document without servers (as providers publish theirs) keeps to its types by default;
/// asked for a receiver, its messages arrive at `--webhook-path` (default `/`), with a
/// `no-server` warning that says where; a path that is no route is a usage error.
#[test]
fn a_document_without_servers_gets_a_receiver_at_the_webhook_path() {
    const NO_SERVERS: &str = "tests/fixtures/regressions/no-servers-webhook/asyncapi.yml";
    let spec = repo_root().join(NO_SERVERS);
    let spec = spec.to_str().expect("UTF-8 path");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("api");
    let dir_arg = dir.to_str().expect("UTF-8 temp path");

    let out = asyncgen(&["generate", spec, "-o", dir_arg]);
    expect_exit(&out, 0, "generate without --only");
    assert!(!stderr(&out).contains("no-server"), "{}", stderr(&out));
    assert!(!dir.join("receiver.rs").exists());

    let only = ["--only", "types,receiver,sender", "--verify", "shopify"];
    let out = asyncgen(&[&["generate", spec, "-o", dir_arg][..], &only].concat());
    expect_exit(&out, 0, "generate --only types,receiver,sender");
    let err = stderr(&out);
    assert_eq!(err.matches("warning[no-server]").count(), 1, "{err}");
    assert!(
        err.contains("arrive at the webhook endpoints `/`, `/refunds`"),
        "{err}"
    );
    let receiver = std::fs::read_to_string(dir.join("receiver.rs")).expect("receiver.rs");
    assert!(receiver.contains("\"/refunds\""), "{receiver}");
    assert!(receiver.contains("\"X-Shopify-Hmac-Sha256\""), "{receiver}");

    let at = ["--webhook-path", "/hooks/store"];
    let out = asyncgen(&[&["check", spec, "-o", dir_arg][..], &only, &at].concat());
    expect_exit(&out, 1, "check with another --webhook-path");
    let out = asyncgen(&[&["generate", spec, "-o", dir_arg][..], &only, &at].concat());
    expect_exit(&out, 0, "generate --webhook-path /hooks/store");
    let receiver = std::fs::read_to_string(dir.join("receiver.rs")).expect("receiver.rs");
    assert!(receiver.contains("\"/hooks/store/refunds\""), "{receiver}");

    for bad in ["hooks", "/hooks?x=1", "/{shop}"] {
        let out = asyncgen(
            &[
                &["generate", spec, "-o", dir_arg][..],
                &only,
                &["--webhook-path", bad],
            ]
            .concat(),
        );
        expect_exit(&out, 2, &format!("--webhook-path {bad}"));
        assert!(stderr(&out).contains("--webhook-path"), "{}", stderr(&out));
    }
}

/// The websocket outputs are `ws-client` and `ws-mock`, so other protocols' clients can join;
/// their old names still work, and both spellings write the same files under the same names.
#[test]
fn websocket_outputs_answer_to_their_names_and_old_names() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut generated = Vec::new();
    for only in ["types,ws-client,ws-mock", "types,client,mock"] {
        let dir = tmp.path().join(only.replace(',', "-"));
        let dir_arg = dir.to_str().expect("UTF-8 temp path");
        let out = asyncgen(&["generate", WEBSOCKET, "-o", dir_arg, "--only", only]);
        expect_exit(&out, 0, &format!("generate --only {only}"));
        assert_eq!(
            files_in(&dir),
            ["client.rs", "mock.rs", "mod.rs", "types.rs"],
            "--only {only}"
        );
        generated.push(
            files_in(&dir)
                .iter()
                .map(|f| fs::read_to_string(dir.join(f)).expect("read"))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(generated[0], generated[1]);
    let help = stdout(&asyncgen(&["generate", "--help"]));
    assert!(
        help.contains("- ws-client:") && help.contains("- ws-mock:"),
        "{help}"
    );
}

/// The options are declared once; this proves each one reaches the help of every command that
/// generates (`generate`, `check`, `scaffold`) with its flag and its doc, so the CLI cannot lag
/// behind the settings.
#[test]
fn every_option_is_in_the_help_with_its_doc() {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!OPTIONS.is_empty());
    // `scaffold` generates too, so it takes the same options (it once lacked some).
    for command in ["generate", "check", "scaffold receiver", "scaffold client"] {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let out = asyncgen(&args);
        expect_exit(&out, 0, &format!("{command} --help"));
        let help = squash(&stdout(&out));
        for option in OPTIONS {
            let flag = format!("--{}", option.flag);
            assert!(
                help.contains(&flag),
                "`{command} --help` lacks {flag}:\n{help}"
            );
            // clap drops a one-paragraph doc's final period.
            let summary = squash(option.summary().trim_end_matches('.'));
            assert!(
                help.contains(&summary),
                "`{command} --help` lacks the doc of {flag}: `{summary}`\n{help}"
            );
        }
    }
}
