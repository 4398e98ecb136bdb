//! Rust names: identifiers from wire names (case conversion with heck, keywords, leading digits,
//! punctuation), and the type names the converter gives entries without two types sharing one.

use std::collections::{HashMap, HashSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::convert::{Builder, IssueKind, TypeIssue, docs};
use super::model::{Docs, Variant};
use crate::model::Origin;
use crate::schema::SchemaRef;

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

impl<'a> Builder<'a> {
    /// A suggested name: the candidate, else the candidate with a number.
    pub(super) fn fresh(&self, candidate: &str) -> String {
        if !self.taken.contains_key(candidate) {
            return candidate.to_owned();
        }
        (2..)
            .map(|i| format!("{candidate}{i}"))
            .find(|n| !self.taken.contains_key(n))
            .unwrap_or_default()
    }

    /// Names every entry before converting any. Component keys first, since they are
    /// required names and must not lose to a suggested one.
    pub(super) fn name_entries(&mut self) {
        let mut suggested: HashMap<&SchemaRef, String> = HashMap::new();
        for m in self.api.messages.values() {
            let base = type_name(&m.key, "Message");
            if let Some(p) = &m.payload {
                suggested
                    .entry(p)
                    .or_insert_with(|| format!("{base}Payload"));
            }
            if let Some(h) = &m.headers {
                suggested
                    .entry(h)
                    .or_insert_with(|| format!("{base}Headers"));
            }
        }
        for ch in self.api.channels.values() {
            for (name, p) in &ch.parameters {
                if let Some(s) = &p.schema {
                    suggested.entry(s).or_insert_with(|| {
                        format!(
                            "{}{}Parameter",
                            type_name(&ch.key, "Channel"),
                            type_name(name, "Value")
                        )
                    });
                }
            }
        }
        let entries: Vec<(SchemaRef, Origin, Option<String>, Docs)> = self
            .store
            .iter()
            .map(|(k, e)| {
                (
                    k.clone(),
                    e.origin.clone(),
                    e.component.clone(),
                    docs(&e.schema),
                )
            })
            .collect();
        for (key, origin, component, d) in entries.iter().filter(|e| e.2.is_some()) {
            let name = type_name(component.as_deref().unwrap_or_default(), "Schema");
            let name = match self.taken.get(&name).cloned() {
                Some(first) => {
                    self.issues.push(TypeIssue {
                        kind: IssueKind::NameCollision,
                        message: format!(
                            "schema `{}` becomes the Rust type `{name}`, which another schema already is",
                            component.as_deref().unwrap_or_default()
                        ),
                        origin: origin.clone(),
                        related: vec![("this schema is also named `".to_owned() + &name + "`", first)],
                    });
                    self.fresh(&name)
                }
                None => name,
            };
            let id = self.alloc(name, origin.clone(), d.clone());
            self.entries.insert(key.clone(), id);
        }
        for (key, origin, _, d) in entries.iter().filter(|e| e.2.is_none()) {
            let candidate = suggested.get(key).cloned().unwrap_or_else(|| {
                let tokens: Vec<&str> = origin
                    .pointer
                    .split('/')
                    .filter(|t| {
                        !t.is_empty()
                            && !matches!(
                                *t,
                                "components"
                                    | "schemas"
                                    | "properties"
                                    | "items"
                                    | "payload"
                                    | "messages"
                                    | "definitions"
                                    | "$defs"
                            )
                    })
                    .collect();
                type_name(tokens.last().copied().unwrap_or("Schema"), "Schema")
            });
            let name = self.fresh(&candidate);
            let id = self.alloc(name, origin.clone(), d.clone());
            self.entries.insert(key.clone(), id);
        }
    }
}

/// The field name of `wire`, or it with a number when another property already took it (`a-b`
/// and `a_b` are both `a_b`); records the result.
pub(super) fn unique_field_name(used: &mut HashSet<String>, wire: &str) -> String {
    let name = field_name(wire);
    if used.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|i| format!("{}_{i}", name.trim_end_matches('_')))
        .find(|n| used.insert(n.clone()))
        .unwrap_or_default()
}

/// `name`, or `name` with a number when already used; records the result.
pub(super) fn unique_name(used: &mut HashSet<String>, name: String) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|i| format!("{name}{i}"))
        .find(|n| used.insert(n.clone()))
        .unwrap_or_default()
}

pub(super) fn enum_variants(values: &[String]) -> Vec<Variant> {
    let mut used: HashSet<String> = HashSet::new();
    values
        .iter()
        .map(|v| {
            let mut name = variant_name(v);
            if name == "Other" || !used.insert(name.clone()) {
                name = (2..)
                    .map(|i| format!("{name}{i}"))
                    .find(|n| used.insert(n.clone()))
                    .unwrap_or_default();
            }
            Variant {
                name,
                wire: v.clone(),
                docs: Docs::default(),
            }
        })
        .collect()
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
