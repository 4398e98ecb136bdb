//! The `asyncgen` binary as a user runs it: exit codes (0 valid, 1 invalid, 2 usage; 101 would
//! be a panic and is always a bug), located diagnostics on stderr, `--json` on stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Runs the binary from the repository root, so paths in its output are the relative ones given.
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

/// How the process ended, for messages: `exit 1`, or the signal for a crash.
fn status(out: &Output) -> String {
    match out.status.code() {
        Some(101) => "exit 101 (a panic)".to_owned(),
        Some(c) => format!("exit {c}"),
        None => format!("killed: {} (a crash, e.g. a stack overflow)", out.status),
    }
}

const MALFORMED: &str = "tests/fixtures/malformed";

struct Case {
    file: String,
    code: String,
    line: Option<u32>,
    strict: bool,
}

impl Case {
    fn path(&self) -> String {
        format!("{MALFORMED}/{}", self.file)
    }
}

/// `tests/fixtures/malformed/EXPECTED` (its form is checked by `tests/malformed.rs`).
fn cases() -> Vec<Case> {
    let text =
        std::fs::read_to_string(repo_root().join(MALFORMED).join("EXPECTED")).expect("EXPECTED");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Case {
                file: f[0].to_owned(),
                code: f[1].to_owned(),
                line: f[2].parse().ok(),
                strict: f.get(3) == Some(&"strict"),
            }
        })
        .collect()
}

fn fail_with(failures: Vec<String>, what: &str) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The part of a source line any renderer shows verbatim: up to the first control character or
/// undecodable byte (how those are shown is the renderer's choice), tabs as spaces, trimmed.
fn printable_head(line: &str) -> String {
    let head: String = line
        .chars()
        .take_while(|c| *c == '\t' || !(c.is_control() || *c == '\u{fffd}'))
        .collect();
    head.replace('\t', " ").trim().to_owned()
}

/// What a person must see for a case: the code, `path:line:col`, the source line under a gutter,
/// a caret under it, and the pointer. `None` when all is there.
fn missing_from_report(case: &Case, err: &str) -> Option<String> {
    let path = case.path();
    let mut missing = Vec::new();
    if !err.contains(&format!("[{}]", case.code)) {
        missing.push(format!("the code `[{}]`", case.code));
    }
    if !err.contains("= at: #") {
        missing.push("the pointer `= at: #...`".to_owned());
    }
    match case.line {
        Some(line) => {
            let head = format!("{path}:{line}:");
            let located = err.lines().any(|l| {
                l.trim_start().starts_with("--> ")
                    && l.split_once(&head).is_some_and(|(_, col)| {
                        !col.is_empty() && col.bytes().all(|b| b.is_ascii_digit())
                    })
            });
            if !located {
                missing.push(format!("`{head}<col>`"));
            }
            let bytes = std::fs::read(repo_root().join(&path)).unwrap_or_default();
            let source = String::from_utf8_lossy(&bytes);
            let text = printable_head(source.lines().nth(line as usize - 1).unwrap_or(""));
            let gutter = format!("{line} | ");
            let lines: Vec<&str> = err.lines().collect();
            let snippet = lines
                .iter()
                .enumerate()
                .find(|(_, l)| l.trim_start().starts_with(&gutter) && l.contains(&text));
            match snippet {
                None => missing.push(format!("the source line `{line} | {text}...`")),
                Some((i, _)) => {
                    let caret = lines
                        .get(i + 1)
                        .is_some_and(|l| l.trim_start().starts_with('|') && l.contains('^'));
                    if !caret {
                        missing.push("a caret `^` under the source line".to_owned());
                    }
                }
            }
        }
        None => {
            if !err.contains(&format!("--> {path}")) {
                missing.push(format!("`--> {path}`"));
            }
        }
    }
    (!missing.is_empty()).then(|| {
        format!(
            "  {}: missing {}; stderr:\n{err}",
            case.file,
            missing.join(", ")
        )
    })
}

#[test]
fn every_malformed_case_exits_1_with_a_located_report() {
    let cases = cases();
    assert!(cases.len() >= 36, "only {} cases in EXPECTED", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let path = case.path();
        if case.strict {
            let lenient = asyncgen(&["validate", &path]);
            if lenient.status.code() != Some(0) {
                failures.push(format!(
                    "  {}: warnings only, wanted exit 0 without --strict, got {}:\n{}",
                    case.file,
                    status(&lenient),
                    stderr(&lenient)
                ));
            }
        }
        let args: Vec<&str> = if case.strict {
            vec!["validate", "--strict", &path]
        } else {
            vec!["validate", &path]
        };
        let out = asyncgen(&args);
        let err = stderr(&out);
        if out.status.code() != Some(1) {
            failures.push(format!(
                "  {}: wanted exit 1, got {}:\n{err}",
                case.file,
                status(&out)
            ));
            continue;
        }
        if let Some(m) = missing_from_report(case, &err) {
            failures.push(m);
        }
        if !err.contains(&format!("{path}: invalid (")) {
            failures.push(format!(
                "  {}: no `{path}: invalid (...)` summary:\n{err}",
                case.file
            ));
        }
    }
    fail_with(
        failures,
        "malformed cases are not reported as a person needs",
    );
}

