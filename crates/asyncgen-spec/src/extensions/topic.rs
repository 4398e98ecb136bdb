//! `x-asyncgen-topic`: a string that is a structured topic pattern (VoIPBIN subscriptions).
//!
//! A JSON Schema `pattern` checks the syntax but gives nothing to generate from (segment names,
//! their types, the wildcard), and channel parameters describe a channel address, not values
//! inside a payload.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{Cx, Extension, InContext, Problem, rel};

/// A string schema whose values are structured topics: typed segments, some of which accept a
/// wildcard. A generator makes a topic type with a builder, `Display` and parsing instead of a
/// bare `String`. A standard `pattern` regex should accompany it on the schema so that standard
/// validators check the syntax too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Topic {
    /// The template: `{name}` placeholders separated by literal text, e.g.
    /// `{scope}:{scope_id}:{resource}:{resource_id}`.
    pub pattern: String,
    /// One entry per placeholder of `pattern`, no more, no fewer.
    pub segments: IndexMap<String, TopicSegment>,
}

/// One segment of a topic pattern: exactly one of `enum` / `format`, and an optional wildcard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[cfg_attr(feature = "derive-schemas", schemars(extend("oneOf" = [
    {"required": ["enum"], "not": {"required": ["format"]}},
    {"required": ["format"], "not": {"required": ["enum"]}}
])))]
pub struct TopicSegment {
    /// The segment is one of these values.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "derive-schemas", schemars(length(min = 1)))]
    pub values: Option<Vec<String>>,
    /// The segment is free text of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<SegmentFormat>,
    /// This literal (e.g. `*`) matches every value of the segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wildcard: Option<String>,
}

/// The kind of free text a topic segment holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SegmentFormat {
    /// Any non-empty text that does not contain the pattern's separators.
    Text,
}

/// A piece of [`Topic::pattern`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicPart<'a> {
    Literal(&'a str),
    Segment(&'a str),
}

impl Topic {
    /// The pattern in order; `None` if it is malformed (which validation reports, so a loaded
    /// document never gives `None`).
    pub fn parts(&self) -> Option<Vec<TopicPart<'_>>> {
        split_pattern(&self.pattern).ok()
    }
}

fn split_pattern(pattern: &str) -> Result<Vec<TopicPart<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        let Some(i) = rest.find(['{', '}']) else {
            parts.push(TopicPart::Literal(rest));
            break;
        };
        if rest[i..].starts_with('}') {
            return Err("`}` without a matching `{`".to_owned());
        }
        if i > 0 {
            parts.push(TopicPart::Literal(&rest[..i]));
        }
        let Some(len) = rest[i + 1..]
            .find(['{', '}'])
            .filter(|j| rest[i + 1 + j..].starts_with('}'))
        else {
            return Err("`{` without a matching `}`".to_owned());
        };
        let name = &rest[i + 1..i + 1 + len];
        if name.is_empty() {
            return Err("`{}` has no name".to_owned());
        }
        // Two placeholders in a row could not be told apart when parsing a topic.
        if let Some(TopicPart::Segment(prev)) = parts.last() {
            return Err(format!(
                "`{{{prev}}}` and `{{{name}}}` have no literal text between them, so a topic could not be split"
            ));
        }
        parts.push(TopicPart::Segment(name));
        rest = &rest[i + len + 2..];
    }
    Ok(parts)
}

