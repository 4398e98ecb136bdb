//! A live board of VoIPBIN's active calls: connects to the websocket, subscribes to every call
//! of a customer (`customer_id:ID:call:*`), keeps a table from `call.created`, `call.status`
//! and `call.ended`, and prints it each time it changes. The generated client reconnects with
//! the document's backoff and resubscribes by itself.
//!
//! `--demo` runs the same board against the generated mock server on 127.0.0.1, which plays a
//! short scripted day of calls, then exits: no account needed.

mod api {
    asyncgen_runtime::include_spec!("websocket");
}
mod board;

use std::process::ExitCode;
use std::time::Duration;

use api::client::Client;
use api::mock::{MockProtocol, MockServer};
use api::types::{ServerMessage, Topic};
use asyncgen_runtime::ws::Event;
use board::Board;
use serde_json::json;

const USAGE: &str = "usage: voipbin-call-board --customer ID [--url URL] (token in VOIPBIN_TOKEN)
       voipbin-call-board --demo [--pace-ms MS]";

enum Mode {
    Live { url: String, customer: String },
    Demo { pace: Duration },
}

fn mode() -> Result<Mode, String> {
    let mut url = api::client::PRODUCTION_URL.to_owned();
    let mut customer = None;
    let mut demo = false;
    let mut pace = Duration::from_millis(700);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--demo" => demo = true,
            "--url" => url = value()?,
            "--customer" => customer = Some(value()?),
            "--pace-ms" => {
                let ms = value()?.parse().map_err(|e| format!("--pace-ms: {e}"))?;
                pace = Duration::from_millis(ms);
            }
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    if demo {
        return Ok(Mode::Demo { pace });
    }
    let customer = customer.ok_or(USAGE)?;
    let token = std::env::var("VOIPBIN_TOKEN")
        .map_err(|_| "set VOIPBIN_TOKEN to your VoIPBIN access token".to_owned())?;
    Ok(Mode::Live {
        url: Client::url_with_token(&url, &token),
        customer,
    })
}

/// Subscribes to every call of `customer` and prints the board at each change, until the
/// client is closed (Ctrl-C) or, with `until_empty`, until the last call has ended.
async fn run_board(
    client: Client,
    mut events: api::client::Events,
    customer: &str,
    until_empty: bool,
) {
    let subscriber = client.clone();
    let topic = Topic::customer(customer).calls();
    // Restored by the client after every reconnect; the outcome arrives as an event.
    tokio::spawn(async move {
        let _ = subscriber.subscribe([topic]).await;
    });
    let mut board = Board::default();
    while let Some(event) = events.recv().await {
        match event {
            Event::Message(message) if board.apply(&message) => {
                println!("{}", board.render());
                if until_empty && board.len() == 0 {
                    break;
                }
            }

            Event::Subscribed { topics } => eprintln!("subscribed to {}", topics.join(", ")),
            Event::SubscribeRejected { reason, .. } => eprintln!("subscription refused: {reason}"),
            Event::Reconnecting { delay, reason, .. } => {
                eprintln!("connection lost ({reason}); retrying in {delay:?}")
            }
            Event::Closed => break,
            _ => {}
        }
    }
}

/// Plays a few calls of customer `demo` through the mock server: two calls ring, are answered
/// and hang up, with a message event in between that the board ignores.
async fn play(server: &MockServer, pace: Duration) {
    let call = |kind: &str, id: &str, data: serde_json::Value, second: u32| {
        let mut data = data;
        data["id"] = json!(id);
        let event = json!({
            "event_type": kind,
            "timestamp": format!("2024-01-15T10:30:{second:02}.000000Z"),
            "topic": Topic::customer("demo").call(id).to_string(),
            "data": data,
        });
        serde_json::from_value::<ServerMessage>(event).expect("the demo's events are valid")
    };
    let ringing = |from: &str, to: &str| {
        json!({"status": "ringing", "customer_id": "demo",
               "source": {"type": "tel", "target": from},
               "destination": {"type": "tel", "target": to}})
    };
    let script = [
        call(
            "call.created",
            "c-101",
            ringing("+15551230001", "+15559870001"),
            0,
        ),
        call(
            "call.created",
            "c-102",
            ringing("+15551230002", "+15559870002"),
            2,
        ),
        call(
            "call.status",
            "c-101",
            json!({"status": "answered", "previous_status": "ringing"}),
            4,
        ),
        call(
            "call.status",
            "c-102",
            json!({"status": "answered", "previous_status": "ringing"}),
            6,
        ),
        call(
            "call.ended",
            "c-101",
            json!({"status": "hangup", "previous_status": "answered"}),
            30,
        ),
        call(
            "call.ended",
            "c-102",
            json!({"status": "hangup", "previous_status": "answered"}),
            45,
        ),
    ];
    for event in &script {
        tokio::time::sleep(pace).await;
        server.publish(event).await;
    }
}

async fn demo(pace: Duration) -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::bind("127.0.0.1:0", MockProtocol).await?;
    let (client, events) = Client::connect(server.url("/v1.0/ws?token=demo"))?;
    let closer = client.clone();
    let board = tokio::spawn(async move { run_board(client, events, "demo", true).await });
    if !server
        .wait_subscribed(&["customer_id:demo:call:*"], Duration::from_secs(10))
        .await
    {
        return Err("the board did not subscribe to the demo's calls".into());
    }
    play(&server, pace).await;
    // The board returns once the last call has ended; then hang up as Ctrl-C would.
    let finished = tokio::time::timeout(Duration::from_secs(10), board).await;
    closer.close().await;
    server.shutdown().await;
    match finished {
        Ok(_) => Ok(()),
        Err(_) => Err("the board did not see every call end".into()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match mode() {
        Ok(Mode::Demo { pace }) => demo(pace).await,
        Ok(Mode::Live { url, customer }) => match Client::connect(url) {
            Ok((client, events)) => {
                let stopper = client.clone();
                tokio::spawn(async move {
                    if tokio::signal::ctrl_c().await.is_ok() {
                        stopper.close().await;
                    }
                });
                run_board(client, events, &customer, false).await;

                Ok(())
            }
            Err(e) => Err(e.into()),
        },
        Err(usage) => Err(usage.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
