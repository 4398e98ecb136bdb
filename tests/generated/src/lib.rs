//! Every document's generated module, compiled together under `#![deny(warnings)]`, and one
//! round-trip test per message example (written by `build.rs`).
#![deny(warnings)]

include!(concat!(env!("OUT_DIR"), "/all.rs"));

/// Numbers compare by value: `300` and `300.0` are the same JSON number to a reader.
#[cfg(test)]
fn normalized(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },

        Value::Array(items) => Value::Array(items.into_iter().map(normalized).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalized(v))).collect())
        }
        other => other,
    }
}

/// Decodes an example into its generated type and encodes it back: nothing may be lost.
#[cfg(test)]
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(json: &str) {
    let original: serde_json::Value = serde_json::from_str(json).expect("example is JSON");
    let decoded: T = serde_json::from_value(original.clone())
        .unwrap_or_else(|e| panic!("example does not decode: {e}\n{json}"));
    let encoded = serde_json::to_value(&decoded).expect("encodes");
    assert_eq!(
        normalized(encoded),
        normalized(original),
        "example changed in a round trip"
    );
}

#[cfg(test)]
mod examples {
    include!(concat!(env!("OUT_DIR"), "/examples.rs"));
}