impl Extension for Topic {
    const NAME: &'static str = "x-asyncgen-topic";
    const ON: &'static [&'static str] = &["Schema"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let parts = match split_pattern(&self.pattern) {
            Ok(parts) => parts,
            Err(why) => {
                out.push(Problem::value(
                    rel(&["pattern"]),
                    format!(
                        "`pattern` `{}` is not a valid template: {why}",
                        self.pattern
                    ),
                ));
                return out;
            }
        };
        let mut placeholders: Vec<&str> = Vec::new();
        for part in &parts {
            if let TopicPart::Segment(name) = part {
                if placeholders.contains(name) {
                    out.push(Problem::value(
                        rel(&["pattern"]),
                        format!("placeholder `{{{name}}}` appears more than once in `pattern`"),
                    ));
                } else {
                    placeholders.push(name);
                }
            }
        }
        if placeholders.is_empty() {
            out.push(
                Problem::value(
                    rel(&["pattern"]),
                    format!("`pattern` `{}` has no `{{name}}` placeholder", self.pattern),
                )
                .with_help("write the template with placeholders, e.g. `{scope}:{id}`"),
            );
        }
        for name in &placeholders {
            if !self.segments.contains_key(*name) {
                out.push(
                    Problem::value(
                        rel(&["pattern"]),
                        format!("placeholder `{{{name}}}` has no entry in `segments`"),
                    )
                    .with_help(format!(
                        "add `{name}:` under `segments` with `enum` or `format`"
                    )),
                );
            }
        }
        let literals: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                TopicPart::Literal(l) => Some(*l),
                TopicPart::Segment(_) => None,
            })
            .collect();
        for (name, segment) in &self.segments {
            let at = rel(&["segments", name]);
            if !placeholders.contains(&name.as_str()) {
                out.push(Problem::key(
                    at.clone(),
                    format!(
                        "segment `{name}` does not appear in `pattern` `{}`",
                        self.pattern
                    ),
                ));
            }
            out.extend(segment_problems(name, segment, &at, &literals));
        }
        out
    }
}

fn segment_problems(
    name: &str,
    s: &TopicSegment,
    at: &crate::Pointer,
    literals: &[&str],
) -> Vec<Problem> {
    let mut out = Vec::new();
    match (&s.values, &s.format) {
        (Some(_), Some(_)) => out.push(Problem::key(
            at.push("format"),
            format!("segment `{name}` has both `enum` and `format`; keep one"),
        )),
        (None, None) => out.push(Problem::key(
            at.clone(),
            format!("segment `{name}` needs `enum` (a list of values) or `format: text`"),
        )),
        _ => {}
    }
    // A value containing a separator would make topics ambiguous to split.
    let contains_separator = |v: &str| literals.iter().find(|l| v.contains(**l)).copied();
    if let Some(values) = &s.values {
        if values.is_empty() {
            out.push(Problem::value(
                at.push("enum"),
                format!("segment `{name}` has an empty `enum`; list at least one value"),
            ));
        }
        for (i, v) in values.iter().enumerate() {
            let here = at.push("enum").push_index(i);
            if v.is_empty() {
                out.push(Problem::value(here, "an `enum` value is empty"));
            } else if let Some(sep) = contains_separator(v) {
                out.push(Problem::value(
                    here,
                    format!("`{v}` contains the separator `{sep}` of the pattern"),
                ));
            }
        }
    }
    if let Some(w) = &s.wildcard {
        let here = at.push("wildcard");
        if w.is_empty() {
            out.push(Problem::value(
                here,
                "`wildcard` is empty; give the literal, e.g. \"*\"",
            ));
        } else if let Some(sep) = contains_separator(w) {
            out.push(Problem::value(
                here,
                format!("wildcard `{w}` contains the separator `{sep}` of the pattern"),
            ));
        } else if s.values.as_ref().is_some_and(|vs| vs.contains(w)) {
            out.push(Problem::value(
                here,
                format!("wildcard `{w}` is also one of the segment's `enum` values"),
            ));
        }
    }
    out
}

impl InContext for Topic {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        if cx.str_field("type") == Some("string") {
            return Vec::new();
        }
        vec![
            Problem::whole(format!(
                "`{}` needs a schema of `type: string`, found {}",
                Self::NAME,
                cx.describe_fields(&["type"]),
            ))
            .with_help("add `type: string` to the schema"),
        ]
    }
}
