//! The set of files one document reaches through `$ref`, and resolving references into it.
//!
//! Loading reads the root, then every file named by a `$ref` anywhere in a loaded file,
//! breadth-first. References are never expanded inline, so circular references cost nothing.

use std::collections::{HashMap, HashSet, VecDeque};

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location, Severity};
use crate::parse;
use crate::pointer::{Pointer, PointerError};
use crate::source::{FileId, Format, SourceFile};

/// Upper bound on files one document may pull in; a guard against runaway reference graphs.
const MAX_FILES: usize = 2_000;
/// Upper bound on `$ref` → `$ref` hops before a chain is declared a cycle.
const MAX_HOPS: usize = 64;

#[derive(Debug)]
pub struct Workspace {
    files: Vec<SourceFile>,
    by_path: HashMap<PathBuf, FileId>,
    /// Referenced files that could not be read, with the reason, reported at each `$ref`.
    unreadable: HashMap<PathBuf, String>,
    root_dir: PathBuf,
    /// The root document's folder as the user wrote it, for messages.
    user_dir: PathBuf,
}

/// Where a `$ref` leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefTarget {
    pub file: FileId,
    pub pointer: Pointer,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("`$ref` must be a string")]
    NotString,
    #[error("`$ref` is empty")]
    Empty,
    #[error("`$ref` fragment `{fragment}` is not a JSON pointer: {reason}")]
    BadPointer {
        fragment: String,
        reason: PointerError,
    },
    #[error("`$ref` to `{0}` is a remote URL; only local files are read")]
    Remote(String),
    #[error("`$ref` names file `{path}`, which could not be read: {reason}")]
    MissingFile { path: String, reason: String },
    #[error("`$ref` names file `{0}`, which does not parse (see its own diagnostics)")]
    UnparsableFile(String),
    #[error("`$ref` target `{file}#{pointer}` does not exist")]
    MissingTarget { file: String, pointer: String },
    #[error("`$ref` chain loops back on itself without reaching any content")]
    Cycle,
}

impl RefError {
    pub fn code(&self) -> Code {
        match self {
            RefError::NotString | RefError::Empty | RefError::BadPointer { .. } => {
                Code::MalformedRef
            }
            RefError::Remote(_) => Code::RemoteRef,
            RefError::Cycle => Code::RefCycle,
            RefError::MissingFile { .. }
            | RefError::UnparsableFile(_)
            | RefError::MissingTarget { .. } => Code::UnresolvedRef,
        }
    }
}

/// Splits a `$ref` into its file part (empty for local) and its pointer.
pub fn split_ref(reference: &str) -> Result<(&str, Pointer), RefError> {
    if reference.trim().is_empty() {
        return Err(RefError::Empty);
    }
    let (path, fragment) = match reference.split_once('#') {
        Some((p, f)) => (p, f),
        None => (reference, ""),
    };
    let lower = path.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("//") {
        return Err(RefError::Remote(reference.to_owned()));
    }
    let decoded = percent_decode(fragment);
    let pointer = Pointer::from_escaped(&decoded).map_err(|reason| RefError::BadPointer {
        fragment: fragment.to_owned(),
        reason,
    })?;
    Ok((path, pointer))
}

/// URI fragments may percent-encode characters (`%20`); a bad escape is kept literally.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// `path` relative to `base`, with `/` separators whatever the platform.
fn relative(path: &Path, base: &Path) -> String {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".to_owned());
    }
    for c in &p[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

fn collect_refs<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(s)) => out.push(s),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

impl Workspace {
    /// Reads the root document and every file it references. Problems go to `diags`; the
    /// workspace is returned whatever happened so later stages can report more.
    pub fn load(root: &Path, diags: &mut Diagnostics) -> Workspace {
        let user_dir = root.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let root_dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut ws = Workspace {
            files: Vec::new(),
            by_path: HashMap::new(),
            unreadable: HashMap::new(),
            root_dir,
            user_dir,
        };
        match std::fs::read(root) {
            Ok(bytes) => {
                ws.add_file(name, canonical, bytes, diags);
            }
            Err(e) => {
                // An empty placeholder keeps FileId(0) meaning "the root" for the diagnostic.
                let id = ws.push(name, canonical, String::new(), Format::Yaml, None);
                diags.push(ws.diag(
                    Code::Io,
                    format!("cannot read the document: {e}"),
                    id,
                    Pointer::root(),
                ));
            }
        }
        ws.load_references(diags);
        ws
    }

