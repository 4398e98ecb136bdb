//! Processes of one scaffolded package sharing one queue in PostgreSQL (`--queue URL`), as a
//! fleet behind a load balancer runs them: a receiver that also works (`--role both`, the
//! default), a receiver that only answers (`--role receiver`) and a worker without HTTP
//! (`--role worker`). Each receiver answers 202 only once the event is in the database; every
//! event is handled (and printed) once across the fleet, never by the receiver-only process; a
//! redelivery of one event id sent to the other receiver is handled once; the dead letters are
//! reachable from another process while they run. The PostgreSQL server is started by the test
//! on a free loopback port and stopped with it.

mod common;
#[path = "../../asyncgen-runtime/tests/postgres_server/mod.rs"]
mod postgres_server;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Reaped, Running, lines, policy, runtime, scaffold_and_build_with};
use serde_json::Value;

use asyncgen_generated_tests::regression_header_dispatch_shared_payload_v3 as topics;
use asyncgen_generated_tests::regression_signature_presets::receiver as presets;
use asyncgen_runtime::Secret;
use asyncgen_runtime::sender::{Sender, Signer};

const SPEC: &str = "tests/fixtures/regressions/header-dispatch-shared-payload-v3/asyncapi.yml";
const SECRET: &str = "fleet-secret";

/// Posts order `id` as Shopify would, with its webhook id (what the preset dedupes on).
fn post(rt: &tokio::runtime::Runtime, to: &Running, id: i64, delivery: &str) -> u16 {
    let signer = Signer::new(
        presets::SHOPIFY_SECURITY.expect("shopify"),
        Some(Secret::new(SECRET).expect("secret")),
    )
    .expect("signer");
    let sender = Sender::new(&to.url, signer, policy()).expect("sender");
    let headers = Sender::headers(&[
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Webhook-Id", delivery),
    ])
    .expect("headers");
    let order = topics::types::Order {
        id,
        email: None,
        total_price: None,
    };
    rt.block_on(sender.send_json_with_headers(&order, &headers))
        .expect("accepted")
        .status
        .as_u16()
}

#[test]
fn a_fleet_on_one_postgres_queue_handles_each_event_once() {
    let Some(server) = postgres_server::PostgresServer::start() else {
        return;
    };
    let rt = runtime();
    let url = rt.block_on(server.database("fleet"));
    let (_keep, binary) =
        scaffold_and_build_with("receiver", SPEC, "fleet-receiver", &["--verify", "shopify"]);
    let both = Running::start(
        &binary,
        &[("SHOPIFY_SIGNATURE", SECRET), ("RECEIVER_QUEUE_URL", &url)],
    );
    let receiver = Running::start_with(
        &binary,
        &["--queue", &url, "--role", "receiver"],
        &[("SHOPIFY_SIGNATURE", SECRET)],
    );
    let mut worker = Reaped(
        Command::new(&binary)
            .args(["--queue", &url, "--role", "worker"])
            .env("SHOPIFY_SIGNATURE", SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the worker"),
    );
    let worker_lines = lines(worker.0.stdout.take().expect("stdout"));

    for n in 0..20 {
        let to = if n % 2 == 0 { &both } else { &receiver };
        assert_eq!(post(&rt, to, n, &format!("delivery-{n}")), 202);
    }
    // Redeliveries of five events, each to the receiver that did not take it first.
    for n in 0..5 {
        let to = if n % 2 == 0 { &receiver } else { &both };
        assert_eq!(post(&rt, to, n, &format!("delivery-{n}")), 202);
    }

    // Each printed line, by the process that handled the event.
    let sources: [(&str, &mpsc::Receiver<String>); 3] = [
        ("both", &both.lines),
        ("receiver", &receiver.lines),
        ("worker", &worker_lines),
    ];
    let mut handled: BTreeMap<i64, u32> = BTreeMap::new();
    let mut by: BTreeMap<&str, u32> = BTreeMap::new();
    let mut drain = |wait: Duration, handled: &mut BTreeMap<i64, u32>| {
        for (who, source) in &sources {
            while let Ok(line) = source.recv_timeout(wait) {
                let line: Value = serde_json::from_str(&line).expect("a JSON line");
                assert_eq!(line["message"], "orders/create", "{line}");
                let id = line["payload"]["id"].as_i64().expect("an id");
                *handled.entry(id).or_default() += 1;
                *by.entry(*who).or_default() += 1;
            }
        }
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while handled.values().sum::<u32>() < 20 && Instant::now() < deadline {
        drain(Duration::from_millis(50), &mut handled);
    }
    // A little longer: a duplicate would be printed now.
    std::thread::sleep(Duration::from_millis(500));
    drain(Duration::ZERO, &mut handled);
    let expected: BTreeMap<i64, u32> = (0..20).map(|n| (n, 1)).collect();
    assert_eq!(
        handled, expected,
        "each event handled once across the fleet"
    );
    assert_eq!(
        by.get("receiver"),
        None,
        "--role receiver handles nothing: {by:?}"
    );

    // Another process reaches the shared dead letters while the fleet runs.
    let listed = Command::new(&binary)
        .args(["--queue", &url, "dead-letters"])
        .output()
        .expect("dead-letters");
    let said = String::from_utf8_lossy(&listed.stderr);
    assert!(listed.status.success(), "{said}");
    assert!(said.contains("0 dead letter(s)"), "{said}");
}
