//! Malformed documents: each one in `fixtures/malformed/` is rejected, without a panic, with the
//! diagnostic code `EXPECTED` names at the line it names, and what a person sees is snapshotted.
//! Documents too large to commit (50 MB, 10,000 levels deep, long `$ref` chains) are generated
//! at run time.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use asyncgen_spec::{Code, Diagnostic, LoadOptions, Loaded, Severity};
use asyncgen_tests::repo_root;

/// One line of `EXPECTED`.
#[derive(Debug)]
struct Case {
    file: String,
    code: String,
    /// `None` for `-`: no line is meaningful.
    line: Option<u32>,
    /// Warnings only: valid leniently, invalid with `strict: true`.
    strict: bool,
}

fn malformed_dir() -> PathBuf {
    repo_root().join("tests/fixtures/malformed")
}

/// `EXPECTED`, checked for form: four fields at most, a known code, a line or `-`, no repeats.
fn expected() -> Vec<Case> {
    let path = malformed_dir().join("EXPECTED");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut cases: Vec<Case> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let at = format!("EXPECTED:{}: `{line}`", n + 1);
        assert!(
            matches!(fields.len(), 3 | 4),
            "{at}: expected `<file> <code> <line> [strict]`"
        );
        assert!(
            Code::ALL.iter().any(|c| c.as_str() == fields[1]),
            "{at}: `{}` is not a diagnostic code",
            fields[1]
        );
        let expected_line = match fields[2] {
            "-" => None,
            l => Some(
                l.parse::<u32>()
                    .ok()
                    .filter(|l| *l > 0)
                    .unwrap_or_else(|| panic!("{at}: bad line `{l}`")),
            ),
        };
        let strict = match fields.get(3) {
            None => false,
            Some(&"strict") => true,
            Some(other) => panic!("{at}: unknown flag `{other}`"),
        };
        assert!(
            !cases.iter().any(|c| c.file == fields[0]),
            "{at}: `{}` is listed twice",
            fields[0]
        );
        cases.push(Case {
            file: fields[0].to_owned(),
            code: fields[1].to_owned(),
            line: expected_line,
            strict,
        });
    }
    cases
}

/// Every regular file directly in the folder, whatever its extension, except `EXPECTED`.
/// `support/` (files the cases reference) and `snapshots/` are folders and so not cases.
fn case_files() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(malformed_dir())
        .expect("tests/fixtures/malformed exists")
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "EXPECTED")
        .collect();
    out.sort();
    out
}

/// Loads a case, turning a panic into an error message so one bad case does not hide others.
fn load_case(file: &str, strict: bool) -> Result<Loaded, String> {
    let path = malformed_dir().join(file);
    catch_unwind(AssertUnwindSafe(|| {
        asyncgen_spec::load(&path, &LoadOptions { strict })
    }))
    .map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("the loader panicked: {msg}")
    })
}

/// Diagnostics as `code file:line:col` lines, for failure messages.
fn listing(loaded: &Loaded) -> String {
    let mut out = String::new();
    for d in &loaded.diagnostics {
        let l = &d.location;
        let _ = writeln!(
            out,
            "      {} {} {}:{}:{} #{} {}",
            d.severity,
            d.code,
            l.file,
            l.line.map_or("-".to_owned(), |v| v.to_string()),
            l.column.map_or("-".to_owned(), |v| v.to_string()),
            l.pointer.as_str(),
            d.message
        );
    }
    if out.is_empty() {
        out.push_str("      (no diagnostics)\n");
    }
    out
}

/// The diagnostic a case is about: its code, located in the case file itself, at its line.
fn find<'l>(loaded: &'l Loaded, case: &Case) -> Option<&'l Diagnostic> {
    loaded.diagnostics.iter().find(|d| {
        d.code.as_str() == case.code
            && d.location.file == case.file
            && (case.line.is_none() || d.location.line == case.line)
    })
}

