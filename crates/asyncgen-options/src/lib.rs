//! What a generation run produces and how: the options shared by the CLI, build scripts and the
//! CI check, in a crate of their own so that a build script driving an installed `asyncgen`
//! binary gets them without compiling the generator.
//!
//! Every option is declared exactly once, in the `options!` invocation below, with its doc
//! comment, type, default, CLI flag and how it is written back as CLI arguments. From that one
//! declaration come the [`Settings`] field, its `&mut self` builder setter (the prost-build
//! habit, for build scripts), [`Settings::to_args`] (for running the binary), an [`OPTIONS`]
//! entry (for docs and the tests that keep the CLI honest), a `for_each_option!` callback (so a
//! builder in another crate forwards every setter without listing them) and, behind the `cli`
//! feature, the `clap` flag in `SettingsArgs`. The feature keeps clap out of build scripts.
//! Adding an option anywhere else would let the entry points drift apart, which is exactly
//! what this crate exists to prevent.

mod verify;
mod webhook_path;

pub use verify::Verify;
pub use webhook_path::WebhookPath;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Declares the outputs once: each variant with its doc (the rustdoc and the `--only` help),
/// its name, the module it generates, and the names it was known by before, which are still
/// accepted. From that come [`Output`], [`Output::ALL`], the names, [`FromStr`] and, behind
/// the `cli` feature, the `clap` values of `--only`.
macro_rules! outputs {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $name:literal, module $module:literal $(, alias $alias:literal)*;
    )*) => {
        /// One generated output: a module of the generated directory.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Output {
            $($(#[doc = $doc])+ $variant,)*
        }

        impl Output {
            /// Every output, in generation order.
            pub const ALL: &'static [Output] = &[$(Output::$variant),*];

            /// The output's name: its `--only` value, and the feature of `asyncgen-runtime` its
            /// module calls (types aside, which need only serde).
            pub fn name(self) -> &'static str {
                match self {
                    $(Output::$variant => $name,)*
                }
            }

            /// The module it generates (`client` → `client.rs`): the file names predate the
            /// protocol prefixes of the names, and stay so that existing code keeps compiling.
            pub fn module(self) -> &'static str {
                match self {
                    $(Output::$variant => $module,)*
                }
            }

            /// Earlier names of the output, still accepted wherever a name is.
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    $(Output::$variant => &[$($alias),*],)*
                }
            }

            /// The doc's first paragraph on one line, without its final period, as clap shows a
            /// derived value's doc.
            #[cfg(feature = "cli")]
            fn help(self) -> &'static str {
                let doc = match self {
                    $(Output::$variant => concat!($($doc),+),)*
                };
                doc.trim().trim_end_matches('.')
            }
        }
    };
}

outputs! {
    /// Message payloads, headers and component schemas as serde types.
    Types = "types", module "types";
    /// A webhook receiver (axum, via `asyncgen-runtime`) for each HTTP server the described
    /// application sends to: a handler trait and a verified, dispatching route.
    Receiver = "receiver", module "receiver";
    /// The provider's side of each webhook endpoint: a typed client that signs and posts
    /// events as the provider does, to exercise a receiver without the provider.
    Sender = "sender", module "sender";
    /// A typed websocket client (tokio-tungstenite, via `asyncgen-runtime`) for each websocket
    /// server: subscriptions with typed topics, typed events, reconnection with the spec's
    /// backoff, heartbeats and token refresh.
    WsClient = "ws-client", module "client", alias "client";
    /// The server's side of each websocket: a mock server that answers subscriptions,
    /// publishes events to matching topics and injects faults, to exercise a client without
    /// the provider.
    WsMock = "ws-mock", module "mock", alias "mock";
}

/// A name that is no output's, nor an alias of one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output `{0}`: expected one of {names}", names = Output::names(Output::ALL))]
pub struct UnknownOutput(pub String);

impl FromStr for Output {
    type Err = UnknownOutput;

    /// An output by its name or one of its aliases (`ws-client` or `client`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Output::ALL
            .iter()
            .copied()
            .find(|o| o.name() == s || o.aliases().contains(&s))
            .ok_or_else(|| UnknownOutput(s.to_owned()))
    }
}

