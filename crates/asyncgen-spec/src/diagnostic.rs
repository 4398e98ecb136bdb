//! Diagnostics: what is wrong with a document, where, and how bad; collected, never thrown.

use std::fmt;

use crate::pointer::Pointer;
use crate::source::FileId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident;)*) => {
        /// A stable diagnostic code. The string form never changes once released: tests, CI
        /// filters and users' scripts match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The severity this code has unless `--strict` promotes warnings.
            pub fn default_severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

codes! {
    /// The file could not be read.
    Io = "io", Error;
    /// The file is not UTF-8 text.
    NotUtf8 = "not-utf8", Error;
    /// The file holds no document at all.
    EmptyDocument = "empty-document", Error;
    /// YAML or JSON syntax error, including duplicate keys.
    Syntax = "syntax", Error;
    /// The document nests deeper than the parser's limit.
    TooDeep = "too-deep", Error;
    /// The document root is not a mapping.
    RootNotObject = "root-not-object", Error;
    /// No `asyncapi` field.
    MissingVersion = "missing-version", Error;
    /// An `asyncapi` version this tool does not know.
    UnknownVersion = "unknown-version", Error;
    /// A required field is absent.
    MissingField = "missing-field", Error;
    /// A field holds a value of the wrong JSON type.
    WrongType = "wrong-type", Error;
    /// A field holds a value outside its allowed set.
    InvalidValue = "invalid-value", Error;
    /// A field the specification does not define (and not an `x-` extension).
    UnexpectedField = "unexpected-field", Warning;
    /// A field that belongs elsewhere or to another AsyncAPI version.
    MisplacedField = "misplaced-field", Warning;
    /// An optional object, map or list field written empty (`null`, as `externalDocs:` with
    /// nothing under it): ignored.
    EmptyField = "empty-field", Warning;
    /// An External Documentation Object without its required `url` (published documents
    /// often keep only a description): it only documents, so it is ignored.
    IncompleteDocs = "incomplete-docs", Warning;
    /// `$ref` is not a string or not a valid reference.
    MalformedRef = "malformed-ref", Error;
    /// `$ref` points at a file or location that does not exist.
    UnresolvedRef = "unresolved-ref", Error;
    /// A chain of `$ref`s that leads back to itself without content.
    RefCycle = "ref-cycle", Error;
    /// `$ref` to a remote URL; documents must be local files.
    RemoteRef = "remote-ref", Error;
    /// Two operations or messages share an id.
    DuplicateId = "duplicate-id", Error;
    /// An operation names a channel that does not exist.
    MissingChannel = "missing-channel", Error;
    /// An operation names a message that its channel does not carry.
    MissingMessage = "missing-message", Error;
    /// A channel names a server that does not exist.
    MissingServer = "missing-server", Error;
    /// A security requirement names a scheme that does not exist.
    MissingSecurityScheme = "missing-security-scheme", Error;
    /// A channel address parameter without a declaration, or the reverse.
    UndeclaredParameter = "undeclared-parameter", Warning;
    /// An operation references a component message instead of its channel's message.
    IndirectMessageRef = "indirect-message-ref", Warning;
    /// A document with channels but nothing for a generator to act on.
    NoOperations = "no-operations", Warning;
    /// An `x-asyncgen-*` extension whose value does not match its schema.
    InvalidExtension = "invalid-extension", Error;
    /// An `x-asyncgen-*` extension on an object where it has no meaning (it is ignored).
    MisplacedExtension = "misplaced-extension", Warning;
    /// An `x-asyncgen-*` name this version does not define (a typo, or a newer tool's).
    UnknownExtension = "unknown-extension", Warning;
    /// Two schemas whose keys become the same Rust type name.
    NameCollision = "name-collision", Error;
    /// Messages sharing an operation that no property tells apart; they are tried in order.
    AmbiguousDispatch = "ambiguous-dispatch", Warning;
    /// A message recognised by another generator's vendor extensions
    /// (`x-ballerina-event-identifier` and `x-ballerina-event-type`), or named by them in a way
    /// that is not followed.
    VendorDispatch = "vendor-dispatch", Warning;
    /// Messages a payload cannot tell apart, recognised by the event-type header of their
    /// endpoint's signature preset (`X-GitHub-Event`) equal to their `name`.
    PresetDispatch = "preset-dispatch", Warning;
    /// Operations arriving at one webhook endpoint that require different security: one
    /// receiver cannot verify them differently.
    ConflictingSecurity = "conflicting-security", Error;
    /// A receiver or sender asked of a document that declares no server: the messages the
    /// described application sends arrive at one endpoint at the `webhook_path` route.
    NoServer = "no-server", Warning;
    /// A webhook endpoint whose requests nothing verifies (no security declared, or none an
    /// extension says how to check): its receiver refuses to start unless the application
    /// opts out of verification.
    UnverifiedEndpoint = "unverified-endpoint", Warning;

}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where a diagnostic points. Line and column are 1-based and filled in from the source map
/// (or, for syntax errors, from the parser) before diagnostics leave the loader.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    #[serde(skip)]
    pub file_id: FileId,
    /// The file as the user named it, relative to the root document's folder.
    pub file: String,
    pub pointer: Pointer,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Point at the key of the field rather than its value (unexpected fields, duplicates).
    #[serde(skip)]
    pub at_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Related {
    pub message: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The collected diagnostics of one load.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Diagnostic> {
        self.items.iter_mut()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Turns every warning into an error (`--strict`).
    pub fn promote_warnings(&mut self) {
        for d in &mut self.items {
            d.severity = Severity::Error;
        }
    }

    /// Orders by file, then position, then code, and drops exact repeats, so output is stable
    /// whatever order the checks ran in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (
                a.location.file_id,
                a.location.line,
                a.location.column,
                a.code,
                &a.message,
            )
                .cmp(&(
                    b.location.file_id,
                    b.location.line,
                    b.location.column,
                    b.code,
                    &b.message,
                ))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