fn fail_with(failures: Vec<String>, what: &str) {
    assert!(
        failures.is_empty(),
        "{} of the malformed cases {what}:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_case_is_listed_and_every_listed_case_exists() {
    let listed: Vec<String> = expected().into_iter().map(|c| c.file).collect();
    let files = case_files();
    let unlisted: Vec<&String> = files.iter().filter(|f| !listed.contains(f)).collect();
    let missing: Vec<&String> = listed.iter().filter(|f| !files.contains(f)).collect();
    assert!(
        unlisted.is_empty(),
        "case files missing from EXPECTED (they would be silently skipped): {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "EXPECTED lists files that do not exist: {missing:?}"
    );
    assert!(files.len() >= 36, "only {} malformed cases", files.len());
    // The support files are referenced by cases, not cases themselves: make sure they exist.
    for support in [
        "support/cycle-b.yml",
        "support/schemas.yml",
        "support/broken.yml",
        "support/messages.yml",
        "support/channel.yml",
    ] {
        assert!(
            malformed_dir().join(support).is_file(),
            "{support} is missing"
        );
    }
}

#[test]
fn every_case_is_rejected_with_its_code_at_its_line() {
    let mut failures = Vec::new();
    for case in expected() {
        let want = format!(
            "`{}` in {} at line {}",
            case.code,
            case.file,
            case.line.map_or("(any)".to_owned(), |l| l.to_string())
        );
        let lenient = match load_case(&case.file, false) {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!("  {}: {e}", case.file));
                continue;
            }
        };
        if case.strict {
            if !lenient.is_valid() {
                failures.push(format!(
                    "  {}: must be valid without --strict (warnings only), but is invalid:\n{}",
                    case.file,
                    listing(&lenient)
                ));
                continue;
            }
            match find(&lenient, &case) {
                Some(d) if d.severity == Severity::Warning => {}
                Some(d) => failures.push(format!(
                    "  {}: `{}` should be a warning, is {}",
                    case.file, case.code, d.severity
                )),
                None => failures.push(format!(
                    "  {}: wanted warning {want}, got:\n{}",
                    case.file,
                    listing(&lenient)
                )),
            }
            let strict = match load_case(&case.file, true) {
                Ok(l) => l,
                Err(e) => {
                    failures.push(format!("  {} (strict): {e}", case.file));
                    continue;
                }
            };
            if strict.is_valid() {
                failures.push(format!(
                    "  {}: must be invalid with --strict, but is valid:\n{}",
                    case.file,
                    listing(&strict)
                ));
            } else if !find(&strict, &case).is_some_and(Diagnostic::is_error) {
                failures.push(format!(
                    "  {} (strict): wanted error {want}, got:\n{}",
                    case.file,
                    listing(&strict)
                ));
            }
        } else {
            if lenient.is_valid() {
                failures.push(format!(
                    "  {}: must be invalid, but is valid:\n{}",
                    case.file,
                    listing(&lenient)
                ));
                continue;
            }
            match find(&lenient, &case) {
                Some(d) if d.is_error() => {}
                Some(d) => failures.push(format!(
                    "  {}: `{}` should be an error, is {}",
                    case.file, case.code, d.severity
                )),
                None => failures.push(format!(
                    "  {}: wanted {want}, got:\n{}",
                    case.file,
                    listing(&lenient)
                )),
            }
        }
    }
    fail_with(failures, "are not rejected as EXPECTED says");
}

/// What a person sees, with the repository's location on this machine removed.
fn rendered_for_snapshot(loaded: &Loaded) -> String {
    let root = repo_root();
    let text = asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics);
    let text = text.replace(&format!("{}/", root.display()), "");
    assert!(
        !text.contains(&*root.to_string_lossy()),
        "rendered text still holds the absolute path:\n{text}"
    );
    text
}

#[test]
fn rendered_diagnostics_are_snapshotted() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("fixtures/malformed/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for case in expected() {
            let loaded =
                load_case(&case.file, false).unwrap_or_else(|e| panic!("{}: {e}", case.file));
            insta::assert_snapshot!(case.file.clone(), rendered_for_snapshot(&loaded));
        }
    });
}

