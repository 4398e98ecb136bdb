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

/// Which part of a source schema a generated type must reproduce.
#[cfg(test)]
enum Check {
    Struct,
    Enum,
}

/// The JSON Schema derived from the generated type `T` names the same properties, requires the
/// same ones and lists the same enum values as the source schema (written by `build.rs`).
#[cfg(test)]
fn fidelity<T: schemars::JsonSchema>(
    check: Check,
    properties: &[&str],
    required: &[&str],
    values: &[&str],
) {
    use std::collections::BTreeSet;
    let schema = serde_json::to_value(schemars::schema_for!(T)).expect("schema is JSON");
    let strings = |v: Option<&serde_json::Value>| -> BTreeSet<String> {
        v.and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|s| s.to_string()).collect() };
    match check {
        Check::Struct => {
            let derived: BTreeSet<String> = schema
                .get("properties")
                .and_then(serde_json::Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            assert_eq!(
                derived,
                set(properties),
                "property names differ\n{schema:#}"
            );
            assert_eq!(
                strings(schema.get("required")),
                set(required),
                "required sets differ\n{schema:#}"
            );
        }
        Check::Enum => {
            // Known values are unit variants (`enum` / `const` in some branch); the catch-all
            // for unknown values is a plain string branch.
            let mut derived = BTreeSet::new();
            let branches = ["oneOf", "anyOf"]
                .iter()
                .filter_map(|k| schema.get(*k).and_then(serde_json::Value::as_array))
                .flatten()
                .chain(std::iter::once(&schema));
            for b in branches {
                derived.extend(strings(b.get("enum")));
                if let Some(c) = b.get("const").and_then(serde_json::Value::as_str) {
                    derived.insert(c.to_owned());
                }
            }
            assert_eq!(derived, set(values), "enum values differ\n{schema:#}");
        }
    }
}

/// Per document with webhook endpoints, every example payload arriving there with its message
/// name, for the end-to-end tests under `tests/`.
pub mod webhook_examples {
    include!(concat!(env!("OUT_DIR"), "/webhook_examples.rs"));
}

#[cfg(test)]
mod examples {

    include!(concat!(env!("OUT_DIR"), "/examples.rs"));
}
