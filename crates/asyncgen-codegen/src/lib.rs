//! Generators: from a loaded document to formatted Rust files. The CLI, build scripts and the
//! CI check all go through [`generate`], so they produce the same bytes.
//!
//! The output is one Rust module whose root is `mod.rs`, so `#[path = "DIR/mod.rs"] mod api;`
//! (or `include!` of the build script's copy) brings it in.

mod format;
pub mod output;
mod paths;
pub mod pipeline;
mod types;
mod webhook;
mod ws;

pub use webhook::{EndpointSummary, ReplySummary, SecuritySummary};
pub use ws::SocketSummary;

#[cfg(feature = "cli")]
pub use asyncgen_options::SettingsArgs;
pub use asyncgen_options::{
    OPTIONS, OptionInfo, Output, Outputs, OutputsError, Settings, for_each_option,
};
pub use format::HEADER;

use asyncgen_ir::Api;
use asyncgen_ir::types::TypeSpace;
use asyncgen_ir::views::Views;

/// One generated file, relative to the output directory (always `/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The generated code did not parse back as Rust: a bug in a generator, never the user's.
    #[error("internal error: generated `{file}` is not valid Rust ({message}); please report this")]
    Unparsable { file: String, message: String },
    /// Outputs asked for without the outputs they need: generating them would leave a module
    /// without what it refers to, or nothing at all.
    #[error(transparent)]
    Outputs(#[from] OutputsError),
    /// The `verify` option names no signature preset.
    #[error("`--verify {name}`: no such signature preset; the presets are {}", asyncgen_signature::preset_names().join(", "))]
    UnknownPreset { name: String },
    /// The `webhook_path` option is not a route a receiver can serve.
    #[error("`--webhook-path {path}`: {problem}")]
    InvalidWebhookPath { path: String, problem: &'static str },
}

/// Every file of the module for `api`, formatted, with the `@generated` header: from its type
/// space and protocol views as [`asyncgen_ir::views::build`] makes them. Refuses outputs asked
/// for without their prerequisites ([`Outputs::check`]) rather than leaving them out.
pub fn generate(
    api: &Api,
    space: &TypeSpace,
    views: &Views,
    settings: &Settings,
) -> Result<Vec<GeneratedFile>, GenerateError> {
    settings.outputs.check()?;
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let title = &api.info.title;
    if settings.outputs.includes(Output::Types) {
        files.push(format::items_file(
            &file(Output::Types),
            &format!("Types of {title}: message payloads, headers and component schemas."),
            space.types.len(),
            || {
                types::imports(
                    space,
                    &paths::Paths::for_space(space),
                    settings.derive_json_schema,
                )
            },
            |range| {
                let paths = paths::Paths::for_space(space);
                range
                    .map(|i| types::item_tokens(space, &paths, i, settings))
                    .collect::<Vec<_>>()
            },
        )?);
        modules.push(Output::Types);
    }
    let names = webhook::Names::all(api, space, &views.endpoints);
    let webhooks = !names.is_empty();
    if webhooks && settings.outputs.includes(Output::Receiver) {
        files.push(format::file(
            &file(Output::Receiver),
            &format!("Webhook receiver of {title}: handler traits and verified routes."),
            webhook::receiver::tokens(api, space, &names),
        )?);
        modules.push(Output::Receiver);
    }
    if webhooks && settings.outputs.includes(Output::Sender) {
        files.push(format::file(
            &file(Output::Sender),
            &format!("Webhook sender of {title}: posts signed events as the provider does."),
            webhook::sender::tokens(space, &names),
        )?);
        modules.push(Output::Sender);
    }
    let socket_names = ws::SocketNames::all(api, space, &views.sockets);
    let websockets = !socket_names.is_empty();
    if websockets && settings.outputs.includes(Output::WsClient) {
        files.push(format::file(
            &file(Output::WsClient),
            &format!("Websocket client of {title}: typed subscriptions and events, supervised connection."),
            ws::client::tokens(api, &socket_names),
        )?);
        modules.push(Output::WsClient);
    }
    if websockets && settings.outputs.includes(Output::WsMock) {
        files.push(format::file(
            &file(Output::WsMock),
            &format!("Mock websocket server of {title}: answers subscriptions, publishes events, injects faults."),
            ws::mock::tokens(api, &socket_names),
        )?);
        modules.push(Output::WsMock);
    }
    let about = format!(
        "Generated from the AsyncAPI document \"{title}\" {}.",
        api.info.version
    );
    files.push(format::file(
        "mod.rs",
        &about,
        format::module_root(&modules),
    )?);
    Ok(files)
}

/// The file an output generates, relative to the output directory.
fn file(output: Output) -> String {
    format!("{}.rs", output.module())
}
