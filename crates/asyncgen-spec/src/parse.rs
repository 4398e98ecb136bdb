//! Text to `serde_json::Value`: YAML through serde_yaml, JSON through serde_json, with syntax
//! errors (duplicate keys included) turned into located diagnostics.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::diagnostic::Code;
use crate::source::Format;

/// A parse failure with the parser's own position (1-based), when it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub code: Code,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Where the parser was when it failed ("while parsing a flow sequence" at 7:14).
    pub context: Option<(String, u32, u32)>,
    /// For a duplicate key, the key (its position is found from the source map).
    pub duplicate: Option<String>,
}

impl ParseError {
    fn at(code: Code, message: impl Into<String>, line: Option<u32>, column: Option<u32>) -> Self {
        ParseError {
            code,
            message: message.into(),
            line,
            column,
            context: None,
            duplicate: None,
        }
    }
}

/// Decodes bytes as UTF-8. On failure the error points at the first bad byte, and the text is
/// still returned (lossily) so the offending line can be shown.
pub fn decode(bytes: Vec<u8>) -> (String, Option<ParseError>) {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            (s, None)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let head = &e.as_bytes()[..valid];
            let line = head.iter().filter(|b| **b == b'\n').count() + 1;
            let column = valid - head.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let err = ParseError::at(
                Code::NotUtf8,
                format!("the file is not UTF-8 text (invalid byte at offset {valid})"),
                u32::try_from(line).ok(),
                u32::try_from(column).ok(),
            );
            (text, Some(err))
        }
    }
}