/// A located diagnostic shows `path:line:col`, the source line and a caret under the problem,
/// including at the end of the file and in files that are not UTF-8 (shown lossily).
#[test]
fn located_diagnostics_show_the_source_line_and_a_caret() {
    let mut failures = Vec::new();
    for case in expected().into_iter().filter(|c| c.line.is_some()) {
        let Ok(loaded) = load_case(&case.file, case.strict) else {
            continue;
        }; // reported above
        let Some(d) = find(&loaded, &case) else {
            continue;
        }; // reported above
        let line = case.line.unwrap_or_default();
        let out = asyncgen_spec::render::render(&loaded.workspace, d);
        let source = std::fs::read(malformed_dir().join(&case.file)).unwrap_or_default();
        let source = String::from_utf8_lossy(&source);
        // Up to the first control character or undecodable byte: how those show is the renderer's choice.
        let text: String = source
            .lines()
            .nth(line as usize - 1)
            .unwrap_or("")
            .chars()
            .take_while(|c| *c == '\t' || !(c.is_control() || *c == '\u{fffd}'))
            .collect();
        let text = text.replace('\t', " ").trim().to_owned();
        let head = match d.location.column {
            Some(c) => format!("{}:{line}:{c}", d.location.file),
            None => format!("{}:{line}:<no column>", d.location.file),
        };
        let gutter = format!("{line} | ");
        let snippet = out
            .lines()
            .any(|l| l.trim_start().starts_with(&gutter) && l.contains(&text));
        let caret = out
            .lines()
            .any(|l| l.trim_start().starts_with('|') && l.contains('^'));
        if !out.contains(&head) || !snippet || !caret {
            failures.push(format!(
                "  {}: wanted `{head}`, line {line} of the source and a caret; rendered:\n{out}",
                case.file
            ));
        }
    }
    fail_with(failures, "render without the offending line");
}

/// libyaml says where the construct it was reading began ("while parsing a flow sequence at
/// line 7 column 14"); that is where the user must look, so it must survive into the diagnostic
/// (as a related location or in the text).
#[test]
fn syntax_errors_keep_the_parsers_context() {
    let mut failures = Vec::new();
    for (file, context_line) in [
        ("bad-yaml-unclosed-flow.yml", 7),
        ("bad-yaml-unterminated-quote.yml", 3),
    ] {
        let loaded = load_case(file, false).unwrap_or_else(|e| panic!("{file}: {e}"));
        let Some(d) = loaded.diagnostics.iter().find(|d| d.code == Code::Syntax) else {
            failures.push(format!("  {file}: no syntax diagnostic"));
            continue;
        };
        let mentioned = d
            .related
            .iter()
            .any(|r| r.location.line == Some(context_line))
            || d.message.contains(&format!("line {context_line}"))
            || d.help
                .as_deref()
                .is_some_and(|h| h.contains(&format!("line {context_line}")));
        if !mentioned {
            failures.push(format!(
                "  {file}: the diagnostic does not say that the unclosed construct starts on line {context_line}:\n{}",
                asyncgen_spec::render::render(&loaded.workspace, d)
            ));
        }
    }
    fail_with(failures, "lose the parser's context");
}

/// "first used here" must point into the file where the id was first used.
#[test]
fn related_locations_point_into_the_right_file() {
    let loaded = load_case("duplicate-id-message-id-across-files.yml", false).unwrap();
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == Code::DuplicateId)
        .unwrap_or_else(|| panic!("no duplicate-id:\n{}", listing(&loaded)));
    let first = d
        .related
        .first()
        .unwrap_or_else(|| panic!("duplicate-id without a related location: {d:?}"));
    assert_eq!(
        (
            first.location.file.as_str(),
            first.location.line,
            first.location.column
        ),
        ("support/messages.yml", Some(3), Some(14)),
        "the first `messageId: order` is line 3 of support/messages.yml; rendered:\n{}",
        asyncgen_spec::render::render(&loaded.workspace, d)
    );
}

// ---- generated at run time, never committed ----

const FIFTY_MB: usize = 50 * 1024 * 1024;

/// A valid AsyncAPI 2.6 document of at least `size` bytes: channels, each with an operation,
/// a component message and a component schema, all distinct (no duplicate ids, no warnings).
fn big_document(size: usize) -> String {
    let mut out = String::with_capacity(size + size / 8);
    out.push_str("asyncapi: 2.6.0\ninfo:\n  title: Big\n  version: 1.0.0\n  description: A generated document far larger than any real one.\nchannels:\n");
    // Each item adds about 1 kB over the three sections; size the count from that.
    let count = size / 1000 + 1;
    let mut channels = String::new();
    let mut messages = String::from("components:\n  messages:\n");
    let mut schemas = String::from("  schemas:\n");
    for i in 0..count {
        let _ = write!(
            channels,
            "  orders/region-{i}/created:\n    description: Orders created in region {i}.\n    subscribe:\n      operationId: onOrderCreated{i}\n      message:\n        $ref: '#/components/messages/OrderCreated{i}'\n"
        );
        let _ = write!(
            messages,
            "    OrderCreated{i}:\n      messageId: orderCreated{i}\n      name: OrderCreated{i}\n      contentType: application/json\n      payload:\n        $ref: '#/components/schemas/Order{i}'\n"
        );
        let _ = write!(
            schemas,
            "    Order{i}:\n      type: object\n      description: An order placed in region {i}; every field below is documented for people reading it.\n      required: [id, total]\n      properties:\n        id:\n          type: string\n          format: uuid\n          description: Identifier of the order.\n        total:\n          type: number\n          minimum: 0\n        lines:\n          type: array\n          items:\n            type: object\n            properties:\n              sku:\n                type: string\n              quantity:\n                type: integer\n                minimum: 1\n        status:\n          type: string\n          enum: [open, paid, shipped]\n"
        );
        if channels.len() + messages.len() + schemas.len() >= size {
            break;
        }
    }
    out.push_str(&channels);
    out.push_str(&messages);
    out.push_str(&schemas);
    out
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the generated document");
    path
}