#[cfg(feature = "cli")]
impl clap::ValueEnum for Output {
    fn value_variants<'a>() -> &'a [Self] {
        Output::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let value = clap::builder::PossibleValue::new(self.name())
            .aliases(self.aliases().iter().copied())
            .help(self.help());
        Some(value)
    }
}

impl Output {
    /// Output names as `--only` takes them: `types,receiver`.
    pub fn names<'a>(outputs: impl IntoIterator<Item = &'a Output>) -> String {
        let names: Vec<&str> = outputs.into_iter().map(|o| o.name()).collect();
        names.join(",")
    }

    /// The feature of `asyncgen-runtime` the generated module calls; `None` for the types,
    /// which need only serde.
    pub fn runtime_feature(self) -> Option<&'static str> {
        // The runtime's features are named as the outputs are.
        (self != Output::Types).then(|| self.name())
    }

    /// The outputs this one cannot be generated without: the table every entry point checks a
    /// request against ([`Outputs::check`]), so a generator never finds a module it uses
    /// missing. Receivers, senders, clients and mocks all name the types module's types.
    pub fn requires(self) -> &'static [Output] {
        match self {
            Output::Types => &[],
            Output::Receiver | Output::Sender | Output::WsClient | Output::WsMock => {
                &[Output::Types]
            }
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which outputs a run generates.
///
/// The default is not "every output" but "every output that applies": a document with no
/// webhook channel gets no receiver, without the user having to say so. Naming outputs
/// explicitly (`--only`) restricts the run to those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Outputs {
    /// Every output that applies to the document.
    #[default]
    Applicable,
    /// Exactly these outputs (each still only where it applies to the document).
    Only(BTreeSet<Output>),
}

impl Outputs {
    /// Exactly the outputs given.
    pub fn only(outputs: impl IntoIterator<Item = Output>) -> Self {
        Outputs::Only(outputs.into_iter().collect())
    }

    /// Whether `output` is wanted, provided it applies to the document.
    pub fn includes(&self, output: Output) -> bool {
        match self {
            Outputs::Applicable => true,
            Outputs::Only(set) => set.contains(&output),
        }
    }

    /// Wants `output` or not, leaving the others as they are. Turning one off from
    /// [`Outputs::Applicable`] leaves every other output, still where it applies.
    pub fn set(&mut self, output: Output, on: bool) {
        match self {
            Outputs::Applicable if on => {}
            Outputs::Applicable => {
                *self = Outputs::only(Output::ALL.iter().copied().filter(|o| *o != output));
            }
            Outputs::Only(set) if on => {
                set.insert(output);
            }
            Outputs::Only(set) => {
                set.remove(&output);
            }
        }
    }

    /// Whether every output asked for can be generated: each with its prerequisites
    /// ([`Output::requires`]), and at least one, since a module with nothing but its root is
    /// never what a caller wants. The CLI, the build-script builder and the generator all call
    /// this before generating.
    pub fn check(&self) -> Result<(), OutputsError> {
        let Outputs::Only(asked) = self else {
            return Ok(());
        };
        if asked.is_empty() {
            return Err(OutputsError::Empty);
        }
        let mut complete = asked.clone();
        // Prerequisites of prerequisites too, however deep the table grows.
        let mut queue: Vec<Output> = asked.iter().copied().collect();
        while let Some(output) = queue.pop() {
            for &needed in output.requires() {
                if complete.insert(needed) {
                    queue.push(needed);
                }
            }
        }
        if complete.len() == asked.len() {
            return Ok(());
        }
        Err(OutputsError::MissingPrerequisites {
            asked: asked.clone(),
            missing: complete.difference(asked).copied().collect(),
        })
    }
}

/// Why a set of outputs cannot be generated ([`Outputs::check`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutputsError {
    /// No output at all: the module would be an empty root.
    #[error(
        "no output asked for: name at least one of {}",
        Output::names(Output::ALL)
    )]
    Empty,
    /// Outputs asked for without an output they need.
    #[error(
        "`{}` needs `{}`: ask for `{}`",
        Output::names(asked),
        Output::names(missing),
        Output::names(asked.union(missing))
    )]
    MissingPrerequisites {
        /// The outputs asked for.
        asked: BTreeSet<Output>,
        /// What they need and was not asked for.
        missing: BTreeSet<Output>,
    },
}

