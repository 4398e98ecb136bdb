//! Generators: from a loaded document to formatted Rust files. The CLI, build scripts and the
//! CI check all go through [`generate`], so they produce the same bytes.
//!
//! The output is one Rust module whose root is `mod.rs`, so `#[path = "DIR/mod.rs"] mod api;`
//! (or `include!` of the build script's copy) brings it in.

mod client;
mod decode;
mod format;
mod mock;
pub mod output;
mod paths;
pub mod pipeline;
mod receiver;
mod sender;
mod socket;
mod topic;
mod types;
mod webhook;

pub use socket::SocketSummary;
pub use webhook::{EndpointSummary, SecuritySummary};

#[cfg(feature = "cli")]
pub use asyncgen_options::SettingsArgs;
pub use asyncgen_options::{OPTIONS, OptionInfo, Output, Outputs, Settings, for_each_option};
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
}

/// Every file of the module for `api`, formatted, with the `@generated` header: from its type
/// space and protocol views as [`asyncgen_ir::views::build`] makes them.
pub fn generate(
    api: &Api,
    space: &TypeSpace,
    views: &Views,
    settings: &Settings,
) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let title = &api.info.title;
    if settings.outputs.includes(Output::Types) {
        files.push(format::items_file(
            "types.rs",
            &format!("Types of {title}: message payloads, headers and component schemas."),
            space.types.len(),
            || types::imports(space, &paths::Paths::for_space(space)),
            |range| {
                let paths = paths::Paths::for_space(space);
                range
                    .map(|i| types::item_tokens(space, &paths, i, settings))
                    .collect::<Vec<_>>()
            },
        )?);
        modules.push("types");
    }
    let names = webhook::Names::all(api, space, &views.endpoints);
    // The receiver and sender use the types, so they need that module too.
    let webhooks = !names.is_empty() && modules.contains(&"types");
    if webhooks && settings.outputs.includes(Output::Receiver) {
        files.push(format::file(
            "receiver.rs",
            &format!("Webhook receiver of {title}: handler traits and verified routes."),
            receiver::tokens(api, space, &names),
        )?);
        modules.push("receiver");
    }
    if webhooks && settings.outputs.includes(Output::Sender) {
        files.push(format::file(
            "sender.rs",
            &format!("Webhook sender of {title}: posts signed events as the provider does."),
            sender::tokens(space, &names),
        )?);
        modules.push("sender");
    }
    let socket_names = socket::SocketNames::all(api, space, &views.sockets);
    let websockets = !socket_names.is_empty() && modules.contains(&"types");
    if websockets && settings.outputs.includes(Output::Client) {
        files.push(format::file(
            "client.rs",
            &format!("Websocket client of {title}: typed subscriptions and events, supervised connection."),
            client::tokens(api, &socket_names),
        )?);
        modules.push("client");
    }
    if websockets && settings.outputs.includes(Output::Mock) {
        files.push(format::file(
            "mock.rs",
            &format!("Mock websocket server of {title}: answers subscriptions, publishes events, injects faults."),
            mock::tokens(api, &socket_names),
        )?);
        modules.push("mock");
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
