//! Receives Dialer.CX webhooks: verifies each request's `X-Webhook-Signature` (an HMAC-SHA256
//! of the body keyed with `WEBHOOK_SIGNATURE`), stores the event durably, answers 202, then
//! prints one line per call and agent event. See README.md for a signed request to try.

mod api {
    asyncgen_runtime::include_spec!("webhooks");
}

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use api::receiver::{WebhookHandler, WebhookRoute};
use asyncgen_runtime::receiver::{HandlerError, Receiver};
use tokio_util::sync::CancellationToken;

/// What this receiver does with each event: one line on stdout. Every message it leaves alone
/// reaches `fallback`, and an event type Dialer.CX adds later reaches `unknown`.
struct Calls;

impl WebhookHandler for Calls {
    async fn call_started(&self, event: api::CallStartedWebhook) -> Result<(), HandlerError> {
        let data = event.data;
        println!(
            "call {} started: {} → {}",
            data.call_id,
            data.agent.as_deref().unwrap_or("(no agent)"),
            data.phone_number.as_deref().unwrap_or("(no number)")
        );
        Ok(())
    }

    async fn call_ended(&self, event: api::CallEndedWebhook) -> Result<(), HandlerError> {
        let data = event.data;
        println!(
            "call {} ended after {} s: {}",
            data.call_id,
            data.duration.unwrap_or_default(),
            data.disposition.as_deref().unwrap_or("(no disposition)")
        );
        Ok(())
    }

    async fn fallback(&self, event: api::WebhookEvent) -> Result<(), HandlerError> {
        println!("{}", event.message_name().unwrap_or("unknown event"));
        Ok(())
    }
}

/// `--listen ADDR` (default 127.0.0.1:8080) and `--data-dir DIR` (default: a directory under
/// the system's temporary directory), nothing else: an example, not a CLI.
fn options() -> Result<(SocketAddr, PathBuf), String> {
    let mut listen: SocketAddr = ([127, 0, 0, 1], 8080).into();
    let mut data = std::env::temp_dir().join("dialer-cx-receiver");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--listen" => listen = value.parse().map_err(|e| format!("--listen: {e}"))?,
            "--data-dir" => data = value.into(),
            _ => {
                return Err(format!(
                    "unknown argument {arg}; try --listen ADDR --data-dir DIR"
                ));
            }
        }
    }
    Ok((listen, data))
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let (listen, data_dir) = options()?;
    // The secret comes from WEBHOOK_SIGNATURE (named after the document's security scheme);
    // without it the receiver does not start.
    let receiver = Receiver::builder()
        .route(WebhookRoute::new(Calls).route()?)
        .data_dir(data_dir)
        .build()?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!(
        "listening on http://{}{}",
        listener.local_addr()?,
        api::receiver::WEBHOOK_PATH
    );
    let shutdown = CancellationToken::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        on_signal.cancel();
    });
    receiver.serve(listener, shutdown).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
