//! Rust names from wire names: case conversion (heck), keywords, leading digits, punctuation.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be raw identifiers either.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Keywords the generator escapes with `r#` (Rust 2024 reserves `gen`).
pub const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

fn words_only(s: &str) -> String {
    // Punctuation becomes a word break; `+`/`-` at the start keep their meaning in enums.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if c.is_alphanumeric() => out.push(c),
            '+' if out.is_empty() => out.push_str("plus "),
            '-' if out.is_empty() => out.push_str("minus "),
            _ => out.push(' '),
        }
    }
    out
}

fn ascii(s: String) -> String {
    // Identifiers may be Unicode, but generated APIs stay typeable: drop what is not ASCII.
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// PascalCase, ASCII only. Dropping a non-ASCII capital (`Émettre` -> `mettre`) can leave a
/// lowercase start, which the `non_camel_case_types` lint rejects: capitalise what remains.
fn pascal_ascii(s: &str) -> String {
    let mut n = ascii(words_only(s).to_upper_camel_case());
    if let Some(first) = n.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    n
}

/// A PascalCase type name; `fallback` when nothing usable remains.
pub fn type_name(s: &str, fallback: &str) -> String {
    let mut n = pascal_ascii(s);
    if n.is_empty() {
        n = fallback.to_owned();
    }
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        n.insert(0, 'T');
    }
    if n == "Self" {
        // `Self` cannot be a name, and `Self_` trips the case lints once numbered.
        n.push_str("Value");
    }
    n
}

/// A PascalCase enum variant name.
pub fn variant_name(s: &str) -> String {
    let mut n = pascal_ascii(s);
    if n.is_empty() {
        n = "Empty".to_owned();
    }
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        n.insert(0, 'V');
    }
    if n == "Self" {
        // `Self` cannot be a name, and `Self_` trips the case lints once numbered.
        n.push_str("Value");
    }
    n
}

/// A snake_case field name. Keywords stay as they are (the generator writes `r#type`), except
/// those that cannot be raw, which get a trailing underscore.
pub fn field_name(s: &str) -> String {
    let mut n = ascii(words_only(s).to_snake_case());
    if n.is_empty() {
        n = "value".to_owned();
    }
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        n.insert(0, '_');
    }
    if NOT_RAW.contains(&n.as_str()) {
        n.push('_');
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name("call-events", "X"), "CallEvents");
        assert_eq!(type_name("3d", "X"), "T3d");
        assert_eq!(type_name("***", "Fallback"), "Fallback");
        assert_eq!(variant_name("call.created"), "CallCreated");
        assert_eq!(variant_name("200"), "V200");
        assert_eq!(variant_name("+1"), "Plus1");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(field_name("type"), "type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("Self"), "self_");
        assert_eq!(field_name("my-app-header"), "my_app_header");
        assert_eq!(field_name("sentAt"), "sent_at");
        assert_eq!(field_name("1st"), "_1st");
        assert_eq!(field_name("$ref"), "ref");
        // A non-ASCII capital is dropped; what remains still starts upper case.
        assert_eq!(type_name("émettre", "X"), "Mettre");
        assert_eq!(variant_name("Ölpreis"), "Lpreis");
    }
}
