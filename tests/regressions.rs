//! Regression fixtures: each folder in `fixtures/regressions/` is one real-world-shaped document
//! (its entry `asyncapi.yml`, plus the files it references) guarding one thing its name says.
//! Here every case loads leniently without errors, reads every file in its folder, generates,
//! has examples its own dispatch rule recognises, and, when it is recoverable-invalid, warns
//! exactly where its `EXPECTED` file says and refuses under `--strict`. The generated code of
//! every case is compiled and its examples round-tripped in `tests/generated` (build.rs).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use asyncgen_codegen::pipeline::{self, Run};
use asyncgen_ir::types::{Rule, TypeKind, TypeRef, TypeSpace};
use asyncgen_spec::{Code, Diagnostic, LoadOptions, Severity};
use asyncgen_tests::repo_root;
use serde_json::Value;

/// Every case folder. A folder missing here, or listed but missing on disk, fails
/// `the_case_folders_are_exactly_the_listed_ones`, so a case cannot silently drop out.
const CASES: &[&str] = &[
    "additional-properties-maps",
    "allof-merge-conflicts",
    "big-union-40-event-types-one-endpoint",
    "big-union-oneof-32-variants-discriminator",
    "binary-and-format-types",
    "channel-parameters-typed-enum-pattern-location",
    "enums-odd-values-empty-colliding-numeric-mixed",
    "header-dispatch-preset-github-v3",
    "header-dispatch-shared-payload-v3",
    "lenient-ambiguous-dispatch-tried-in-order",
    "lenient-empty-fields-v2",
    "lenient-grouped-oneof-v2",
    "lenient-typoed-and-misplaced-fields-v2",
    "lenient-unknown-extension-undeclared-parameter-v3",
    "long-reference-chains-drop-check",
    "message-headers-correlation-id-odd-header-names",
    "multifile-message-traits-and-headers-in-other-files",
    "multifile-mutual-recursion-across-files",
    "multifile-ref-chain-nested-dirs",
    "names-colliding-after-case-conversion",
    "names-leading-digits-unicode-very-long",
    "names-rust-keywords-self-crate-std-types",
    "no-servers-webhook",
    "nullable-optional-combinations",
    "recursion-self-tree-arrays-maps-nullable",
    "recursion-through-allof-and-oneof",
    "reply-json-interaction-v3",
    "reply-xml-twiml-v2",
    "security-on-operations-v2",
    "security-on-operations-v3",
    "security-undeclared-webhook",
    "signature-presets",
    "v3-operation-reply-subscribe-ack-websocket",
    "vendor-event-header-ballerina-v2",
    "vendor-event-type-ballerina-v2",
];

/// Diagnostics found by the generator (its type space and endpoint views), not the loader: `LoadOptions { strict }`
/// alone cannot promote them, only the pipeline's strict setting.
const TYPE_SPACE_CODES: &[Code] = &[
    Code::AmbiguousDispatch,
    Code::NameCollision,
    Code::UnverifiedEndpoint,
    Code::NoServer,
    Code::VendorDispatch,
    Code::PresetDispatch,
];

fn regressions_dir() -> PathBuf {
    repo_root().join("tests/fixtures/regressions")
}

fn entry(case: &str) -> PathBuf {
    regressions_dir().join(case).join("asyncapi.yml")
}

/// The case's `EXPECTED` lines (comments and blank lines dropped); empty when it has none,
/// which means the case must load without a single diagnostic.
fn expected(case: &str) -> Vec<String> {
    let path = regressions_dir().join(case).join("EXPECTED");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// One diagnostic as an `EXPECTED` line: `<severity> <code> <file>:<line>:<col> #<pointer>`.
fn located(d: &Diagnostic) -> String {
    let l = &d.location;
    let at = |v: Option<u32>| v.map_or("-".to_owned(), |v| v.to_string());
    format!(
        "{} {} {}:{}:{} #{}",
        d.severity,
        d.code,
        l.file,
        at(l.line),
        at(l.column),
        l.pointer.as_str()
    )
}

fn located_all<'d>(ds: impl IntoIterator<Item = &'d Diagnostic>) -> Vec<String> {
    ds.into_iter().map(located).collect()
}