#[test]
fn fifty_megabyte_document_loads_without_diagnostics() {
    let text = big_document(FIFTY_MB);
    assert!(
        text.len() >= FIFTY_MB,
        "generated only {} bytes",
        text.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "big.yml", &text);
    drop(text);
    let started = std::time::Instant::now();
    let loaded = asyncgen_spec::load(&path, &LoadOptions::default());
    eprintln!("50 MB valid document loaded in {:.1?}", started.elapsed());
    assert!(
        loaded.diagnostics.is_empty(),
        "the generated document must be clean:\n{}",
        listing(&loaded)
    );
    assert!(loaded.is_valid());
    assert_eq!(
        loaded.version.map(|v| v.to_string()).as_deref(),
        Some("2.6.0")
    );
}

#[test]
fn fifty_megabyte_document_reports_an_error_near_the_end_at_its_line() {
    let mut text = big_document(FIFTY_MB);
    // Break the last `quantity` type: `type: integer` becomes `type: integr`.
    let at = text
        .rfind("type: integer")
        .expect("the document has an integer field");
    text.replace_range(at..at + "type: integer".len(), "type: integr");
    let line = u32::try_from(text[..at].matches('\n').count() + 1).unwrap();
    let column =
        u32::try_from(at - text[..at].rfind('\n').map_or(0, |i| i + 1) + "type: ".len() + 1)
            .unwrap();
    assert!(
        line > 1_000_000,
        "the error must sit near the end of a long document (line {line})"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "big.yml", &text);
    drop(text);
    let started = std::time::Instant::now();
    let loaded = asyncgen_spec::load(&path, &LoadOptions::default());
    eprintln!(
        "50 MB document with an error loaded and located in {:.1?}",
        started.elapsed()
    );
    assert!(!loaded.is_valid());
    let found: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location.line, d.location.column))
        .collect();
    assert_eq!(
        found,
        [(Code::InvalidValue, Some(line), Some(column))],
        "\n{}",
        listing(&loaded)
    );
    let out = asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics);
    assert!(
        out.contains(&format!("big.yml:{line}:{column}")) && out.contains("type: integr"),
        "{out}"
    );
}

/// Runs `f` on a thread with a 2 MiB stack (Rust's default for spawned threads): what the
/// loader does must fit there whatever the input.
fn on_normal_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("normal-stack".to_owned())
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| panic!("the loader panicked"))
}

