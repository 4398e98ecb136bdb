//! Receivers that share one queue in PostgreSQL (`--queue URL`), as processes of one
//! scaffolded package behind a load balancer would: each answers 202 only once the event is in
//! the database, the events any of them accepted are handled (and printed) once between them,
//! a redelivery of one event id sent to another receiver is handled once, and the dead letters
//! are reachable from a third process while they run. The PostgreSQL server is started by the
//! test on a free loopback port and stopped with it.

mod common;
#[path = "../../asyncgen-runtime/tests/postgres_server/mod.rs"]
mod postgres_server;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Running, policy, runtime, scaffold_and_build_with};
use serde_json::Value;

use asyncgen_generated_tests::regression_header_dispatch_shared_payload_v3 as topics;
use asyncgen_generated_tests::regression_signature_presets::receiver as presets;
use asyncgen_runtime::Secret;
use asyncgen_runtime::sender::{Sender, Signer};

#[test]
fn receivers_sharing_a_postgres_queue_handle_each_event_once() {
    let Some(server) = postgres_server::PostgresServer::start() else {
        return;
    };
    let rt = runtime();
    let url = rt.block_on(server.database("fleet"));
    const SPEC: &str = "tests/fixtures/regressions/header-dispatch-shared-payload-v3/asyncapi.yml";
    let (_keep, binary) =
        scaffold_and_build_with("receiver", SPEC, "fleet-receiver", &["--verify", "shopify"]);
    let secret = "fleet-secret";
    let env = [
        ("SHOPIFY_SIGNATURE", secret),
        ("RECEIVER_QUEUE_URL", url.as_str()),
    ];
    let first = Running::start(&binary, &env);
    let second = Running::start_with(&binary, &["--queue", &url], &env[..1]);

    // Shopify's preset dedupes on X-Shopify-Webhook-Id: the same id sent to both receivers
    // (a provider's retry through another instance) is handled once.
    let send = |to: &Running, id: u64, delivery: &str| {
        let signer = Signer::new(
            presets::SHOPIFY_SECURITY.expect("shopify"),
            Some(Secret::new(secret).expect("secret")),
        )
        .expect("signer");
        let sender = Sender::new(&to.url, signer, policy()).expect("sender");
        let headers = Sender::headers(&[
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Webhook-Id", delivery),
        ])
        .expect("headers");
        let order = topics::types::Order {
            id: id as i64,
            email: None,
            total_price: None,
        };
        rt.block_on(sender.send_json_with_headers(&order, &headers))
            .expect("accepted")
            .status
    };
    let mut sent = 0;
    for n in 0..20u64 {
        let to = if n % 2 == 0 { &first } else { &second };
        assert_eq!(send(to, n, &format!("delivery-{n}")), 202);
        sent += 1;
    }
    // Redeliveries of five events, each to the receiver that did not take it first.
    for n in 0..5u64 {
        let to = if n % 2 == 0 { &second } else { &first };
        assert_eq!(send(to, n, &format!("delivery-{n}")), 202);
    }

    // Every accepted event is printed once, by whichever process handled it.
    let mut handled: BTreeMap<i64, u32> = BTreeMap::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while handled.values().sum::<u32>() < sent && std::time::Instant::now() < deadline {
        for running in [&first, &second] {
            while let Ok(line) = running.lines.recv_timeout(Duration::from_millis(50)) {
                let line: Value = serde_json::from_str(&line).expect("a JSON line");
                assert_eq!(line["message"], "orders/create", "{line}");
                let id = line["payload"]["id"].as_i64().expect("an id");
                *handled.entry(id).or_default() += 1;
            }
        }
    }
    // A little longer: a duplicate would be printed now.
    std::thread::sleep(Duration::from_millis(500));
    for running in [&first, &second] {
        while let Ok(line) = running.lines.try_recv() {
            let line: Value = serde_json::from_str(&line).expect("a JSON line");
            *handled
                .entry(line["payload"]["id"].as_i64().expect("id"))
                .or_default() += 1;
        }
    }
    let expected: BTreeMap<i64, u32> = (0..20).map(|n| (n, 1)).collect();
    assert_eq!(
        handled, expected,
        "each event handled once across the fleet"
    );

    // A third process reaches the shared dead letters while the receivers run.
    let listed = std::process::Command::new(&binary)
        .args(["--queue", &url, "dead-letters"])
        .output()
        .expect("dead-letters");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(
        String::from_utf8_lossy(&listed.stderr).contains("0 dead letter(s)"),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
}