impl OutputsError {
    /// The outputs to ask for instead: those asked for and what they need, in generation
    /// order. Empty for [`OutputsError::Empty`].
    pub fn completed(&self) -> BTreeSet<Output> {
        match self {
            OutputsError::Empty => BTreeSet::new(),
            OutputsError::MissingPrerequisites { asked, missing } => {
                asked.union(missing).copied().collect()
            }
        }
    }
}

impl OutputsError {
    /// The error in the command line's terms: `` `--only receiver` needs `types`: use `--only
    /// types,receiver` ``.
    pub fn to_cli(&self) -> String {
        // The flag as declared, so this message cannot name a flag the CLI does not have.
        let flag = OPTIONS
            .iter()
            .find(|o| o.name == "outputs")
            .map_or("only", |o| o.flag);
        match self {
            OutputsError::Empty => {
                format!(
                    "`--{flag}` needs at least one of {}",
                    Output::names(Output::ALL)
                )
            }
            OutputsError::MissingPrerequisites { asked, missing } => format!(
                "`--{flag} {}` needs `{}`: use `--{flag} {}`",
                Output::names(asked),
                Output::names(missing),
                Output::names(&self.completed())
            ),
        }
    }
}

impl From<Output> for Outputs {
    fn from(output: Output) -> Self {
        Outputs::only([output])
    }
}

impl<const N: usize> From<[Output; N]> for Outputs {
    fn from(outputs: [Output; N]) -> Self {
        Outputs::only(outputs)
    }
}

impl From<Vec<Output>> for Outputs {
    fn from(outputs: Vec<Output>) -> Self {
        Outputs::only(outputs)
    }
}

impl From<BTreeSet<Output>> for Outputs {
    fn from(outputs: BTreeSet<Output>) -> Self {
        Outputs::Only(outputs)
    }
}

/// One option as declared, for documentation and for tests that compare it with the CLI help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInfo {
    /// The [`Settings`] field and builder method.
    pub name: &'static str,
    /// The CLI flag without its leading `--`.
    pub flag: &'static str,
    /// The doc comment, one entry per source line, as written after `///`.
    pub doc: &'static [&'static str],
}

impl OptionInfo {
    /// The doc comment's first paragraph on one line: what the CLI help shows for the flag.
    pub fn summary(&self) -> String {
        let lines = self
            .doc
            .iter()
            .map(|l| l.trim())
            .take_while(|l| !l.is_empty());
        lines.collect::<Vec<_>>().join(" ")
    }
}

