//! Reading an extension's value with serde, and turning serde's first error into a [`Problem`]
//! a person understands, located at the failing field.
//!
//! serde's messages are written for programmers ("invalid type: integer `5`, expected struct
//! Delivery"); its message formats are stable, so they are rephrased here ("expected a mapping,
//! found the number 5") with the allowed values taken from the extension's own JSON Schema, which
//! is derived from the same type and therefore always agrees with it.

use serde_json::Value;

use super::{Extension, Problem, schema_for};
use crate::pointer::Pointer;

pub(crate) fn read<T: Extension>(value: &Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut path = Pointer::root();
        for segment in e.path().iter() {
            path = match segment {
                serde_path_to_error::Segment::Seq { index } => path.push_index(*index),
                serde_path_to_error::Segment::Map { key } => path.push(key),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => path,
            };
        }
        let schema = schema_for::<T>();
        explain(&schema, path, &e.into_inner().to_string())
    })
}

fn explain(schema: &Value, path: Pointer, message: &str) -> Problem {
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        let meaning = schema_at(schema, &path.push(field))
            .and_then(|s| s.get("description"))
            .and_then(Value::as_str);
        let p = Problem::key(path, format!("missing required field `{field}`"));
        return match meaning {
            Some(m) => p.with_help(format!("`{field}`: {}", first_sentence(m))),
            None => p,
        };
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = quoted(tail);
        // serde_path_to_error already records the key it was reading; older versions did not.
        let at = if path.last().as_deref() == Some(field) {
            path
        } else {
            path.push(field)
        };
        let p = Problem::key(at, format!("unknown field `{field}`"));
        let near = super::closest(field, allowed.iter().copied());
        return p.with_help(match (near, allowed.is_empty()) {
            (Some(n), _) => format!("did you mean `{n}`?"),
            (None, true) => "this object has no fields".to_owned(),
            (None, false) => format!("the fields are: {}", allowed.join(", ")),
        });
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (found, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = quoted(tail);
        let msg = format!(
            "`{found}` is not allowed here; expected {}",
            one_of(&allowed)
        );
        let p = Problem::value(path, msg);
        return match super::closest(found, allowed.iter().copied()) {
            Some(n) => p.with_help(format!("did you mean `{n}`?")),
            None => p,
        };
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|r| r.rsplit_once(", expected "))
    {
        let expected = match schema_at(schema, &path).map(allowed_values) {
            Some(values) if !values.is_empty() => {
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                one_of(&refs)
            }
            _ => plain_expected(expected),
        };
        return Problem::value(
            path,
            format!("expected {expected}, found {}", plain_found(found)),
        );
    }
    Problem::value(path, message.to_owned())
}

/// The backquoted names in serde's "expected one of `a`, `b`".
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn one_of(values: &[&str]) -> String {
    let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match listed.as_slice() {
        [] => "a known value".to_owned(),
        [one] => one.clone(),
        _ => format!("one of {}", listed.join(", ")),
    }
}

fn first_sentence(text: &str) -> &str {
    text.split_once(". ")
        .map_or(text, |(s, _)| s)
        .trim_end_matches('.')
}

/// serde's description of a found value ("integer `5`") in plain words.
fn plain_found(found: &str) -> String {
    let inner = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|r| r.trim_matches('`').to_owned())
    };
    if let Some(n) = inner("integer ").or_else(|| inner("floating point ")) {
        return format!("the number {n}");
    }
    if let Some(b) = inner("boolean ") {
        return format!("the boolean {b}");
    }
    if let Some(s) = found.strip_prefix("string ") {
        return format!("the string {s}");
    }
    match found {
        "sequence" => "a list".to_owned(),
        "map" => "a mapping".to_owned(),
        "unit value" | "null" => "null (an empty value)".to_owned(),
        other => other.to_owned(),
    }
}

/// serde's "expected" phrase in plain words; custom visitors already speak plainly.
fn plain_expected(expected: &str) -> String {
    if expected.starts_with("struct ") || expected == "a map" || expected == "map" {
        return "a mapping".to_owned();
    }
    match expected {
        "a sequence" => "a list".to_owned(),
        "f64" | "f32" => "a number".to_owned(),
        "u64" | "u32" | "i64" | "i32" => "a whole number".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "string or map" => "a string".to_owned(),
        other => other.to_owned(),
    }
}

/// The subschema describing the value at `path`, following `$ref`s into `$defs` and through
/// the `anyOf` schemars writes for `Option`s.
fn schema_at<'s>(root: &'s Value, path: &Pointer) -> Option<&'s Value> {
    let mut cur = deref(root, root)?;
    for token in path.tokens() {
        let next = cur
            .get("properties")
            .and_then(|p| p.get(token.as_ref()))
            .or_else(|| cur.get("items").filter(|_| token.parse::<usize>().is_ok()))
            .or_else(|| cur.get("additionalProperties").filter(|a| a.is_object()))?;
        cur = deref(root, next)?;
    }
    Some(cur)
}

fn deref<'s>(root: &'s Value, mut schema: &'s Value) -> Option<&'s Value> {
    for _ in 0..8 {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            schema = root.pointer(r.strip_prefix('#')?)?;
        } else if let Some(alts) = schema.get("anyOf").and_then(Value::as_array) {
            schema = alts
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) != Some("null"))?;
        } else {
            return Some(schema);
        }
    }
    None
}

/// The closed set of strings a schema allows (`enum`, or `oneOf` of `const`s), if it has one.
fn allowed_values(schema: &Value) -> Vec<String> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
    }
    schema
        .get("oneOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|alt| alt.get("const").and_then(Value::as_str).map(str::to_owned))
        .collect()
}
