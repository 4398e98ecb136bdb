//! `voipbin-call-board --demo` as a user runs it: the board subscribes to the demo customer's
//! calls on the generated mock server and prints the table after each change, from two ringing
//! calls to none, then exits by itself.

use std::process::Command;

#[test]
fn the_demo_prints_each_change_of_the_board_and_exits() {
    let out = Command::new(env!("CARGO_BIN_EXE_voipbin-call-board"))
        .args(["--demo", "--pace-ms", "20"])
        .output()
        .expect("run the board");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {}:\n{stderr}", out.status);
    assert!(
        stderr.contains("subscribed to customer_id:demo:call:*"),
        "{stderr}"
    );
    assert!(!stderr.contains("connection lost"), "{stderr}");

    let header = "CALL         STATUS     FROM             TO               SINCE";
    let row = |id: &str, status: &str, n: &str, since: &str| {
        format!("{id:<12} {status:<10} +155512300{n:<6} +155598700{n:<6} {since}")
    };
    let table = |rows: &[String]| {
        let mut t = format!("{} active call(s)\n", rows.len());
        if !rows.is_empty() {
            t.push_str(header);
            t.push('\n');
        }
        for r in rows {
            t.push_str(r);
            t.push('\n');
        }
        t
    };
    let expected = [
        table(&[row("c-101", "ringing", "01", "10:30:00")]),
        table(&[
            row("c-101", "ringing", "01", "10:30:00"),
            row("c-102", "ringing", "02", "10:30:02"),
        ]),
        table(&[
            row("c-101", "answered", "01", "10:30:00"),
            row("c-102", "ringing", "02", "10:30:02"),
        ]),
        table(&[
            row("c-101", "answered", "01", "10:30:00"),
            row("c-102", "answered", "02", "10:30:02"),
        ]),
        table(&[row("c-102", "answered", "02", "10:30:02")]),
        table(&[]),
    ]
    .join("\n")
        + "\n";
    assert_eq!(stdout, expected);
}