/// True when the text holds nothing but blank lines, comments and document markers.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// Deserializes into a `serde_json::Value`, refusing duplicate mapping keys (both parsers
/// would silently keep the last one, hiding a mistake the author did not mean to make).
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(Strict)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{key}` in this mapping"
                )));
            }
            let value = map.next_value_seed(Strict)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

pub fn parse(text: &str, format: Format) -> Result<Value, ParseError> {
    if is_blank(text) {
        return Err(ParseError::at(
            Code::EmptyDocument,
            "the file is empty: an AsyncAPI document was expected",
            Some(1),
            Some(1),
        ));
    }
    match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let result = Strict
                .deserialize(&mut de)
                .and_then(|v| de.end().map(|()| v));
            result.map_err(|e| {
                let (line, column) = json_position(text, e.line(), e.column());
                let mut err = describe(&e.to_string());
                err.line = line;
                err.column = column;
                err
            })
        }
        Format::Yaml => Strict
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .map_err(|e| {
                let raw = e.to_string();
                let mut err = describe(&raw);
                match e.location() {
                    Some(loc) => {
                        err.line = u32::try_from(loc.line()).ok();
                        err.column = u32::try_from(loc.column()).ok();
                    }
                    None if raw.contains("more than one document") => {
                        (err.line, err.column) = second_document(text);
                    }
                    None => {}
                }
                err
            }),
    }
}

/// serde_json reports an error at a line break as column 0 of the next line; show it at the
/// end of the line where the problem is.
fn json_position(text: &str, line: usize, column: usize) -> (Option<u32>, Option<u32>) {
    if line == 0 {
        return (None, None);
    }
    if column > 0 {
        return (u32::try_from(line).ok(), u32::try_from(column).ok());
    }
    let prev = line.saturating_sub(1).max(1);
    let len = text.lines().nth(prev - 1).map_or(0, |l| l.chars().count());
    (u32::try_from(prev).ok(), u32::try_from(len + 1).ok())
}

/// The line of the `---` that starts a second document (serde_yaml gives no position).
fn second_document(text: &str) -> (Option<u32>, Option<u32>) {
    let mut seen_content = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_end();
        if t.starts_with("---") && seen_content {
            return (u32::try_from(i + 1).ok(), Some(1));
        }
        if !(t.is_empty() || t.starts_with('#') || t.starts_with("---") || t.starts_with('%')) {
            seen_content = true;
        }
    }
    (None, None)
}

/// Splits a parser message into what went wrong and the parser's context, both without the
/// positions (the diagnostic shows those itself).
fn describe(message: &str) -> ParseError {
    let code = if message.contains("recursion limit exceeded") {
        Code::TooDeep
    } else {
        Code::Syntax
    };
    let (head, tail) = match message.find(" at line ") {
        Some(i) => (&message[..i], &message[i..]),
        None => (message, ""),
    };
    let head = if code == Code::TooDeep {
        "the document nests deeper than 128 levels"
    } else {
        head
    };
    let mut err = ParseError::at(code, head, None, None);
    if let Some(i) = head.find("duplicate key `") {
        err.duplicate = head[i + 15..].split('`').next().map(str::to_owned);
        err.message = head[i..].to_owned();
    }

    // serde_yaml: "... at line 9 column 1, while parsing a flow sequence at line 7 column 14"
    if let Some(i) = tail.find(", while ") {
        let ctx = &tail[i + 2..];
        if let Some(j) = ctx.find(" at line ") {
            let mut nums = ctx[j + 9..]
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty());
            let line = nums.next().and_then(|n| n.parse().ok());
            let col = nums.next().and_then(|n| n.parse().ok());
            if let (Some(l), Some(c)) = (line, col) {
                err.context = Some((ctx[..j].to_owned(), l, c));
            }
        }
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_error_is_located_with_context() {
        let e = parse("a: 1\nb: [x,\n  y\nc: 2\n", Format::Yaml).unwrap_err();
        assert_eq!(e.code, Code::Syntax);
        assert!(e.line.is_some());
        assert!(!e.message.contains(" at line "));
        let (what, line, _) = e.context.expect("context");
        assert_eq!((what.as_str(), line), ("while parsing a flow sequence", 2));
    }

    #[test]
    fn duplicate_keys_are_rejected_in_both_formats() {
        let y = parse("a:\n  b: 1\n  b: 2\n", Format::Yaml).unwrap_err();
        assert_eq!((y.code, y.duplicate.as_deref()), (Code::Syntax, Some("b")));
        assert!(y.message.contains("duplicate key `b`"), "{}", y.message);
        let j = parse("{\"a\": 1,\n \"a\": 2}", Format::Json).unwrap_err();
        assert_eq!((j.code, j.duplicate.as_deref()), (Code::Syntax, Some("a")));
    }

    #[test]
    fn json_error_at_line_break_points_at_the_line_before() {
        let e = parse("{\n  \"a\": \"b,\n  \"c\": 1\n}\n", Format::Json).unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn second_yaml_document_is_located() {
        let e = parse("# c\n---\na: 1\n---\nb: 2\n", Format::Yaml).unwrap_err();
        assert_eq!(e.line, Some(4));
    }

    #[test]
    fn json_depth_limit_is_too_deep() {
        let e = parse(&"[".repeat(1000), Format::Json).unwrap_err();
        assert_eq!(e.code, Code::TooDeep);
    }

    #[test]
    fn comments_only_is_empty() {
        assert_eq!(
            parse("# nothing\n---\n", Format::Yaml).unwrap_err().code,
            Code::EmptyDocument
        );
    }

    #[test]
    fn bad_utf8_points_at_line_and_keeps_text() {
        let (text, e) = decode(b"a: 1\nb: \xff\n".to_vec());
        let e = e.expect("error");
        assert_eq!(
            (e.code, e.line, e.column),
            (Code::NotUtf8, Some(2), Some(4))
        );
        assert!(text.starts_with("a: 1\nb: "));
    }

    #[test]
    fn yaml_non_string_keys_become_strings() {
        let v = parse("200: ok\ntrue: x\n", Format::Yaml).unwrap();
        assert_eq!(v["200"], "ok");
        assert_eq!(v["true"], "x");
    }
}
