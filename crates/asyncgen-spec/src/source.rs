//! Source files as read from disk: text, parsed value and a lazily built source map.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::pointer::Pointer;
use crate::sourcemap::SourceMap;

/// Index of a file within a [`crate::Workspace`]; the root document is always `FileId(0)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// JSON when the name says so or the text starts like JSON; YAML otherwise (JSON is
    /// almost always valid YAML, but serde_json gives better errors for JSON).
    pub fn detect(name: &str, text: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".yml") || lower.ends_with(".yaml") {
            return Format::Yaml;
        }
        match text.trim_start().as_bytes().first() {
            Some(b'{') => Format::Json,
            _ => Format::Yaml,
        }
    }
}

#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// Name for people and for generated output: relative to the root document's folder.
    pub display: String,
    /// Canonical path, used to recognise the same file reached by different relative paths.
    pub path: PathBuf,
    pub text: String,
    pub format: Format,
    /// `None` when the file could not be parsed (a diagnostic says why).
    pub value: Option<Value>,
    map: OnceLock<SourceMap>,
}

impl SourceFile {
    pub fn new(
        id: FileId,
        display: String,
        path: PathBuf,
        text: String,
        format: Format,
        value: Option<Value>,
    ) -> Self {
        SourceFile {
            id,
            display,
            path,
            text,
            format,
            value,
            map: OnceLock::new(),
        }
    }

    /// 1-based line and column of the node at `pointer` (its key when `at_key`), falling back
    /// to the nearest ancestor that exists. Builds the source map on first use only, so
    /// documents without diagnostics never pay for it.
    pub fn position(&self, pointer: &Pointer, at_key: bool) -> Option<(u32, u32)> {
        let map = self.map.get_or_init(|| SourceMap::build(&self.text));
        map.position(pointer, at_key)
    }

    /// Where `key` is repeated within one mapping, for duplicate-key errors that the parsers
    /// report at the mapping rather than at the repeat.
    pub fn duplicate_key_position(&self, key: &str) -> Option<(u32, u32)> {
        self.map
            .get_or_init(|| SourceMap::build(&self.text))
            .first_duplicate(key)
    }

    /// The text of a 1-based line, without its line ending. The line just past the end exists
    /// (empty) because parsers report "unexpected end of file" there.
    pub fn line(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let count = self.text.lines().count();
        match idx.cmp(&count) {
            std::cmp::Ordering::Less => self.text.lines().nth(idx),
            std::cmp::Ordering::Equal => Some(""),
            std::cmp::Ordering::Greater => None,
        }
    }
}
