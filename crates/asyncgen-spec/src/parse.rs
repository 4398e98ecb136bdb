//! Text to `serde_json::Value`: YAML through serde_yaml, JSON through serde_json, with syntax
//! errors turned into located diagnostics.

use serde_json::Value;

use crate::diagnostic::Code;
use crate::source::Format;

/// A parse failure with the parser's own position (1-based), when it gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub code: Code,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// Decodes bytes as UTF-8, pointing at the first bad byte's line otherwise.
pub fn decode(bytes: Vec<u8>) -> Result<String, ParseError> {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let head = &e.as_bytes()[..valid];
            let line = head.iter().filter(|b| **b == b'\n').count() + 1;
            let column = valid - head.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
            Err(ParseError {
                code: Code::NotUtf8,
                message: format!("the file is not UTF-8 text (invalid byte at offset {valid})"),
                line: u32::try_from(line).ok(),
                column: u32::try_from(column).ok(),
            })
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

pub fn parse(text: &str, format: Format) -> Result<Value, ParseError> {
    if is_blank(text) {
        return Err(ParseError {
            code: Code::EmptyDocument,
            message: "the file is empty: an AsyncAPI document was expected".to_owned(),
            line: Some(1),
            column: Some(1),
        });
    }
    match format {
        Format::Json => serde_json::from_str::<Value>(text).map_err(|e| {
            let raw = e.to_string();
            ParseError {
                code: classify(&raw),
                message: strip_position(&raw),
                line: u32::try_from(e.line()).ok().filter(|l| *l > 0),
                column: u32::try_from(e.column()).ok().filter(|c| *c > 0),
            }
        }),
        Format::Yaml => serde_yaml::from_str::<Value>(text).map_err(|e| {
            let raw = e.to_string();
            let loc = e.location();
            ParseError {
                code: classify(&raw),
                message: strip_position(&raw),
                line: loc.as_ref().and_then(|l| u32::try_from(l.line()).ok()),
                column: loc.as_ref().and_then(|l| u32::try_from(l.column()).ok()),
            }
        }),
    }
}

fn classify(message: &str) -> Code {
    if message.contains("recursion limit exceeded") {
        Code::TooDeep
    } else {
        Code::Syntax
    }
}

/// The diagnostic shows the position itself; drop the parser's " at line X column Y".
fn strip_position(message: &str) -> String {
    let cut = message.find(" at line ").unwrap_or(message.len());
    let msg = &message[..cut];
    if msg.contains("recursion limit exceeded") {
        return "the document nests deeper than 128 levels".to_owned();
    }
    msg.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_error_is_located() {
        let e = parse("a: 1\nb: [\n", Format::Yaml).unwrap_err();
        assert_eq!(e.code, Code::Syntax);
        assert!(e.line.is_some());
        assert!(!e.message.contains(" at line "));
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
    fn bad_utf8_points_at_line() {
        let e = decode(b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!(
            (e.code, e.line, e.column),
            (Code::NotUtf8, Some(2), Some(4))
        );
    }

    #[test]
    fn yaml_non_string_keys_become_strings() {
        let v = parse("200: ok\ntrue: x\n", Format::Yaml).unwrap();
        assert_eq!(v["200"], "ok");
        assert_eq!(v["true"], "x");
    }
}
