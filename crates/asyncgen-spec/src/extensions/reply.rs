//! `x-asyncgen-reply`: the synchronous reply to a webhook, for AsyncAPI 2.x documents.
//!
//! AsyncAPI 3 says it with the Operation's `reply`; 2.x has no way to say that a provider reads
//! the response to its request (Twilio's TwiML, an interaction's answer).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Extension, InContext, Problem};

/// The reply the provider reads from the response to this operation's messages (AsyncAPI 2.x;
/// 3.x documents use the Operation's `reply`): a Message Object, or a `$ref` to one. Its
/// payload is what the receiver's handler returns, written in its `contentType` (JSON, XML, or
/// text); the generated sender returns it decoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Reply(pub Map<String, Value>);

impl Extension for Reply {
    const NAME: &'static str = "x-asyncgen-reply";
    const ON: &'static [&'static str] = &["Operation"];

    fn problems(&self) -> Vec<Problem> {
        if self.0.is_empty() {
            vec![
                Problem::whole(
                    "`x-asyncgen-reply` is empty: it is the reply's Message Object, or a `$ref` to one",
                )
                .with_help("e.g. `x-asyncgen-reply: {$ref: '#/components/messages/Twiml'}`"),
            ]
        } else {
            Vec::new()
        }
    }
}

impl InContext for Reply {}
