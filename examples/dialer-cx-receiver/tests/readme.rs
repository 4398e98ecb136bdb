//! The README's signed `curl` works as written: run against the built receiver it is answered
//! 202 and the event is printed; the same request with a body changed after signing is
//! answered 401 and nothing is printed.

mod support;

use std::time::Duration;

use support::{Running, have, run_shell, sh_block};

#[test]
fn the_readme_request_is_accepted_and_a_tampered_one_refused() {
    if !have(&["curl", "openssl"]) {
        return;
    }
    let data = tempfile::tempdir().expect("data dir");
    let data = data.path().to_str().expect("UTF-8 temporary directory");
    let running = Running::start(
        env!("CARGO_BIN_EXE_dialer-cx-receiver"),
        &["--listen", "127.0.0.1:0", "--data-dir", data],
        &[("WEBHOOK_SIGNATURE", "change-me")],
    );
    let script = sh_block(include_str!("../README.md"), 1).replace("127.0.0.1:8080", &running.addr);

    let answer = run_shell(&script);
    assert!(answer.starts_with("HTTP/1.1 202"), "answer:\n{answer}");
    assert_eq!(
        running.printed(Duration::from_secs(10)).as_deref(),
        Some("call 12345 ended after 180 s: SALE")
    );

    let tampered = script.replace("-d \"$body\"", "-d \"$body \"");
    assert_ne!(tampered, script, "the README's request changed shape");
    let answer = run_shell(&tampered);
    assert!(answer.starts_with("HTTP/1.1 401"), "answer:\n{answer}");
    assert_eq!(
        running.printed(Duration::from_millis(500)),
        None,
        "a refused request must not be handled"
    );
}
