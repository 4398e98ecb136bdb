//! The named schemes of widely integrated providers (`x-asyncgen-signature: { preset: NAME }`):
//! each is the provider's published scheme written in the general vocabulary, with where it
//! was read, so that a document names a provider instead of restating its scheme.

use crate::algorithm::{
    Handshake, KeyFormat, SignatureAlgorithm as A, SignatureEncoding as E, TimestampUnit,
};
use crate::template::TimestampSource;

/// Where a provider puts the id that stays the same across redeliveries of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventId<'a> {
    /// A request header (`X-GitHub-Delivery`).
    Header(&'a str),
    /// A field of the JSON body, as a JSON pointer (`/id`).
    Field(&'a str),
}

/// A preset's signed timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetTimestamp {
    pub source: TimestampSource<'static>,
    pub unit: TimestampUnit,
    pub tolerance_secs: u64,
}

/// How a provider delivers: its per-attempt timeout and the delays before each retry (each
/// counted from the previous failure), as it documents them; what a sender imitating it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresetDelivery {
    pub timeout_secs: u64,
    pub retries_secs: &'static [u64],
}

/// One provider's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// What a document writes after `preset:`.
    pub name: &'static str,
    /// The provider, as it names itself.
    pub provider: &'static str,
    /// The provider's documentation of the scheme.
    pub source: &'static str,
    /// The header carrying the signature; `None` when it is in a body field.
    pub header: Option<&'static str>,
    /// The body field carrying the signature (a JSON pointer), for providers that sign inside
    /// the body (Mailgun).
    pub field: Option<&'static str>,
    pub algorithm: A,
    pub encoding: E,
    /// Text before each signature (`sha256=`, `v1,`).
    pub prefix: Option<&'static str>,
    /// Text between the items of the signature header (several signatures, or `key=value`
    /// elements).
    pub separator: Option<&'static str>,
    /// What is signed (see [`crate::SignedPart`]).
    pub signed_payload: &'static str,
    pub timestamp: Option<PresetTimestamp>,
    /// How the dashboard shows the key.
    pub key: KeyFormat,
    /// The id of an event across redeliveries, which the receiver dedupes on.
    pub event_id: Option<EventId<'static>>,
    /// The request the provider sends before any event, answered by the receiver.
    pub handshake: Option<Handshake>,
    /// The provider posts `application/x-www-form-urlencoded` bodies.
    pub form: bool,
    /// The provider's documented timeout and retry schedule, where it publishes one.
    pub delivery: Option<PresetDelivery>,
    /// The request header in which the provider names the event type, for providers that send
    /// one payload shape for several events (`X-GitHub-Event: push`).
    pub event_header: Option<&'static str>,
}

const fn secs(source: TimestampSource<'static>, tolerance_secs: u64) -> Option<PresetTimestamp> {
    Some(PresetTimestamp {
        source,
        unit: TimestampUnit::Seconds,
        tolerance_secs,
    })
}

const fn millis(source: TimestampSource<'static>, tolerance_secs: u64) -> Option<PresetTimestamp> {
    Some(PresetTimestamp {
        source,
        unit: TimestampUnit::Milliseconds,
        tolerance_secs,
    })
}

/// A body HMAC-SHA256 in `header`, nothing else: what the presets below start from.
const fn base(name: &'static str, provider: &'static str, source: &'static str) -> Preset {
    Preset {
        name,
        provider,
        source,
        header: None,
        field: None,
        algorithm: A::HmacSha256,
        encoding: E::Hex,
        prefix: None,
        separator: None,
        signed_payload: "{body}",
        timestamp: None,
        key: KeyFormat::Text,
        event_id: None,
        handshake: None,
        form: false,
        delivery: None,
        event_header: None,
    }
}

use TimestampSource::{Element, Field, Header};

