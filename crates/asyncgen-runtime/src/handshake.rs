//! The requests some providers send before any event to check that an endpoint is theirs,
//! and their answers. The receiver answers them after verification, so only the provider
//! (who holds the key) can make the receiver prove it holds the secret.

use serde_json::{Value, json};

use crate::key::HmacHash;
use crate::scheme::Handshake;

/// The answer to `payload` if it is `handshake`'s request; `shared` is the webhook's secret
/// (Zoom proves the receiver holds it).
pub(crate) fn reply(handshake: Handshake, payload: &[u8], shared: Option<&[u8]>) -> Option<Value> {
    let body: Value = serde_json::from_slice(payload).ok()?;
    match handshake {
        Handshake::SlackUrlVerification => {
            if body.get("type")? != "url_verification" {
                return None;
            }
            let challenge = body.get("challenge")?.as_str()?;
            Some(json!({ "challenge": challenge }))
        }
        Handshake::ZoomUrlValidation => {
            if body.get("event")? != "endpoint.url_validation" {
                return None;
            }
            let token = body.pointer("/payload/plainToken")?.as_str()?;
            let mac = HmacHash::Sha256.mac(shared?, token.as_bytes());
            Some(json!({ "plainToken": token, "encryptedToken": hex::encode(mac) }))
        }
        Handshake::DiscordPing => (body.get("type")?.as_u64()? == 1).then(|| json!({ "type": 1 })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_echoes_the_challenge() {
        let req = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
        assert_eq!(
            reply(Handshake::SlackUrlVerification, req, None),
            Some(json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}))
        );
        let event = br#"{"type":"event_callback","event":{}}"#;
        assert_eq!(reply(Handshake::SlackUrlVerification, event, None), None);
    }

    #[test]
    fn zoom_answers_with_the_hmac_of_the_plain_token() {
        let req = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
        let answer = reply(Handshake::ZoomUrlValidation, req, Some(b"secret")).unwrap();
        assert_eq!(answer["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
        assert_eq!(
            answer["encryptedToken"],
            hex::encode(HmacHash::Sha256.mac(b"secret", b"qgg8vlvZRS6UYooatFL8Aw"))
        );
        assert_eq!(reply(Handshake::ZoomUrlValidation, req, None), None);
        let event = br#"{"event":"meeting.started","payload":{}}"#;
        assert_eq!(reply(Handshake::ZoomUrlValidation, event, Some(b"k")), None);
    }

    #[test]
    fn discord_pongs_a_ping_only() {
        assert_eq!(
            reply(Handshake::DiscordPing, br#"{"type":1,"id":"1"}"#, None),
            Some(json!({"type": 1}))
        );
        assert_eq!(reply(Handshake::DiscordPing, br#"{"type":2}"#, None), None);
        assert_eq!(reply(Handshake::DiscordPing, b"not json", None), None);
    }
}
