//! Generates Rust from AsyncAPI documents in a build script, the way prost-build and
//! tonic-build do for protobuf: the document changes, `cargo build` regenerates, and nothing
//! else has to be remembered.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     asyncgen_build::configure()
//!         .receiver(true)
//!         .ws_client(false)
//!         .compile("specs/dialer-cx/webhooks.yml")?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs: the module `webhooks` (the document's file stem; see [`Builder::name`]).
//! mod api {
//!     asyncgen_runtime::include_spec!("webhooks");
//! }
//! ```
//!
//! Every option of `asyncgen generate` is a method of [`Builder`], declared once in
//! `asyncgen-options` for both. A build writes `$OUT_DIR/asyncgen/NAME/` (the same files the CLI
//! writes, only those whose content changed) and `$OUT_DIR/asyncgen/NAME.rs`, which
//! `include_spec!("NAME")` includes; it prints `cargo:rerun-if-changed` for the document and
//! every file it references, so cargo reruns the script when, and only when, one of them
//! changes. A document with errors fails the build with the diagnostics `asyncgen validate`
//! prints, located by file, line and column. No rustfmt is needed: the code is formatted by
//! prettyplease.
//!
//! By default the generator is linked into the build script (feature `embedded`). Without
//! that feature the build script runs the installed `asyncgen` binary of the same version,
//! named by the `ASYNCGEN` environment variable or found on `PATH` (as prost-build runs
//! `protoc`), which keeps the generator's dependencies out of the crate's build graph: cargo
//! checks fewer packages on every build.
//!
//! Without `asyncgen-runtime` (a types-only build), include the module with

//! `include!(concat!(env!("OUT_DIR"), "/asyncgen/NAME.rs"));`.

#[cfg(feature = "embedded")]
mod embedded;
mod error;
#[cfg(not(feature = "embedded"))]
mod external;
mod module;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use asyncgen_options::{Output, Outputs, Settings, Verify, WebhookPath};
pub use error::Error;

/// A build with default settings: every output that applies to the document.
pub fn configure() -> Builder {
    Builder::default()
}

/// Generates the module of the document at `spec` with the default settings; see
/// [`Builder::compile`].
pub fn compile(spec: impl AsRef<Path>) -> Result<Generated, Error> {
    configure().compile(spec)
}

/// Settings of a build-script run: every generation option, plus where the module goes and
/// what it is called.
#[derive(Debug, Clone)]
pub struct Builder {
    settings: Settings,
    out_dir: Option<PathBuf>,
    name: Option<String>,
    emit_rerun_if_changed: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            settings: Settings::default(),
            out_dir: None,
            name: None,
            emit_rerun_if_changed: true,
        }
    }
}

/// One setter per generation option, forwarded from the declaration in `asyncgen-options`, so
/// the builder cannot miss an option the CLI has.
macro_rules! forward_options {
    ($($(#[doc = $doc:literal])+ $field:ident: $ty:ty;)*) => {
        impl Builder {
            $(
                $(#[doc = $doc])+
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.settings.$field(value);
                    self
                }
            )*
        }
    };
}
asyncgen_options::for_each_option!(forward_options);

/// `receiver(true)`, `ws_client(false)`, ...: one output on or off, the others kept. Named
/// after [`Output`]'s variants; a test checks that every variant has its method.
macro_rules! output_switches {
    ($($method:ident => $output:ident,)*) => {
        impl Builder {
            $(
                #[doc = concat!(
                    "Generates the `", stringify!($method), "` output or not (see [`Output::",
                    stringify!($output), "`]), keeping the other outputs as they are. Like \
                    every output, it is generated only where it applies to the document."
                )]
                pub fn $method(self, on: bool) -> Self {
                    self.output(Output::$output, on)
                }
            )*
        }

        #[cfg(test)]
        const SWITCHES: &[Output] = &[$(Output::$output),*];
    };
}
output_switches! {
    types => Types,
    receiver => Receiver,
    sender => Sender,
    ws_client => WsClient,
    ws_mock => WsMock,
}

impl Builder {
    /// The websocket client's switch by its old name: [`Builder::ws_client`].
    pub fn client(self, on: bool) -> Self {
        self.ws_client(on)
    }

    /// The websocket mock's switch by its old name: [`Builder::ws_mock`].
    pub fn mock(self, on: bool) -> Self {
        self.ws_mock(on)
    }
}