fn run(case: &str, strict: bool) -> Run {
    let mut settings = asyncgen_tests::settings_for(&entry(case));
    settings.strict(strict);
    pipeline::run(&entry(case), &settings).unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// What a person sees, with the repository's location on this machine removed.
fn rendered_for_snapshot(run: &Run) -> String {
    let root = format!("{}/", repo_root().display());
    run.render().replace(&root, "")
}

/// The case loaded leniently and lowered to the IR.
fn lowered(case: &str) -> asyncgen_ir::Api {
    let loaded = asyncgen_spec::load(&entry(case), &LoadOptions::default());
    asyncgen_ir::lower(&loaded).unwrap_or_else(|_| panic!("{case} does not lower"))
}

fn fail_with(failures: Vec<String>, what: &str) {
    assert!(
        failures.is_empty(),
        "{} regression case(s) {what}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Every `.yml` below `dir`, relative to it, `/`-separated.
fn yml_files(dir: &Path) -> BTreeSet<String> {
    asyncgen_tests::documents(dir)
        .into_iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p.ends_with(".yml"))
        .collect()
}

#[test]
fn the_case_folders_are_exactly_the_listed_ones() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(regressions_dir())
        .expect("tests/fixtures/regressions exists")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let listed: BTreeSet<String> = CASES.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(
        on_disk, listed,
        "the folders in tests/fixtures/regressions and CASES differ"
    );
    assert!(CASES.len() >= 20, "only {} regression cases", CASES.len());
    for case in CASES {
        assert!(entry(case).is_file(), "{case} has no asyncapi.yml");
    }
}

/// A multi-file case whose references stopped resolving to a file would silently test less:
/// the loader must read exactly the YAML files in the case folder.
#[test]
fn every_case_reads_every_file_in_its_folder() {
    let mut failures = Vec::new();
    for case in CASES {
        let loaded = asyncgen_spec::load(&entry(case), &LoadOptions::default());
        let read: BTreeSet<String> = loaded
            .workspace
            .files()
            .iter()
            .map(|f| f.display.clone())
            .collect();
        let present = yml_files(&regressions_dir().join(case));
        if read != present {
            failures.push(format!("  {case}: read {read:?}, folder holds {present:?}"));
        }
    }
    fail_with(failures, "do not read exactly their own files");
}

#[test]
fn every_case_loads_leniently_with_exactly_its_expected_diagnostics() {
    let mut failures = Vec::new();
    for case in CASES {
        let loaded = asyncgen_spec::load(&entry(case), &LoadOptions::default());
        let errors = located_all(loaded.diagnostics.iter().filter(|d| d.is_error()));
        if !loaded.is_valid() || !errors.is_empty() {
            failures.push(format!(
                "  {case}: errors when loaded leniently: {errors:#?}"
            ));
            continue;
        }
        // The generator's own warnings (ambiguous dispatch) count too: compare the run's.
        let got = located_all(run(case, false).diagnostics.iter());
        let want = expected(case);
        if got != want {
            failures.push(format!(
                "  {case}: diagnostics differ from EXPECTED\n    got:  {got:#?}\n    want: {want:#?}"
            ));
        }
    }
    fail_with(failures, "do not load as expected");
}

#[test]
fn every_case_generates_in_the_lenient_default() {
    let mut failures = Vec::new();
    for case in CASES {
        let run = run(case, false);
        let files: BTreeSet<&str> = run.files.iter().map(|f| f.path.as_str()).collect();
        if !run.ok() || !files.contains("mod.rs") || !files.contains("types.rs") {
            failures.push(format!(
                "  {case}: generated {files:?}\n{}",
                rendered_for_snapshot(&run)
            ));
        }
    }
    fail_with(failures, "do not generate");
}

/// The recoverable-invalid cases (those with an `EXPECTED` file): every warning becomes an
/// error under `--strict`, at the same place, and nothing is generated.
#[test]
fn strict_turns_expected_warnings_into_errors_and_generates_nothing() {
    let recoverable: Vec<&str> = CASES
        .iter()
        .copied()
        .filter(|c| !expected(c).is_empty())
        .collect();
    assert!(
        recoverable.len() >= 2,
        "only {} recoverable-invalid cases: {recoverable:?}",
        recoverable.len()
    );
    let mut failures = Vec::new();
    for case in recoverable {
        let want = expected(case);
        if let Some(bad) = want.iter().find(|l| !l.starts_with("warning ")) {
            failures.push(format!("  {case}: EXPECTED lists a non-warning: `{bad}`"));
            continue;
        }
        let as_errors: Vec<String> = want
            .iter()
            .map(|l| l.replacen("warning ", "error ", 1))
            .collect();
        let strict = run(case, true);
        let got = located_all(strict.diagnostics.iter());
        if strict.ok() || !strict.files.is_empty() || got != as_errors {
            failures.push(format!(
                "  {case}: with --strict, generated {} files; diagnostics {got:#?}, want {as_errors:#?}",
                strict.files.len()
            ));
        }
        // The loader alone promotes its own warnings.
        let loaded = asyncgen_spec::load(&entry(case), &LoadOptions { strict: true });
        let loader_errors = located_all(loaded.diagnostics.iter());
        let loader_want: Vec<String> = loaded_expectations(&as_errors);
        if loader_errors != loader_want {
            failures.push(format!(
                "  {case}: LoadOptions {{ strict: true }} gave {loader_errors:#?}, want {loader_want:#?}"
            ));
        }
    }
    fail_with(failures, "are not refused under --strict");
}

/// The lines of `lines` the loader reports (not the type space's).
fn loaded_expectations(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            !TYPE_SPACE_CODES
                .iter()
                .any(|c| l.split_whitespace().nth(1) == Some(c.as_str()))
        })
        .cloned()
        .collect()
}

