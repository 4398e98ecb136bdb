//! Webhooks whose provider reads the response (an interaction's JSON answer, TwiML): the
//! generated handler method returns the reply's type, the generated receiver writes it in the
//! reply message's content type even under queued delivery, and the generated sender reads it
//! back typed; messages without a reply keep their defaults and get no body.

mod common;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen_generated_tests::regression_reply_json_interaction_v3 as chat;
use asyncgen_generated_tests::regression_reply_xml_twiml_v2 as voice;
use asyncgen_runtime::receiver::{Delivery, HandlerError, Verifier};
use asyncgen_runtime::sender::DeliveryPolicy;
use common::Running;

fn policy() -> DeliveryPolicy {
    DeliveryPolicy::new(Duration::from_secs(10), &[])
}

/// Answers a command with its name, a component with an acknowledgement, and fails a command
/// named `fail`; records what reached `fallback`.
#[derive(Clone, Default)]
struct Bot(Arc<Mutex<Vec<Option<&'static str>>>>);

impl chat::receiver::WebhookHandler for Bot {
    fn application_command(
        &self,
        event: chat::types::ApplicationCommandPayload,
    ) -> impl Future<Output = Result<chat::types::InteractionResponsePayload, HandlerError>> + Send
    {
        let name = event.data.name;
        async move {
            if name == "fail" {
                return Err(HandlerError::msg("no answer"));
            }
            Ok(chat::types::InteractionResponsePayload {
                r#type: 4,
                data: Some(chat::types::InteractionResponsePayloadData {
                    content: Some(format!("Hello from /{name}")),
                }),
            })
        }
    }

    fn message_component(
        &self,
        _event: chat::types::MessageComponentPayload,
    ) -> impl Future<Output = Result<chat::types::InteractionResponsePayload, HandlerError>> + Send
    {
        std::future::ready(Ok(chat::types::InteractionResponsePayload {
            r#type: 6,
            data: None,
        }))
    }

    fn fallback(
        &self,
        event: chat::types::WebhookEvent,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self.0.lock().expect("lock").push(event.message_name());
        std::future::ready(Ok(()))
    }
}

#[tokio::test]
async fn a_json_reply_reaches_the_sender_typed() {
    let bot = Bot::default();
    let route = chat::receiver::WebhookRoute::new(bot.clone()).route_at(
        chat::receiver::WEBHOOK_PATH,
        Verifier::insecure_no_verification(),
    );
    // Queued: the replying messages are still answered in the request.
    let server = Running::start(route, Delivery::Queued).await;
    let url = server.url(chat::receiver::WEBHOOK_PATH);
    let sender = chat::sender::WebhookSender::with_policy(&url, None, policy()).expect("sender");

    let command = chat::types::ApplicationCommandPayload {
        r#type: 2,
        id: "1187".into(),
        data: chat::types::ApplicationCommandPayloadData {
            name: "hello".into(),
        },
    };
    let replied = sender
        .send_application_command(&command)
        .await
        .expect("answered");
    assert_eq!(replied.delivered.status, 200);
    assert_eq!(replied.reply.r#type, 4);
    assert_eq!(
        replied.reply.data.and_then(|d| d.content).as_deref(),
        Some("Hello from /hello")
    );

    let component = chat::types::MessageComponentPayload {
        r#type: 3,
        id: "1188".into(),
        data: chat::types::MessageComponentPayloadData {
            custom_id: "accept".into(),
        },
    };
    let replied = sender
        .send_message_component(&component)
        .await
        .expect("answered");
    assert_eq!(replied.reply.r#type, 6);
    assert_eq!(replied.reply.data, None);

    // A message without a reply is queued and accepted with no body.
    let entitlement = chat::types::EntitlementCreatePayload {
        event_type: Default::default(),
        sku_id: "53908232506183680".into(),
    };
    let delivered = sender
        .send_entitlement_create(&entitlement)
        .await
        .expect("accepted");
    assert_eq!(delivered.status, 202);

    // The handler's failure is the provider's 500: it retries, nothing is answered.
    let failed = sender
        .send_application_command(&chat::types::ApplicationCommandPayload {
            data: chat::types::ApplicationCommandPayloadData {
                name: "fail".into(),
            },
            ..command
        })
        .await
        .expect_err("failed");
    assert!(failed.to_string().contains("500"), "{failed}");
    for _ in 0..3000 {
        if !bot.0.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop().await;
    assert_eq!(*bot.0.lock().expect("lock"), [Some("entitlementCreate")]);
}

/// Answers every call with a greeting naming the caller.
#[derive(Clone, Default)]
struct Ivr;

impl voice::receiver::WebhookHandler for Ivr {
    fn incoming_call(
        &self,
        event: voice::types::IncomingCallPayload,
    ) -> impl Future<Output = Result<voice::types::Twiml, HandlerError>> + Send {
        std::future::ready(Ok(voice::types::Twiml {
            say: Some(format!("Hello {} & welcome", event.from)),
            hangup: None,
        }))
    }
}

#[tokio::test]
async fn an_xml_reply_is_twiml_and_reaches_the_sender_typed() {
    let route = voice::receiver::WebhookRoute::new(Ivr).route_at(
        voice::receiver::WEBHOOK_PATH,
        Verifier::insecure_no_verification(),
    );
    let server = Running::start(route, Delivery::Queued).await;
    let url = server.url(voice::receiver::WEBHOOK_PATH);
    let call = voice::types::IncomingCallPayload {
        call_sid: "CA5a0e1b1d7f".into(),
        from: "+15005550006".into(),
        to: "+15005550001".into(),
        direction: None,
    };

    // On the wire, as the provider reads it.
    let response = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&call).expect("JSON"))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/xml");
    assert_eq!(
        response.text().await.expect("body"),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello +15005550006 &amp; welcome</Say></Response>"#
    );

    let sender = voice::sender::WebhookSender::with_policy(&url, None, policy()).expect("sender");
    let replied = sender.send_incoming_call(&call).await.expect("answered");
    assert_eq!(
        replied.reply,
        voice::types::Twiml {
            say: Some("Hello +15005550006 & welcome".into()),
            hangup: None,
        }
    );
    server.stop().await;
}