#[test]
fn ten_thousand_levels_are_too_deep_not_a_stack_overflow() {
    const LEVELS: usize = 10_000;
    let head = "asyncapi: 2.6.0\ninfo:\n  title: Deep\n  version: 1.0.0\nchannels: {}\n";
    let mut block = format!("{head}x-deep:\n");
    for i in 0..LEVELS {
        block.push_str(&" ".repeat(i + 1));
        block.push_str("a:\n");
    }
    block.push_str(&" ".repeat(LEVELS + 1));
    block.push_str("end\n");
    let documents = [
        (
            "flow-sequence.yml",
            format!(
                "{head}x-deep: {}{}\n",
                "[".repeat(LEVELS),
                "]".repeat(LEVELS)
            ),
        ),
        (
            "flow-mapping.yml",
            format!(
                "{head}x-deep: {}x{}\n",
                "{a: ".repeat(LEVELS),
                "}".repeat(LEVELS)
            ),
        ),
        ("block-mapping.yml", block),
        (
            "block-sequence.yml",
            format!("{head}x-deep:\n{}x\n", "- ".repeat(LEVELS)),
        ),
        (
            "arrays.json",
            format!(
                "{{\"asyncapi\": \"2.6.0\", \"x-deep\": {}{}}}\n",
                "[".repeat(LEVELS),
                "]".repeat(LEVELS)
            ),
        ),
        (
            "objects.json",
            format!(
                "{{\"asyncapi\": \"2.6.0\", \"x-deep\": {}1{}}}\n",
                "{\"a\": ".repeat(LEVELS),
                "}".repeat(LEVELS)
            ),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in documents {
        let lines = text.lines().count();
        let path = write_temp(&dir, name, &text);
        let loaded = on_normal_stack(move || asyncgen_spec::load(&path, &LoadOptions::default()));
        let d = loaded
            .diagnostics
            .iter()
            .find(|d| d.code == Code::TooDeep)
            .unwrap_or_else(|| panic!("{name}: wanted too-deep, got:\n{}", listing(&loaded)));
        assert!(!loaded.is_valid(), "{name}");
        assert!(
            d.location.line.is_some_and(|l| (l as usize) <= lines),
            "{name}: too-deep is not located in the file: {:?}",
            d.location
        );
        // Rendering such a document must not fail either.
        let out = asyncgen_spec::render::render_all(&loaded.workspace, &loaded.diagnostics);
        assert!(out.contains("too-deep"), "{name}: {out}");
    }
}

/// Nesting just inside the limit is walked, and the error at the bottom located, on a normal
/// stack.
#[test]
fn nesting_within_the_limit_is_validated_on_a_normal_stack() {
    const LEVELS: usize = 55; // two YAML levels each (`properties`, the property): about 120 deep
    let mut text = String::from(
        "asyncapi: 2.6.0\ninfo:\n  title: Deep\n  version: 1.0.0\nchannels:\n  c:\n    subscribe:\n      message:\n        payload:\n",
    );
    let mut indent = 10;
    for _ in 0..LEVELS {
        let pad = " ".repeat(indent);
        let _ = write!(text, "{pad}type: object\n{pad}properties:\n{pad}  p:\n");
        indent += 4;
    }
    let _ = writeln!(text, "{}type: strin", " ".repeat(indent));
    let line = u32::try_from(text.lines().count()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "nested.yml", &text);
    let loaded = on_normal_stack(move || asyncgen_spec::load(&path, &LoadOptions::default()));
    let found: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location.line))
        .collect();
    assert_eq!(
        found,
        [(Code::InvalidValue, Some(line))],
        "\n{}",
        listing(&loaded)
    );
}

/// A long chain of distinct schemas, each referencing the next, is a legitimate document; the
/// walker must not recurse once per link. A stack overflow aborts the whole process, so the
/// load runs in a child test process and only its exit status is judged here.
#[test]
fn long_ref_chain_does_not_overflow_the_stack() {
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([
            "long_ref_chain_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ASYNCGEN_LONG_REF_CHAIN_CHILD", "1")
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "validating a chain of {REF_CHAIN} schemas crashed ({}):\n{stdout}\n{}",
        out.status,
        stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

const REF_CHAIN: usize = 10_000;

/// Generates `S0 → S1 → … → S{n}` through `properties.next.$ref`.
fn ref_chain_document(n: usize) -> String {
    let mut text = String::from(
        "asyncapi: 2.6.0\ninfo:\n  title: Chain\n  version: 1.0.0\nchannels:\n  c:\n    subscribe:\n      message:\n        payload:\n          $ref: '#/components/schemas/S0'\ncomponents:\n  schemas:\n",
    );
    for i in 0..n {
        let _ = write!(
            text,
            "    S{i}:\n      type: object\n      properties:\n        next:\n          $ref: '#/components/schemas/S{}'\n",
            i + 1
        );
    }
    let _ = write!(text, "    S{n}:\n      type: string\n");
    text
}

#[test]
#[ignore = "run in a child process by long_ref_chain_does_not_overflow_the_stack"]
fn long_ref_chain_child() {
    if std::env::var_os("ASYNCGEN_LONG_REF_CHAIN_CHILD").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write_temp(&dir, "chain.yml", &ref_chain_document(REF_CHAIN));
    let loaded = on_normal_stack(move || asyncgen_spec::load(&path, &LoadOptions::default()));
    // Valid, or refused with a diagnostic: either is fine, crashing is not.
    assert!(
        loaded.is_valid() || loaded.diagnostics.has_errors(),
        "{}",
        listing(&loaded)
    );
}