impl Builder {
    /// Generates `output` or not, keeping the other outputs as they are.
    pub fn output(mut self, output: Output, on: bool) -> Self {
        self.settings.output(output, on);
        self
    }

    /// Every setting at once, replacing those set before.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The directory the module is written under (as `DIR/asyncgen/NAME/`); by default cargo's
    /// `OUT_DIR`. Outside a build script this must be set.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The name `include_spec!` takes; by default the document's file stem
    /// (`specs/acme/events.yml` → `events`). Set it when two documents share a stem. Letters,
    /// digits, `_` and `-` only.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for every file read (default on). Turn it off
    /// when calling the builder outside a build script.
    pub fn emit_rerun_if_changed(mut self, on: bool) -> Self {
        self.emit_rerun_if_changed = on;
        self
    }

    /// Loads the document at `spec` (a path relative to the package root, where cargo runs
    /// build scripts), generates its module and writes what changed.
    ///
    /// Diagnostics go to stderr as `asyncgen validate` prints them: cargo shows them when the
    /// build fails. Warnings alone do not fail it; each is also printed as a one-line
    /// `cargo:warning`, so it is seen on a successful build too.
    ///
    /// With the `embedded` feature (the default) the generator runs in the build script;
    /// without it, the `asyncgen` binary of the same version does, named by the `ASYNCGEN`
    /// environment variable or found on `PATH`.
    pub fn compile(&self, spec: impl AsRef<Path>) -> Result<Generated, Error> {
        // Before anything is read or run, so both modes refuse it alike.
        self.settings.outputs.check().map_err(Error::Outputs)?;
        let spec = spec.as_ref();
        let name = match &self.name {
            Some(name) => name.clone(),
            None => spec
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        if !module::valid_name(&name) {
            return Err(Error::InvalidName { name });
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            // Set by cargo for every build script: not a variable the user sets, so no
            // rerun-if-env-changed is needed for it.
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let root = out_dir.join("asyncgen");
        let dir = root.join(&name);

        #[cfg(feature = "embedded")]
        embedded::generate(spec, &dir, &self.settings, self.emit_rerun_if_changed)?;
        #[cfg(not(feature = "embedded"))]
        external::generate(spec, &dir, &self.settings, self.emit_rerun_if_changed)?;

        let include = root.join(format!("{name}.rs"));
        module::write_if_changed(&include, &module::wrapper(&name, &dir.join("mod.rs"))?)?;
        Ok(Generated { name, dir, include })
    }
}

/// What [`Builder::compile`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The name `include_spec!` takes.
    pub name: String,
    /// The generated module's directory (its root is `mod.rs`).
    pub dir: PathBuf,
    /// The file `include_spec!(name)` includes.
    pub include: PathBuf,
}

/// One instruction to cargo on stdout; a closed stdout is not worth a panic.
pub(crate) fn cargo_line(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_has_its_switch() {
        assert_eq!(SWITCHES, Output::ALL);
        let builder = configure().ws_client(false).ws_mock(false).receiver(true);
        assert_eq!(
            builder.settings.outputs,
            Outputs::only([Output::Types, Output::Receiver, Output::Sender])
        );
        // The old names of the websocket switches still turn the same outputs.
        let old = configure().client(false).mock(false).receiver(true);
        assert_eq!(old.settings.outputs, builder.settings.outputs);
    }

    /// An output without the types it uses would compile to a module holding nothing; the
    /// build fails instead, before reading the document, saying what to ask for.
    #[test]
    fn outputs_without_their_prerequisites_fail_the_build() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = configure()
            .outputs([Output::Receiver])
            .out_dir(dir.path())
            .emit_rerun_if_changed(false)
            .compile("no-such-document.yml")
            .expect_err("receiver without types");
        assert_eq!(
            err.to_string(),
            "the outputs `receiver` need `types`: use `.outputs([Output::Types, Output::Receiver])`"
        );
        assert!(!dir.path().join("asyncgen").exists());
        let err = configure()
            .types(false)
            .out_dir(dir.path())
            .compile("no-such-document.yml")
            .expect_err("everything but types");
        assert!(matches!(err, Error::Outputs(_)), "{err}");
    }

    #[test]
    fn options_are_forwarded() {
        let builder = configure().derive_json_schema(true).strict(true);
        assert!(builder.settings.derive_json_schema);
        assert!(builder.settings.strict);
    }
}
