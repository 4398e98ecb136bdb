//! Renders diagnostics for a person: `path:line:col`, the offending line, a caret, the pointer.
//!
//! The CLI and build scripts share this so a build failure reads like `asyncgen validate`.

use std::fmt::Write;

use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::workspace::Workspace;

/// Width of the span to underline: the scalar or key starting at the column.
fn span_width(rest: &str) -> usize {
    let mut chars = rest.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let mut n = 1;
            for c in chars {
                n += 1;
                if c == q {
                    break;
                }
            }
            n
        }
        Some(_) => {
            let end = rest
                .char_indices()
                .find(|(i, c)| {
                    matches!(c, ',' | ']' | '}' | '#')
                        || (*c == ':' && rest[i + 1..].starts_with([' ', '\t']))
                        || (*c == ':' && *i + 1 == rest.len())
                })
                .map_or(rest.len(), |(i, _)| i);
            rest[..end].trim_end().chars().count().max(1)
        }
        None => 1,
    }
}

/// Width of the line-number gutter a location needs.
fn gutter(loc: &Location) -> usize {
    loc.line.map_or(1, |l| l.to_string().len())
}

fn render_location(
    out: &mut String,
    ws: &Workspace,
    loc: &Location,
    label: Option<&str>,
    pad: &str,
) {
    let path = ws.user_path(loc.file_id);
    let (Some(l), Some(c)) = (loc.line, loc.column) else {
        let _ = writeln!(out, "{pad}--> {path}");
        return;
    };
    let _ = writeln!(out, "{pad}--> {path}:{l}:{c}");
    let Some(text) = ws.file(loc.file_id).line(l) else {
        return;
    };
    let text = text.replace('\t', " ");
    let col = usize::try_from(c).unwrap_or(1).saturating_sub(1);
    let rest: String = text.chars().skip(col).collect();
    let caret = format!(
        "{}{}",
        " ".repeat(col.min(text.chars().count())),
        "^".repeat(span_width(&rest))
    );
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{l:>width$} | {text}", width = pad.len());
    match label {
        Some(label) => writeln!(out, "{pad} | {caret} {label}"),
        None => writeln!(out, "{pad} | {caret}"),
    }
    .ok();
}

/// One diagnostic, ending with a blank line.
pub fn render(ws: &Workspace, d: &Diagnostic) -> String {
    let width = d
        .related
        .iter()
        .map(|r| gutter(&r.location))
        .fold(gutter(&d.location), usize::max);
    let pad = " ".repeat(width);
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", d.severity, d.code, d.message);
    render_location(&mut out, ws, &d.location, None, &pad);
    let _ = writeln!(out, "{pad} = at: #{}", d.location.pointer.as_str());

    for r in &d.related {
        render_location(&mut out, ws, &r.location, Some(&r.message), &pad);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out.push('\n');
    out
}

/// Every diagnostic, then a one-line summary naming the document.
pub fn render_all(ws: &Workspace, diags: &Diagnostics) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(ws, d));
    }
    out.push_str(&summary(ws, diags));
    out.push('\n');
    out
}

pub fn summary(ws: &Workspace, diags: &Diagnostics) -> String {
    let path = ws.user_path(crate::source::FileId(0));
    let (e, w) = (diags.error_count(), diags.warning_count());
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if e > 0 {
        format!(
            "{path}: invalid ({}, {})",
            plural(e, "error"),
            plural(w, "warning")
        )
    } else if w > 0 {
        format!("{path}: valid ({})", plural(w, "warning"))
    } else {
        format!("{path}: valid")
    }
}

#[cfg(test)]
mod tests {
    use super::span_width;

    #[test]
    fn spans_cover_one_token() {
        assert_eq!(span_width("'#/a/b' # c"), 7);
        assert_eq!(span_width("foo: bar"), 3);
        assert_eq!(span_width("x,y"), 1);
        assert_eq!(span_width(""), 1);
        assert_eq!(span_width("http://a:b"), 10);
    }
}