/// Every preset, by name.
pub const PRESETS: &[Preset] = &[
    Preset {
        header: Some("X-Hub-Signature-256"),
        prefix: Some("sha256="),
        event_id: Some(EventId::Header("X-GitHub-Delivery")),
        // https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
        event_header: Some("X-GitHub-Event"),
        // "respond with a 2XX response within 10 seconds"; failed deliveries are not retried.
        delivery: Some(PresetDelivery {
            timeout_secs: 10,
            retries_secs: &[],
        }),
        ..base(
            "github",
            "GitHub",
            "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
        )
    },
    Preset {
        header: Some("Stripe-Signature"),
        prefix: Some("v1="),
        separator: Some(","),
        signed_payload: "{timestamp}.{body}",
        timestamp: secs(Element("t="), 300),
        event_id: Some(EventId::Field("/id")),
        ..base(
            "stripe",
            "Stripe",
            "https://docs.stripe.com/webhooks#verify-manually",
        )
    },
    Preset {
        header: Some("X-Slack-Signature"),
        prefix: Some("v0="),
        signed_payload: "v0:{timestamp}:{body}",
        timestamp: secs(Header("X-Slack-Request-Timestamp"), 300),
        event_id: Some(EventId::Field("/event_id")),
        handshake: Some(Handshake::SlackUrlVerification),
        // Events API: acknowledged within 3 s, else retried immediately, after 1 and 5 minutes.
        delivery: Some(PresetDelivery {
            timeout_secs: 3,
            retries_secs: &[0, 60, 300],
        }),
        ..base(
            "slack",
            "Slack",
            "https://api.slack.com/authentication/verifying-requests-from-slack",
        )
    },
    Preset {
        header: Some("X-Shopify-Hmac-Sha256"),
        encoding: E::Base64,
        event_id: Some(EventId::Header("X-Shopify-Webhook-Id")),
        // https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook-to-ensure-its-coming-from-shopify
        event_header: Some("X-Shopify-Topic"),
        ..base(
            "shopify",
            "Shopify",
            "https://shopify.dev/docs/apps/build/webhooks/subscribe/https",
        )
    },
    Preset {
        header: Some("X-Twilio-Signature"),
        algorithm: A::HmacSha1,
        encoding: E::Base64,
        signed_payload: "{url}{form}",
        event_id: Some(EventId::Header("I-Twilio-Idempotency-Token")),
        form: true,
        // 15 s by default; retries only where the URL's connection overrides ask for them.
        delivery: Some(PresetDelivery {
            timeout_secs: 15,
            retries_secs: &[],
        }),
        ..base(
            "twilio",
            "Twilio",
            "https://www.twilio.com/docs/usage/webhooks/webhooks-security",
        )
    },
    Preset {
        header: Some("webhook-signature"),
        encoding: E::Base64,
        prefix: Some("v1,"),
        separator: Some(" "),
        signed_payload: "{header:webhook-id}.{timestamp}.{body}",
        timestamp: secs(Header("webhook-timestamp"), 300),
        key: KeyFormat::Whsec,
        event_id: Some(EventId::Header("webhook-id")),
        ..base(
            "standard-webhooks",
            "Standard Webhooks",
            "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
        )
    },
    Preset {
        header: Some("svix-signature"),
        encoding: E::Base64,
        prefix: Some("v1,"),
        separator: Some(" "),
        signed_payload: "{header:svix-id}.{timestamp}.{body}",
        timestamp: secs(Header("svix-timestamp"), 300),
        key: KeyFormat::Whsec,
        event_id: Some(EventId::Header("svix-id")),
        // https://docs.svix.com/retries: a 2xx within 15 s; then immediately, 5 s, 5 min,
        // 30 min, 2 h, 5 h, 10 h and 10 h after each failure.
        delivery: Some(PresetDelivery {
            timeout_secs: 15,
            retries_secs: &[0, 5, 300, 1800, 7200, 18000, 36000, 36000],
        }),
        ..base(
            "svix",
            "Svix",
            "https://docs.svix.com/receiving/verifying-payloads/how-manual",
        )
    },
    Preset {
        header: Some("x-zm-signature"),
        prefix: Some("v0="),
        signed_payload: "v0:{timestamp}:{body}",
        timestamp: secs(Header("x-zm-request-timestamp"), 300),
        handshake: Some(Handshake::ZoomUrlValidation),
        // 200 or 204 within 3 s, else retried 5, 20 and 60 minutes after each failure.
        delivery: Some(PresetDelivery {
            timeout_secs: 3,
            retries_secs: &[300, 1200, 3600],
        }),
        ..base(
            "zoom",
            "Zoom",
            "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events",
        )
    },
    Preset {
        header: Some("X-Hub-Signature"),
        algorithm: A::HmacSha1,
        prefix: Some("sha1="),
        event_id: Some(EventId::Field("/id")),
        ..base(
            "intercom",
            "Intercom",
            "https://developers.intercom.com/docs/webhooks/webhook-notifications#signed-notifications",
        )
    },
    Preset {
        header: Some("X-HubSpot-Signature-v3"),
        encoding: E::Base64,
        signed_payload: "{method}{url}{body}{timestamp}",
        timestamp: millis(Header("X-HubSpot-Request-Timestamp"), 300),
        ..base(
            "hubspot-v3",
            "HubSpot",
            "https://developers.hubspot.com/docs/api/webhooks/validating-requests",
        )
    },
    Preset {
        header: Some("x-square-hmacsha256-signature"),
        encoding: E::Base64,
        signed_payload: "{url}{body}",
        event_id: Some(EventId::Field("/event_id")),
        ..base(
            "square",
            "Square",
            "https://developer.squareup.com/docs/webhooks/step3validate",
        )
    },
    Preset {
        header: Some("X-PagerDuty-Signature"),
        prefix: Some("v1="),
        separator: Some(","),
        event_id: Some(EventId::Field("/event/id")),
        ..base(
            "pagerduty",
            "PagerDuty",
            "https://developer.pagerduty.com/docs/webhooks/webhook-signatures/",
        )
    },
    Preset {
        header: Some("Linear-Signature"),
        timestamp: millis(Field("/webhookTimestamp"), 60),
        event_id: Some(EventId::Header("Linear-Delivery")),
        // "Linear-Event: the type of entity that triggered the webhook (Issue, Comment, ...)".
        event_header: Some("Linear-Event"),
        ..base(
            "linear",
            "Linear",
            "https://linear.app/developers/webhooks#securing-webhooks",
        )
    },
    Preset {
        header: Some("X-Twilio-Email-Event-Webhook-Signature"),
        algorithm: A::EcdsaP256Sha256,
        encoding: E::Base64,
        signed_payload: "{timestamp}{body}",
        timestamp: secs(Header("X-Twilio-Email-Event-Webhook-Timestamp"), 300),
        key: KeyFormat::Base64,
        ..base(
            "sendgrid",
            "SendGrid",
            "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features",
        )
    },
    Preset {
        header: Some("X-Signature-Ed25519"),
        algorithm: A::Ed25519,
        signed_payload: "{timestamp}{body}",
        timestamp: secs(Header("X-Signature-Timestamp"), 300),
        key: KeyFormat::Hex,
        event_id: Some(EventId::Field("/id")),
        handshake: Some(Handshake::DiscordPing),
        ..base(
            "discord",
            "Discord",
            "https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers",
        )
    },
    Preset {
        field: Some("/signature/signature"),
        signed_payload: "{timestamp}{field:/signature/token}",
        timestamp: secs(Field("/signature/timestamp"), 300),
        event_id: Some(EventId::Field("/event-data/id")),
        ..base(
            "mailgun",
            "Mailgun",
            "https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks",
        )
    },
    Preset {
        header: Some("Paddle-Signature"),
        prefix: Some("h1="),
        separator: Some(";"),
        signed_payload: "{timestamp}:{body}",
        timestamp: secs(Element("ts="), 5),
        event_id: Some(EventId::Field("/event_id")),
        ..base(
            "paddle",
            "Paddle",
            "https://developer.paddle.com/webhooks/signature-verification",
        )
    },
    Preset {
        header: Some("telnyx-signature-ed25519"),
        algorithm: A::Ed25519,
        encoding: E::Base64,
        signed_payload: "{timestamp}|{body}",
        timestamp: secs(Header("telnyx-timestamp"), 300),
        key: KeyFormat::Base64,
        event_id: Some(EventId::Field("/data/id")),
        ..base(
            "telnyx",
            "Telnyx",
            "https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks",
        )
    },
    Preset {
        header: Some("X-Plivo-Signature-V3"),
        encoding: E::Base64,
        separator: Some(","),
        signed_payload: "{sorted-url-form}.{header:X-Plivo-Signature-V3-Nonce}",
        event_id: Some(EventId::Field("/CallUUID")),
        form: true,
        ..base(
            "plivo",
            "Plivo",
            "https://www.plivo.com/docs/voice/concepts/signature-validation",
        )
    },
    Preset {
        header: Some("Authorization"),
        algorithm: A::JwtHs256,
        encoding: E::Base64url,
        prefix: Some("Bearer "),
        event_id: Some(EventId::Field("/message_uuid")),
        ..base(
            "vonage",
            "Vonage",
            "https://developer.vonage.com/en/getting-started/concepts/webhooks#decoding-signed-webhooks",
        )
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// Every preset name, for messages that list them.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::signed_parts;

    /// A preset is a document's whole scheme: it must pass the checks a document's own
    /// scheme passes.
    #[test]
    fn every_preset_is_a_valid_scheme() {
        let mut seen = std::collections::HashSet::new();
        for p in PRESETS {
            assert!(seen.insert(p.name), "{} twice", p.name);
            assert_ne!(p.header.is_some(), p.field.is_some(), "{}", p.name);
            assert!(p.key.fits(p.algorithm), "{}", p.name);
            assert!(p.source.starts_with("https://"), "{}", p.name);
            let ts = p.timestamp.map(|t| t.source);
            signed_parts(p.signed_payload, ts).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            if let Some(t) = p.timestamp {
                assert!(t.tolerance_secs > 0, "{}", p.name);
                if let TimestampSource::Element(_) = t.source {
                    assert!(
                        p.separator.is_some(),
                        "{}: an element needs a separator",
                        p.name
                    );
                }
            }
        }
        assert_eq!(preset("stripe").map(|p| p.provider), Some("Stripe"));
        assert_eq!(preset("nope"), None);
        assert_eq!(names().len(), PRESETS.len());
    }
}
