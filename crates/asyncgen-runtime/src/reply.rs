//! Synchronous replies: the body some providers read from the response to a webhook (Twilio's
//! TwiML, an interaction's JSON answer). One [`ReplyFormat`] encodes it on the receiver's side
//! and decodes it on the sender's, so the two sides cannot disagree on the wire form.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How a reply's payload is written, chosen by the reply message's content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyFormat {
    /// `application/json` and every `+json` type.
    Json,
    /// `application/xml`, `text/xml` and every `+xml` type: the payload is the content of the
    /// element `root`, after an XML declaration.
    Xml {
        /// The document element's name (TwiML's `Response`).
        root: &'static str,
    },
    /// Any other `text/*` type: a string payload as it is, any other value as its JSON text.
    Text,
}

/// A reply's payload could not be written or read in its format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Not JSON of the reply's type.
    #[error("the reply is not JSON of its type: {0}")]
    Json(#[from] serde_json::Error),
    /// Not XML of the reply's type.
    #[error("the reply is not XML of its type: {0}")]
    Xml(String),
    /// A text reply that is not UTF-8.
    #[error("the reply is not UTF-8 text")]
    Text,
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

impl ReplyFormat {
    /// `value` in this format.
    pub fn encode<T: Serialize + ?Sized>(self, value: &T) -> Result<Bytes, ReplyError> {
        match self {
            ReplyFormat::Json => Ok(serde_json::to_vec(value)?.into()),
            ReplyFormat::Xml { root } => {
                let xml = quick_xml::se::to_string_with_root(root, value)
                    .map_err(|e| ReplyError::Xml(e.to_string()))?;
                Ok(format!("{XML_DECLARATION}{xml}").into())
            }
            ReplyFormat::Text => match serde_json::to_value(value)? {
                serde_json::Value::String(text) => Ok(text.into()),
                other => Ok(other.to_string().into()),
            },
        }
    }

    /// A reply body in this format, as `T`.
    pub fn decode<T: DeserializeOwned>(self, body: &[u8]) -> Result<T, ReplyError> {
        match self {
            ReplyFormat::Json => Ok(serde_json::from_slice(body)?),
            ReplyFormat::Xml { .. } => {
                let text = std::str::from_utf8(body).map_err(|_| ReplyError::Text)?;
                quick_xml::de::from_str(text).map_err(|e| ReplyError::Xml(e.to_string()))
            }
            ReplyFormat::Text => {
                let text = std::str::from_utf8(body).map_err(|_| ReplyError::Text)?;
                // A string type takes the text as it is; a number or a structure, its JSON.
                serde_json::from_value(serde_json::Value::String(text.to_owned()))
                    .or_else(|_| serde_json::from_str(text))
                    .map_err(ReplyError::Json)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Response {
        #[serde(rename = "Say")]
        say: String,
        #[serde(rename = "Hangup", skip_serializing_if = "Option::is_none")]
        hangup: Option<String>,
    }

    /// TwiML as Twilio reads it: the declaration, the root element, one element per field.
    #[test]
    fn xml_is_the_root_element_with_one_element_per_field() {
        let format = ReplyFormat::Xml { root: "Response" };
        let reply = Response {
            say: "Hello & welcome".into(),
            hangup: None,
        };
        let body = format.encode(&reply).expect("encodes");
        assert_eq!(
            std::str::from_utf8(&body).expect("text"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Hello &amp; welcome</Say></Response>"
        );
        assert_eq!(format.decode::<Response>(&body).expect("decodes"), reply);
        assert!(matches!(
            format.decode::<Response>(b"<Response><Pause/></Response>"),
            Err(ReplyError::Xml(_))
        ));
        assert!(matches!(
            format.decode::<Response>(b"\xff"),
            Err(ReplyError::Text)
        ));
    }

    #[test]
    fn json_round_trips_and_refuses_what_is_not_its_type() {
        let value = serde_json::json!({"type": 4, "data": {"content": "pong"}});
        let body = ReplyFormat::Json.encode(&value).expect("encodes");
        assert_eq!(&body[..], br#"{"type":4,"data":{"content":"pong"}}"#);
        let back: serde_json::Value = ReplyFormat::Json.decode(&body).expect("decodes");
        assert_eq!(back, value);
        assert!(matches!(
            ReplyFormat::Json.decode::<Response>(&body),
            Err(ReplyError::Json(_))
        ));
    }

    /// Text is the string itself (no quotes); a number is its JSON text, read back as a number.
    #[test]
    fn text_is_the_string_itself() {
        let body = ReplyFormat::Text.encode("OK \"quoted\"").expect("encodes");
        assert_eq!(&body[..], b"OK \"quoted\"");
        let back: String = ReplyFormat::Text.decode(&body).expect("decodes");
        assert_eq!(back, "OK \"quoted\"");
        let body = ReplyFormat::Text.encode(&42u32).expect("encodes");
        assert_eq!(&body[..], b"42");
        assert_eq!(ReplyFormat::Text.decode::<u32>(&body).expect("decodes"), 42);
        assert!(matches!(
            ReplyFormat::Text.decode::<u32>(b"forty-two"),
            Err(ReplyError::Json(_))
        ));
        assert!(matches!(
            ReplyFormat::Text.decode::<String>(b"\xff"),
            Err(ReplyError::Text)
        ));
    }
}
