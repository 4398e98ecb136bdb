//! A Dialer.CX webhook receiver written by hand with axum: the baseline the scaffolded receiver
//! (`asyncgen scaffold receiver specs/dialer-cx/webhooks.yml`) is measured against.
//!
//! POST /dialer-cx/webhook: `X-Webhook-Signature` must be the lowercase hex HMAC-SHA256 of the
//! raw body with the secret from `WEBHOOK_SIGNATURE` (401 otherwise); the body must parse as the
//! `{event, timestamp, data}` envelope, with typed data for `call.ended` (400 otherwise); 204.
//!
//!     WEBHOOK_SIGNATURE=secret receiver-baseline [--listen 127.0.0.1:0]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;

const PATH: &str = "/dialer-cx/webhook";

#[derive(Deserialize)]
struct Envelope<'a> {
    event: String,
    timestamp: String,
    #[serde(borrow)]
    data: &'a RawValue,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct CallEnded {
    call_id: String,
    agent: Option<String>,
    phone_number: Option<String>,
    duration: Option<i64>,
    disposition: Option<String>,
    campaign: Option<String>,
}

#[derive(Debug)]
#[allow(dead_code)]
enum Event {
    CallEnded {
        timestamp: String,
        data: CallEnded,
    },
    Other {
        event: String,
        timestamp: String,
        data: serde_json::Value,
    },
}

fn parse(body: &[u8]) -> serde_json::Result<Event> {
    let Envelope {
        event,
        timestamp,
        data,
    } = serde_json::from_slice(body)?;
    Ok(match event.as_str() {
        "call.ended" => Event::CallEnded {
            timestamp,
            data: serde_json::from_str(data.get())?,
        },
        _ => Event::Other {
            event,
            timestamp,
            data: serde_json::from_str(data.get())?,
        },
    })
}

async fn webhook(State(secret): State<Arc<[u8]>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(signature) = headers
        .get("x-webhook-signature")
        .and_then(|v| hex::decode(v.as_bytes()).ok())
    else {
        return StatusCode::UNAUTHORIZED;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).expect("HMAC takes any key length");
    mac.update(&body);
    if mac.verify_slice(&signature).is_err() {
        return StatusCode::UNAUTHORIZED;
    }
    match parse(&body) {
        Ok(event) => {
            std::hint::black_box(event);
            StatusCode::NO_CONTENT
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen: SocketAddr = "127.0.0.1:0".parse()?;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs ADDR")?.parse()?,
            _ => {
                return Err(format!(
                    "unknown argument `{arg}` (usage: receiver-baseline [--listen ADDR])"
                )
                .into());
            }
        }
    }
    let secret: Arc<[u8]> = std::env::var("WEBHOOK_SIGNATURE")
        .map_err(|_| "set WEBHOOK_SIGNATURE to the webhook secret")?
        .into_bytes()
        .into();
    let app = Router::new()
        .route(PATH, post(webhook))
        .layer(DefaultBodyLimit::max(256 * 1024))
        .with_state(secret);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("listening on http://{}{PATH}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
