//! The presets' documentation is written from the presets themselves, so what a user reads is
//! what the receiver does: `specs/README.md`'s table between its `presets` markers, and the
//! root README's list of names. `ASYNCGEN_BLESS=1` rewrites the table after a preset changes.

use asyncgen_signature::{EventId, PRESETS, Preset, TimestampSource, TimestampUnit};

const START: &str = "<!-- presets:start -->\n";
const END: &str = "<!-- presets:end -->";

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn code(text: &str) -> String {
    format!("`{}`", text.replace('|', "\\|"))
}

fn row(p: &Preset) -> String {
    let place = match (p.header, p.field) {
        (Some(h), _) => format!("header {}", code(h)),
        (None, Some(f)) => format!("body field {}", code(f)),
        (None, None) => "?".to_owned(),
    };
    let mut written = format!("{}, {}", p.algorithm.name(), p.encoding.name());
    if let Some(prefix) = p.prefix {
        written.push_str(&format!(", prefix {}", code(prefix)));
    }
    if let Some(sep) = p.separator {
        written.push_str(&format!(", items separated by {}", code(sep)));
    }
    let timestamp = match p.timestamp {
        None => "none".to_owned(),
        Some(t) => {
            let at = match t.source {
                TimestampSource::Header(h) => format!("header {}", code(h)),
                TimestampSource::Element(e) => format!("element {}", code(e)),
                TimestampSource::Field(f) => format!("body field {}", code(f)),
            };
            let unit = match t.unit {
                TimestampUnit::Seconds => "s",
                TimestampUnit::Milliseconds => "ms",
            };
            format!("{at} ({unit}), ±{} s", t.tolerance_secs)
        }
    };
    let event_id = match p.event_id {
        None => "none".to_owned(),
        Some(EventId::Header(h)) => format!("header {}", code(h)),
        Some(EventId::Field(f)) => format!("field {}", code(f)),
    };
    let mut extra = Vec::new();
    if let Some(h) = p.handshake {
        extra.push(format!("handshake `{}`", h.name()));
    }
    if p.form {
        extra.push("form posts".to_owned());
    }
    if let Some(d) = p.delivery {
        let retries: Vec<String> = d.retries_secs.iter().map(|s| format!("{s} s")).collect();
        extra.push(format!(
            "delivery: {} s timeout, retries {}",
            d.timeout_secs,
            if retries.is_empty() {
                "none".to_owned()
            } else {
                format!("after {}", retries.join(", "))
            }
        ));
    }
    format!(
        "| `{}` | [{}]({}) | {place}: {written} | {} | {timestamp} | `{}` | {event_id} | {} |",
        p.name,
        p.provider,
        p.source,
        code(p.signed_payload),
        p.key.name(),
        if extra.is_empty() {
            "".to_owned()
        } else {
            extra.join(", ")
        },
    )
}

fn table() -> String {
    let mut out = String::from(
        "| preset | provider (source) | signature | signed | timestamp | key | event id | also |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for p in PRESETS {
        out.push_str(&row(p));
        out.push('\n');
    }
    out
}

#[test]
fn the_specs_readme_table_is_the_presets() {
    let path = repo("specs/README.md");
    let text = std::fs::read_to_string(&path).expect("specs/README.md");
    let start = text.find(START).expect("the presets:start marker") + START.len();
    let end = text[start..].find(END).expect("the presets:end marker") + start;
    let fresh = table();
    if text[start..end] != fresh {
        if std::env::var_os("ASYNCGEN_BLESS").is_some_and(|v| v == "1") {
            let updated = format!("{}{fresh}{}", &text[..start], &text[end..]);
            std::fs::write(&path, updated).expect("write specs/README.md");
        } else {
            panic!(
                "specs/README.md's presets table is stale; regenerate it with\n  \
                 ASYNCGEN_BLESS=1 cargo test -p asyncgen-signature --test presets_doc"
            );
        }
    }
}

#[test]
fn the_readme_names_every_preset() {
    let text = std::fs::read_to_string(repo("README.md")).expect("README.md");
    for p in PRESETS {
        assert!(
            text.contains(&format!("`{}`", p.name)),
            "README.md does not list the preset `{}`",
            p.name
        );
    }
}