#[test]
fn json_output_parses_and_carries_the_codes() {
    let cases = cases();
    for strict in [false, true] {
        let chosen: Vec<&Case> = cases.iter().filter(|c| c.strict == strict).collect();
        let paths: Vec<String> = chosen.iter().map(|c| c.path()).collect();
        let mut args = vec!["validate", "--json"];
        if strict {
            args.push("--strict");
        }
        args.extend(paths.iter().map(String::as_str));
        let out = asyncgen(&args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}:\n{}",
            status(&out),
            stderr(&out)
        );
        let json: serde_json::Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("--json output is not JSON ({e}):\n{}", stdout(&out)));
        let reports = json
            .as_array()
            .expect("--json prints an array, one report per document");
        assert_eq!(reports.len(), chosen.len(), "one report per document");
        let mut failures = Vec::new();
        for (case, report) in chosen.iter().zip(reports) {
            if report["file"] != case.path().as_str() {
                failures.push(format!("  {}: report for {}", case.file, report["file"]));
            }
            if report["valid"] != false {
                failures.push(format!("  {}: `valid` is {}", case.file, report["valid"]));
            }
            let diags = report["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for d in &diags {
                let well_formed = d["severity"].is_string()
                    && d["message"].as_str().is_some_and(|m| !m.is_empty())
                    && d["location"]["file"].is_string()
                    && d["location"]["pointer"].is_string();
                if !well_formed {
                    failures.push(format!("  {}: malformed diagnostic {d}", case.file));
                }
            }
            let found = diags.iter().any(|d| {
                d["code"] == case.code.as_str()
                    && d["severity"] == "error"
                    && d["location"]["file"] == case.file.as_str()
                    && case.line.is_none_or(|l| d["location"]["line"] == l)
            });
            if !found {
                failures.push(format!(
                    "  {}: no error `{}` at line {:?} in {}",
                    case.file,
                    case.code,
                    case.line,
                    serde_json::to_string_pretty(&diags).unwrap_or_default()
                ));
            }
        }
        fail_with(failures, "--json reports lack what EXPECTED says");
    }
}

#[test]
fn corpus_documents_exit_0() {
    let Some(dir) = asyncgen_tests::corpus_dir() else {
        return;
    };
    let mut docs = Vec::new();
    for version in std::fs::read_dir(&dir)
        .expect("corpus")
        .flatten()
        .filter(|e| e.path().is_dir())
    {
        for doc in std::fs::read_dir(version.path())
            .expect("corpus folder")
            .flatten()
        {
            let p = doc.path();
            if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml" | "json")
            ) {
                docs.push(p);
            }
        }
    }
    docs.sort();
    assert!(
        docs.len() >= 24,
        "expected the 2.6 and 3.1 corpus, found {} documents",
        docs.len()
    );
    let mut failures = Vec::new();
    for doc in &docs {
        let rel = format!(
            "../shared/corpus/{}",
            doc.strip_prefix(&dir).unwrap().display()
        );
        let out = asyncgen(&["validate", &rel]);
        if out.status.code() != Some(0) {
            failures.push(format!("  {rel}: {}\n{}", status(&out), stderr(&out)));
        }
    }
    fail_with(failures, "corpus documents are not valid");
}

#[test]
fn usage_errors_exit_2() {
    let spec = format!("{MALFORMED}/missing-version.yml");
    for args in [
        vec![],
        vec!["--no-such-flag"],
        vec!["frobnicate"],
        vec!["frobnicate", &spec],
        vec!["validate"],
        vec!["validate", "--no-such-flag", &spec],
        vec!["validate", "--strict"],
    ] {
        let out = asyncgen(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "asyncgen {args:?}: wanted exit 2 (usage), got {}:\n{}",
            status(&out),
            stderr(&out)
        );
        assert!(
            !stderr(&out).trim().is_empty(),
            "asyncgen {args:?}: a usage error must say what is wrong"
        );
    }
}

#[test]
fn a_missing_file_is_an_io_error() {
    let path = "tests/fixtures/malformed/no-such-document.yml";
    let out = asyncgen(&["validate", path]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{}:\n{err}", status(&out));
    assert!(err.contains("error[io]") && err.contains(path), "{err}");

    let out = asyncgen(&["validate", "--json", path]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}:\n{}",
        status(&out),
        stderr(&out)
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&out)).expect("--json output is JSON");
    let codes: Vec<&str> = json[0]["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["io"], "{json:#}");
    assert_eq!(json[0]["valid"], false);
}

#[test]
fn a_valid_and_an_invalid_document_together_exit_1_and_report_both() {
    if asyncgen_tests::corpus_dir().is_none() {
        return;
    }
    let corpus = "../shared/corpus/asyncapi-2.6/simple.yml";
    let bad = format!("{MALFORMED}/wrong-type-info-title.yml");
    let out = asyncgen(&["validate", corpus, &bad]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{}:\n{err}", status(&out));
    assert!(
        err.contains(&format!("{corpus}: valid")) && err.contains(&format!("{bad}: invalid")),
        "{err}"
    );
}

/// A chain of 10,000 distinct schemas, each referencing the next, must be validated (or
/// refused) without crashing the process.
#[test]
fn a_long_ref_chain_does_not_crash() {
    const N: usize = 10_000;
    let mut text = String::from(
        "asyncapi: 2.6.0\ninfo:\n  title: Chain\n  version: 1.0.0\nchannels:\n  c:\n    subscribe:\n      message:\n        payload:\n          $ref: '#/components/schemas/S0'\ncomponents:\n  schemas:\n",
    );
    for i in 0..N {
        text.push_str(&format!("    S{i}:\n      type: object\n      properties:\n        next:\n          $ref: '#/components/schemas/S{}'\n", i + 1));
    }
    text.push_str(&format!("    S{N}:\n      type: string\n"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.yml");
    std::fs::write(&path, text).unwrap();
    let out = asyncgen(&["validate", path.to_str().unwrap()]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "validating a chain of {N} schema references: {}:\n{}",
        status(&out),
        stderr(&out).lines().take(5).collect::<Vec<_>>().join("\n")
    );
}
