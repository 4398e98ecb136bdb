//! The README's `curl` works as written against the built receiver: answered 204 once the
//! handler printed the call; a body that is not JSON is answered 400 and nothing is printed.

#[path = "../../dialer-cx-receiver/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use support::{Running, have, run_shell, sh_block};

#[test]
fn the_readme_request_is_handled() {
    if !have(&["curl"]) {
        return;
    }
    let running = Running::start(
        env!("CARGO_BIN_EXE_dialpad-receiver"),
        &["--listen", "127.0.0.1:0"],
        &[],
    );
    let script = sh_block(include_str!("../README.md"), 2).replace("127.0.0.1:8080", &running.addr);

    let answer = run_shell(&script);
    assert!(answer.starts_with("HTTP/1.1 204"), "answer:\n{answer}");
    assert_eq!(
        running.printed(Duration::from_secs(10)).as_deref(),
        Some("call 5829487598804992: ringing (Sam Caller)")
    );

    let broken = script.replace("-d '{", "-d '{{");
    assert_ne!(broken, script, "the README's request changed shape");
    let answer = run_shell(&broken);
    assert!(answer.starts_with("HTTP/1.1 400"), "answer:\n{answer}");
    assert_eq!(running.printed(Duration::from_millis(500)), None);
}
