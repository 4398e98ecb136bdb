//! Form-encoded bodies (`application/x-www-form-urlencoded`, as Twilio and Slack's slash
//! commands post them) turned into the JSON object generated decoders read, so a message's
//! typed payload describes a form's fields as it would a JSON body's.

use bytes::Bytes;
use serde_json::{Map, Value};

/// The JSON object of `body`'s fields: each name once, its value a string, or an array of
/// strings for a name given several times.
pub(crate) fn to_json(body: &[u8]) -> Bytes {
    let mut object = Map::new();
    for (name, value) in form_urlencoded::parse(body) {
        let value = Value::String(value.into_owned());
        match object.get_mut(name.as_ref()) {
            None => {
                object.insert(name.into_owned(), value);
            }
            Some(Value::Array(values)) => values.push(value),
            Some(first) => {
                let first = first.take();
                object.insert(name.into_owned(), Value::Array(vec![first, value]));
            }
        }
    }
    Bytes::from(Value::Object(object).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_become_strings_and_repeats_arrays() {
        let json: Value = serde_json::from_slice(&to_json(
            b"CallSid=CA1&From=%2B1555&Digits=1&Digits=2&Digits=3&Empty=",
        ))
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "CallSid": "CA1",
                "From": "+1555",
                "Digits": ["1", "2", "3"],
                "Empty": ""
            })
        );
        assert_eq!(&to_json(b"")[..], b"{}");
    }
}