/// Declares every option once and derives the settings struct, its builder setters, the
/// [`OPTIONS`] table and the `clap` arguments from it.
///
/// Each entry reads:
///
/// ```text
/// /// Doc comment: becomes the field's rustdoc, the setter's rustdoc and the CLI help.
/// name: Type = default_expr;
///     cli "flag-name": CliType [extra clap #[arg] settings] => |cli_value| -> Option<Type>;
/// ```
///
/// The closure turns the parsed CLI value into the setting, or `None` to leave the setting as
/// it was (a flag not given must not override what a caller set before applying the CLI).
macro_rules! options {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident: $ty:ty = $default:expr;
        cli $flag:literal: $cli_ty:ty $([$($arg:tt)*])? => $into:expr;
    )*) => {
        options! { @with_dollar ($) $(
            $(#[doc = $doc])+
            $field: $ty = $default;
            cli $flag: $cli_ty $([$($arg)*])? => $into;
        )* }
    };
    // `$d` is a literal `$`, so the nested `for_each_option!` can have metavariables of its own.
    (@with_dollar ($d:tt) $(
        $(#[doc = $doc:literal])+
        $field:ident: $ty:ty = $default:expr;
        cli $flag:literal: $cli_ty:ty $([$($arg:tt)*])? => $into:expr;
    )*) => {
        /// Calls the macro `$callback` with every option as `/// doc` `name: Type;`, so that
        /// another builder (the build-script one) can forward a setter per option without
        /// declaring the options again. The types are written as in this crate
        /// ([`Outputs`], ...): import them where the callback expands.
        ///
        /// ```
        /// use asyncgen_options::{Output, Outputs, Settings, Verify, WebhookPath};
        ///
        /// #[derive(Default)]
        /// pub struct Builder {
        ///     settings: Settings,
        /// }
        ///
        /// macro_rules! forward {
        ///     ($($(#[doc = $doc:literal])+ $field:ident: $ty:ty;)*) => {
        ///         impl Builder {
        ///             $(
        ///                 $(#[doc = $doc])+
        ///                 pub fn $field(&mut self, value: impl Into<$ty>) -> &mut Self {
        ///                     self.settings.$field(value);
        ///                     self
        ///                 }
        ///             )*
        ///         }
        ///     };
        /// }
        /// asyncgen_options::for_each_option!(forward);
        ///
        /// let mut builder = Builder::default();
        /// builder.derive_json_schema(true).outputs([Output::Types]);
        /// assert_eq!(builder.settings.outputs, Outputs::only([Output::Types]));
        /// ```
        #[macro_export]
        macro_rules! for_each_option {
            ($d callback:path) => {
                $d callback! { $( $(#[doc = $doc])+ $field: $ty; )* }
            };
        }

        /// Options of a generation run. Build one with [`Settings::default`] and the setters
        /// (`settings.derive_json_schema(true)`); the CLI fills it from its flags.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Settings {
            $(
                $(#[doc = $doc])+
                pub $field: $ty,
            )*
        }

        impl Default for Settings {
            fn default() -> Self {
                Settings { $($field: $default,)* }
            }
        }

        impl Settings {
            $(
                $(#[doc = $doc])+
                pub fn $field(&mut self, value: impl Into<$ty>) -> &mut Self {
                    self.$field = value.into();
                    self
                }
            )*

            /// The arguments of `asyncgen generate` (or `check`) that ask for these settings;
            /// empty for the defaults. An empty set of outputs has no CLI form (`--only=` is
            /// refused): a run that generates nothing but the module root is not one to ask
            /// for.

            pub fn to_args(&self) -> Vec<String> {
                let mut args = Vec::new();
                $(args.extend(ToArgs::to_args(&self.$field, $flag));)*
                args
            }
        }


        /// Every option, in declaration order.
        pub const OPTIONS: &[OptionInfo] = &[
            $(OptionInfo {
                name: stringify!($field),
                flag: $flag,
                doc: &[$($doc),+],
            },)*
        ];

        /// The options as `clap` flags, to `#[command(flatten)]` into a subcommand.
        #[cfg(feature = "cli")]
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct SettingsArgs {
            $(
                $(#[doc = $doc])+
                #[arg(long = $flag)]
                $(#[arg($($arg)*)])?
                pub $field: $cli_ty,
            )*
        }

        #[cfg(feature = "cli")]
        impl SettingsArgs {
            /// Sets on `settings` every option given on the command line; the others keep
            /// their value.
            pub fn apply(&self, settings: &mut Settings) {
                $({
                    let into: fn($cli_ty) -> Option<$ty> = $into;
                    if let Some(value) = into(self.$field.clone()) {
                        settings.$field = value;
                    }
                })*
            }

            /// The settings the command line asks for: the defaults, then the flags given.
            pub fn settings(&self) -> Settings {
                let mut settings = Settings::default();
                self.apply(&mut settings);
                settings
            }
        }
    };
}

options! {
    /// Derive `schemars::JsonSchema` on every generated type; the crate using the output then
    /// needs `schemars`.
    derive_json_schema: bool = false;
        cli "derive-json-schema": bool => |on: bool| on.then_some(true);

    /// Generate only these outputs (comma-separated); by default every output that applies to
    /// the document.
    outputs: Outputs = Outputs::Applicable;
        cli "only": Option<Vec<Output>> [value_name = "OUTPUT", value_delimiter = ','] =>
            |only: Option<Vec<Output>>| only.map(Outputs::only);

    /// Treat warnings (unexpected or misplaced fields, ambiguous dispatch, ...) as errors, so
    /// nothing is generated from a document that has any.
    strict: bool = false;
        cli "strict": bool => |on: bool| on.then_some(true);

    /// Verify the webhook endpoints whose document declares no verifiable security with this
    /// signature preset (`stripe`, `github`, ...; specs/README.md lists them), as if each
    /// endpoint's server named a scheme `<preset>Signature` with `x-asyncgen-signature:
    /// {preset: PRESET}`; its key is read from `<PRESET>_SIGNATURE`.
    verify: Verify = Verify::Declared;
        cli "verify": Option<String> [value_name = "PRESET"] =>
            |preset: Option<String>| preset.map(Verify::Preset);

    /// The route of the webhook endpoint of a document that declares no server (its URL is
    /// the one registered with the provider): when the receiver or the sender is asked for,
    /// the messages the described application sends arrive there, channels whose address is
    /// a path below it.
    webhook_path: WebhookPath = WebhookPath::default();
        cli "webhook-path": Option<String> [value_name = "PATH"] =>
            |path: Option<String>| path.map(WebhookPath::from);
}

/// `--flag` when `on`, nothing otherwise: how a boolean option is written as arguments.
fn switch(flag: &str, on: bool) -> Vec<String> {
    if on {
        vec![format!("--{flag}")]
    } else {
        Vec::new()
    }
}

/// The CLI arguments of a boolean option or of [`Outputs`].
trait ToArgs {
    fn to_args(&self, flag: &str) -> Vec<String>;
}

impl ToArgs for bool {
    fn to_args(&self, flag: &str) -> Vec<String> {
        switch(flag, *self)
    }
}

impl ToArgs for Outputs {
    fn to_args(&self, flag: &str) -> Vec<String> {
        match self {
            Outputs::Applicable => Vec::new(),
            Outputs::Only(set) => vec![format!("--{flag}={}", Output::names(set))],
        }
    }
}

impl Settings {
    /// Turns one output on or off, keeping the others as they are: starting from the default
    /// (every output that applies), `output(Output::WsClient, false)` keeps all the rest.
    pub fn output(&mut self, output: Output, on: bool) -> &mut Self {
        self.outputs.set(output, on);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_chain_and_set() {
        let mut settings = Settings::default();
        settings.derive_json_schema(true).outputs([Output::Types]);
        assert!(settings.derive_json_schema);
        assert_eq!(settings.outputs, Outputs::only([Output::Types]));
    }

    #[test]
    fn outputs_turn_on_and_off_one_at_a_time() {
        let mut settings = Settings::default();
        settings.output(Output::Receiver, true);
        assert_eq!(settings.outputs, Outputs::Applicable);
        settings
            .output(Output::WsClient, false)
            .output(Output::WsMock, false);
        assert_eq!(
            settings.outputs,
            Outputs::only([Output::Types, Output::Receiver, Output::Sender])
        );
        settings.output(Output::WsMock, true);
        assert!(settings.outputs.includes(Output::WsMock));
        assert!(!settings.outputs.includes(Output::WsClient));
        let mut only = Outputs::only([Output::Types]);
        only.set(Output::Types, false);
        assert_eq!(only, Outputs::only([]));
    }

    /// The websocket outputs were once `client` and `mock`; those names still work, and
    /// every name and module is distinct, so a new protocol's outputs cannot shadow one.
    #[test]
    fn outputs_are_found_by_name_and_by_their_old_names() {
        for &output in Output::ALL {
            assert_eq!(output.name().parse(), Ok(output));
        }
        assert_eq!("client".parse(), Ok(Output::WsClient));
        assert_eq!("mock".parse(), Ok(Output::WsMock));
        assert_eq!("ws".parse::<Output>(), Err(UnknownOutput("ws".to_owned())));
        let mut names = BTreeSet::new();
        let mut modules = BTreeSet::new();
        for &output in Output::ALL {
            for name in std::iter::once(output.name()).chain(output.aliases().iter().copied()) {
                assert!(names.insert(name), "`{name}` names two outputs");
            }
            assert!(modules.insert(output.module()), "{output}");
        }
    }

    /// `--only` takes the old names too, and reads them as the outputs they were.
    #[cfg(feature = "cli")]
    #[test]
    fn the_cli_takes_the_old_output_names() {
        use clap::Parser;

        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: SettingsArgs,
        }
        let parsed = Cli::try_parse_from(["asyncgen", "--only", "types,client,mock"])
            .expect("old names parse");
        assert_eq!(
            parsed.settings.settings().outputs,
            Outputs::only([Output::Types, Output::WsClient, Output::WsMock])
        );
    }

    #[test]
    fn outputs_are_checked_against_what_they_require() {
        assert_eq!(Outputs::Applicable.check(), Ok(()));
        assert_eq!(Outputs::only([Output::Types]).check(), Ok(()));
        assert_eq!(
            Outputs::only([Output::Types, Output::WsClient]).check(),
            Ok(())
        );
        assert_eq!(Outputs::only([]).check(), Err(OutputsError::Empty));
        let err = Outputs::only([Output::WsMock, Output::Receiver])
            .check()
            .expect_err("no types");
        assert_eq!(
            err.completed(),
            BTreeSet::from([Output::Types, Output::Receiver, Output::WsMock])
        );
        assert_eq!(
            err.to_string(),
            "`receiver,ws-mock` needs `types`: ask for `types,receiver,ws-mock`"
        );
        assert_eq!(
            err.to_cli(),
            "`--only receiver,ws-mock` needs `types`: use `--only types,receiver,ws-mock`"
        );
        // Whatever an output requires is itself complete, so the advice is never refused.
        for &output in Output::ALL {
            let asked = Outputs::only([output]);
            let advice = match asked.check() {
                Ok(()) => continue,
                Err(e) => e.completed(),
            };
            assert_eq!(Outputs::Only(advice).check(), Ok(()), "{output}");
        }
    }

    #[test]
    fn settings_are_written_back_as_cli_arguments() {
        assert!(Settings::default().to_args().is_empty());
        let mut settings = Settings::default();
        settings
            .derive_json_schema(true)
            .strict(true)
            .outputs([Output::Receiver, Output::Types]);
        assert_eq!(
            settings.to_args(),
            ["--derive-json-schema", "--only=types,receiver", "--strict"]
        );
    }

    /// What `to_args` writes, the CLI reads back as the same settings.
    #[cfg(feature = "cli")]
    #[test]
    fn cli_arguments_round_trip() {
        use clap::Parser;

        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: SettingsArgs,
        }
        let mut settings = Settings::default();
        for case in [
            Settings::default(),
            settings.derive_json_schema(true).clone(),
            settings.output(Output::WsMock, false).clone(),
            settings
                .strict(true)
                .outputs(Outputs::only([Output::WsClient]))
                .clone(),
        ] {
            let args = std::iter::once("asyncgen".to_owned()).chain(case.to_args());
            let parsed = Cli::try_parse_from(args).expect("the CLI reads to_args");
            assert_eq!(parsed.settings.settings(), case);
        }
    }

    #[test]
    fn defaults() {
        let settings = Settings::default();
        assert!(!settings.derive_json_schema);
        assert_eq!(settings.outputs, Outputs::Applicable);
        assert!(settings.outputs.includes(Output::Types));
    }

    /// A second builder wrapping `Settings`, its setters generated from the one declaration,
    /// as the build-script builder is meant to.
    #[test]
    fn for_each_option_lets_another_builder_forward_every_setter() {
        struct Builder {
            settings: Settings,
        }
        macro_rules! forward {
            ($($(#[doc = $doc:literal])+ $field:ident: $ty:ty;)*) => {
                impl Builder {
                    $(
                        $(#[doc = $doc])+
                        fn $field(&mut self, value: impl Into<$ty>) -> &mut Self {
                            self.settings.$field(value);
                            self
                        }
                    )*
                }
            };
        }
        for_each_option!(forward);

        let mut builder = Builder {
            settings: Settings::default(),
        };
        builder
            .derive_json_schema(true)
            .outputs(Output::Types)
            .strict(true)
            .verify("stripe")
            .webhook_path("/hooks");
        assert!(builder.settings.derive_json_schema && builder.settings.strict);
        assert_eq!(builder.settings.verify, Verify::Preset("stripe".into()));
        assert_eq!(builder.settings.webhook_path.as_str(), "/hooks");
        assert_eq!(
            builder.settings.to_args(),
            [
                "--derive-json-schema",
                "--only=types",
                "--strict",
                "--verify=stripe",
                "--webhook-path=/hooks"
            ]
        );

        assert_eq!(builder.settings.outputs, Outputs::only([Output::Types]));
    }

    #[test]
    fn options_table_lists_every_field_with_its_doc() {
        let names: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
        assert_eq!(
            names,
            [
                "derive_json_schema",
                "outputs",
                "strict",
                "verify",
                "webhook_path"
            ]
        );
        for option in OPTIONS {
            assert!(!option.summary().is_empty(), "{option:?}");
            assert!(!option.flag.starts_with('-'), "{option:?}");
        }
    }
}