/// What a person sees for each recoverable-invalid case: the warnings with their source lines.
#[test]
fn rendered_warnings_are_snapshotted() {
    for case in CASES.iter().filter(|c| !expected(c).is_empty()) {
        let run = run(case, false);
        assert!(
            run.diagnostics
                .iter()
                .all(|d| d.severity == Severity::Warning),
            "{case}: not only warnings"
        );
        insta::assert_snapshot!(*case, rendered_for_snapshot(&run));
    }
}

/// Every message has a payload and at least one example, so the generated crate's example
/// round trips cover every message of every case.
#[test]
fn every_message_has_an_example_payload() {
    let mut failures = Vec::new();
    for case in CASES {
        let api = lowered(case);
        for m in api.messages.values() {
            if m.payload.is_none() || !m.examples.iter().any(|e| e.payload.is_some()) {
                failures.push(format!(
                    "  {case}: message `{}` has no example payload",
                    m.key
                ));
            }
        }
    }
    fail_with(failures, "have messages without examples");
}

/// Whether `rule` recognises `value` (as the generated `from_value` checks it).
/// Whether an example (its payload, and its headers where it gives them) meets `rule`.
fn matches(rule: &Rule, value: &Value, headers: Option<&Value>) -> bool {
    match rule {
        Rule::Header { name, value: want } => headers
            .and_then(Value::as_object)
            .and_then(|h| h.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str())
            .is_some_and(|v| v == want),
        Rule::Equals { path, value: want } => {
            let mut cur = value;
            for k in path {
                match cur.get(k) {
                    Some(next) => cur = next,
                    None => return false,
                }
            }
            cur == want
        }
        Rule::Present { properties } => properties.iter().all(|p| value.get(p).is_some()),
        Rule::Attempt => false,
    }
}

/// In every message union (per operation, webhook endpoint and socket direction), each example
/// of each message is claimed by its own variant: no other variant's exact rule matches it
/// first, and a variant with an exact rule does match it (else it would arrive as unknown).
/// Variants that are tried by decoding cannot be judged without the generated code.
#[test]
fn every_example_is_recognised_by_its_own_dispatch_rule() {
    let mut failures = Vec::new();
    for case in CASES {
        let api = lowered(case);
        let (space, views, _) = asyncgen_ir::views::build(&api);
        for (union, id) in message_unions(&space, &views) {
            let TypeKind::Union(u) = &space.get(id).kind else {
                continue;
            };
            for own in &u.variants {
                // A message variant's own examples (messages may share one payload schema);
                // a schema variant's, those of the messages with its type.
                let examples = api.messages.values().filter(|m| match &own.message {
                    Some(key) => m.key == *key,
                    None => space
                        .messages
                        .get(&m.key)
                        .and_then(|t| t.payload.as_ref())
                        .is_some_and(|p| unboxed(&own.ty) == p),
                });
                let examples = examples.flat_map(|m| {
                    m.examples
                        .iter()
                        .filter_map(|e| Some((e.payload.as_ref()?, e.headers.as_ref())))
                });
                for (example, headers) in examples {
                    let claimed = u
                        .variants
                        .iter()
                        .find(|v| matches(&v.rule, example, headers))
                        .map(|v| v.name.as_str());
                    let ok = match claimed {
                        Some(name) => name == own.name,
                        None => own.rule == Rule::Attempt,
                    };
                    if !ok {
                        failures.push(format!(
                            "  {case}: {union}: an example of `{}` ({:?}) is claimed by {claimed:?}: {example}",
                            own.name, own.rule
                        ));
                    }
                }
            }
        }
    }
    fail_with(failures, "dispatch their own examples wrongly");
}

fn unboxed(t: &TypeRef) -> &TypeRef {
    match t {
        TypeRef::Boxed(inner) => unboxed(inner),
        other => other,
    }
}

/// Every union over messages in the type space, named for failure messages.
fn message_unions(
    space: &TypeSpace,
    views: &asyncgen_ir::views::Views,
) -> Vec<(String, asyncgen_ir::types::TypeId)> {
    let mut out: Vec<(String, asyncgen_ir::types::TypeId)> = Vec::new();
    out.extend(
        space
            .operations
            .iter()
            .map(|(k, id)| (format!("operation {k}"), *id)),
    );
    out.extend(
        views
            .endpoints
            .iter()
            .map(|e| (format!("endpoint {}", e.endpoint.key), e.event)),
    );
    for s in &views.sockets {
        let k = &s.socket.key;
        out.push((format!("socket {k} incoming"), s.types.incoming));
        out.extend(
            s.types
                .outgoing
                .map(|id| (format!("socket {k} outgoing"), id)),
        );
    }
    out
}