    /// Loads a document held in memory; relative `$ref`s resolve against `base_dir`.
    pub fn load_str(name: &str, text: &str, base_dir: &Path, diags: &mut Diagnostics) -> Workspace {
        let root_dir = std::fs::canonicalize(base_dir).unwrap_or_else(|_| base_dir.to_path_buf());
        let mut ws = Workspace {
            files: Vec::new(),
            by_path: HashMap::new(),
            unreadable: HashMap::new(),
            root_dir: root_dir.clone(),
            user_dir: base_dir.to_path_buf(),
        };
        ws.add_file(
            name.to_owned(),
            root_dir.join(name),
            text.as_bytes().to_vec(),
            diags,
        );
        ws.load_references(diags);
        ws
    }

    fn push(
        &mut self,
        display: String,
        path: PathBuf,
        text: String,
        format: Format,
        value: Option<Value>,
    ) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.by_path.insert(path.clone(), id);
        self.files
            .push(SourceFile::new(id, display, path, text, format, value));
        id
    }

    fn add_file(
        &mut self,
        display: String,
        path: PathBuf,
        bytes: Vec<u8>,
        diags: &mut Diagnostics,
    ) -> FileId {
        let (text, not_utf8) = parse::decode(bytes);
        if let Some(e) = not_utf8 {
            let id = self.push(display, path, text, Format::Yaml, None);
            diags.push(self.parse_diag(id, e));
            return id;
        }
        let format = Format::detect(&display, &text);
        match parse::parse(&text, format) {
            Ok(value) => self.push(display, path, text, format, Some(value)),
            Err(e) => {
                let id = self.push(display, path, text, format, None);
                diags.push(self.parse_diag(id, e));
                id
            }
        }
    }

    fn parse_diag(&self, file: FileId, e: parse::ParseError) -> Diagnostic {
        let mut d = self.diag(e.code, e.message, file, Pointer::root());
        d.location.line = e.line;
        d.location.column = e.column;
        if let Some((line, column)) = e
            .duplicate
            .and_then(|k| self.file(file).duplicate_key_position(&k))
        {
            d.location.line = Some(line);
            d.location.column = Some(column);
        }
        if let Some((what, line, column)) = e.context {
            let mut location = self.location(file, Pointer::root(), false);
            location.line = Some(line);
            location.column = Some(column);
            d.related.push(crate::diagnostic::Related {
                message: what,
                location,
            });
        }
        d
    }

    fn load_references(&mut self, diags: &mut Diagnostics) {
        let mut queue: VecDeque<FileId> = (0..self.files.len()).map(|i| FileId(i as u32)).collect();
        while let Some(id) = queue.pop_front() {
            let mut names = Vec::new();
            if let Some(v) = &self.files[id.0 as usize].value {
                collect_refs(v, &mut names);
            }
            let dir = self.files[id.0 as usize]
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let wanted: Vec<PathBuf> = names
                .iter()
                .filter_map(|r| split_ref(r).ok())
                .filter(|(p, _)| !p.is_empty())
                .map(|(p, _)| dir.join(p))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for path in wanted {
                let canonical = match std::fs::canonicalize(&path) {
                    Ok(c) => c,
                    Err(e) => {
                        self.unreadable.insert(path, e.to_string());
                        continue;
                    }
                };
                if self.by_path.contains_key(&canonical) || self.unreadable.contains_key(&canonical)
                {
                    continue;
                }
                if self.files.len() >= MAX_FILES {
                    self.unreadable
                        .insert(canonical, format!("more than {MAX_FILES} files referenced"));
                    continue;
                }
                match std::fs::read(&canonical) {
                    Ok(bytes) => {
                        let display = relative(&canonical, &self.root_dir);
                        let new = self.add_file(display, canonical, bytes, diags);
                        queue.push_back(new);
                    }
                    Err(e) => {
                        self.unreadable.insert(canonical, e.to_string());
                    }
                }
            }
        }
    }

    pub fn root(&self) -> &SourceFile {
        &self.files[0]
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Every file read, for build scripts' `rerun-if-changed`.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// How a person should see the file: under the folder they named the root document in.
    pub fn user_path(&self, id: FileId) -> String {
        let display = &self.file(id).display;
        if self.user_dir.as_os_str().is_empty() {
            return display.clone();
        }
        let joined = self.user_dir.join(display);
        let mut out: Vec<String> = Vec::new();
        for c in joined.components() {
            match c {
                Component::ParentDir if out.last().is_some_and(|l| l != "..") => {
                    out.pop();
                }
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
                c => out.push(c.as_os_str().to_string_lossy().into_owned()),
            }
        }
        let s = out.join("/");
        if joined.has_root() {
            format!("/{s}")
        } else {
            s
        }
    }

    /// One `$ref` hop from a reference written in `from`.
    pub fn resolve_ref(&self, from: FileId, reference: &str) -> Result<RefTarget, RefError> {
        self.resolve_ref_value(from, reference).map(|(t, _)| t)
    }

    /// One hop, with the value found there.
    /// For a `$ref` whose file exists but whose pointer does not: the same reference with the
    /// first missing token replaced by the closest existing key, when one is close.
    pub fn suggest_ref(&self, from: FileId, reference: &str) -> Option<String> {
        let (path, pointer) = split_ref(reference).ok()?;
        let file = if path.is_empty() {
            from
        } else {
            let dir = self.file(from).path.parent()?.to_path_buf();
            let canonical = std::fs::canonicalize(dir.join(path)).ok()?;
            *self.by_path.get(&canonical)?
        };
        let root = self.file(file).value.as_ref()?;
        let tokens: Vec<String> = pointer.tokens().map(|t| t.into_owned()).collect();
        let mut here = Pointer::root();
        for (i, token) in tokens.iter().enumerate() {
            let parent = here.lookup(root)?;
            if parent.get(token.as_str()).is_none() {
                let best = parent
                    .as_object()?
                    .keys()
                    .map(|k| (strsim::jaro_winkler(k, token), k))
                    .filter(|(score, _)| *score > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))?
                    .1;
                let fixed = tokens[i + 1..]
                    .iter()
                    .fold(here.push(best), |p, t| p.push(t));
                return Some(format!("{path}#{}", fixed.as_str()));
            }
            here = here.push(token);
        }
        None
    }

    fn resolve_ref_value(
        &self,
        from: FileId,
        reference: &str,
    ) -> Result<(RefTarget, &Value), RefError> {
        let (path, pointer) = split_ref(reference)?;
        let file = if path.is_empty() {
            from
        } else {
            let dir = self
                .file(from)
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let joined = dir.join(path);
            let canonical = std::fs::canonicalize(&joined).unwrap_or(joined.clone());
            match self.by_path.get(&canonical) {
                Some(id) => *id,
                None => {
                    let reason = self
                        .unreadable
                        .get(&canonical)
                        .or_else(|| self.unreadable.get(&joined))
                        .cloned()
                        .unwrap_or_else(|| "not found".to_owned());
                    return Err(RefError::MissingFile {
                        path: path.to_owned(),
                        reason,
                    });
                }
            }
        };
        let target = self.file(file);
        let Some(root) = &target.value else {
            return Err(RefError::UnparsableFile(target.display.clone()));
        };
        match pointer.lookup(root) {
            Some(value) => Ok((RefTarget { file, pointer }, value)),
            None => Err(RefError::MissingTarget {
                file: target.display.clone(),
                pointer: pointer.as_str().to_owned(),
            }),
        }
    }

    /// The value at a target; `None` only for targets not produced by [`Self::resolve_ref`].
    pub fn value_at(&self, target: &RefTarget) -> Option<&Value> {
        target
            .pointer
            .lookup(self.file(target.file).value.as_ref()?)
    }

    /// Follows `$ref` objects from (`file`, `pointer`) until reaching content.
    pub fn follow(&self, file: FileId, pointer: Pointer) -> Result<(RefTarget, &Value), RefError> {
        let here = RefTarget { file, pointer };
        let value = self
            .value_at(&here)
            .ok_or_else(|| RefError::MissingTarget {
                file: self.file(here.file).display.clone(),
                pointer: here.pointer.as_str().to_owned(),
            })?;
        self.follow_from(here, value)
    }

    /// Resolves a `$ref` written in `from` and follows any chain to content.
    pub fn follow_ref(
        &self,
        from: FileId,
        reference: &str,
    ) -> Result<(RefTarget, &Value), RefError> {
        let (here, value) = self.resolve_ref_value(from, reference)?;
        self.follow_from(here, value)
    }

    fn follow_from<'s>(
        &'s self,
        mut here: RefTarget,
        mut value: &'s Value,
    ) -> Result<(RefTarget, &'s Value), RefError> {
        // Chains are short; a list beats a hash set here.
        let mut seen: Vec<RefTarget> = Vec::new();
        while let Some(r) = value.as_object().and_then(|m| m.get("$ref")) {
            if seen.contains(&here) || seen.len() > MAX_HOPS {
                return Err(RefError::Cycle);
            }
            let Value::String(r) = r else {
                return Err(RefError::NotString);
            };
            let (next, v) = self.resolve_ref_value(here.file, r)?;
            seen.push(std::mem::replace(&mut here, next));
            value = v;
        }
        Ok((here, value))
    }

    /// A diagnostic at its code's default severity, located later by [`Self::locate`].
    pub fn diag(
        &self,
        code: Code,
        message: impl Into<String>,
        file: FileId,
        pointer: Pointer,
    ) -> Diagnostic {
        Diagnostic {
            severity: code.default_severity(),
            code,
            message: message.into(),
            location: self.location(file, pointer, false),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn location(&self, file: FileId, pointer: Pointer, at_key: bool) -> Location {
        Location {
            file_id: file,
            file: self.file(file).display.clone(),
            pointer,
            line: None,
            column: None,
            at_key,
        }
    }

    /// Fills in line and column from each file's source map.
    pub fn locate(&self, diags: &mut Diagnostics) {
        for d in diags.iter_mut() {
            self.locate_one(&mut d.location);
            for r in &mut d.related {
                self.locate_one(&mut r.location);
            }
        }
    }

    fn locate_one(&self, loc: &mut Location) {
        if loc.line.is_some() {
            return;
        }
        let file = self.file(loc.file_id);
        if let Some((line, col)) = file.position(&loc.pointer, loc.at_key) {
            loc.line = Some(line);
            loc.column = Some(col);
        } else if !file.text.is_empty() {
            loc.line = Some(1);
            loc.column = Some(1);
        }
    }
}

impl Diagnostic {
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn at_key(mut self) -> Self {
        self.location.at_key = true;
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_ref_forms() {
        assert_eq!(
            split_ref("#/a/b").unwrap(),
            ("", Pointer::from_escaped("/a/b").unwrap())
        );
        assert_eq!(split_ref("x.yml").unwrap(), ("x.yml", Pointer::root()));
        assert_eq!(
            split_ref("d/x.yml#/a%20b")
                .unwrap()
                .1
                .tokens()
                .next()
                .unwrap(),
            "a b"
        );
        assert!(matches!(
            split_ref("https://x/y.yml#/a"),
            Err(RefError::Remote(_))
        ));
        assert!(matches!(
            split_ref("#components/x"),
            Err(RefError::BadPointer { .. })
        ));
        assert!(matches!(split_ref(" "), Err(RefError::Empty)));
    }

    #[test]
    fn relative_paths_use_forward_slashes() {
        assert_eq!(
            relative(Path::new("/a/b/c.yml"), Path::new("/a")),
            "b/c.yml"
        );
        assert_eq!(
            relative(Path::new("/a/c.yml"), Path::new("/a/b")),
            "../c.yml"
        );
    }
}
