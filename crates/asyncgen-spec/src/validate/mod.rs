//! Structural and cross-reference validation of a loaded document, per AsyncAPI version.

pub mod rules;
mod semantic;
pub mod walk;

pub use semantic::address_parameters;

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostics};
use crate::pointer::Pointer;
use crate::source::FileId;
use crate::version::Version;
use crate::workspace::Workspace;
use walk::Walker;

/// Validates the root document and everything it reaches; returns its version when known.
pub fn validate(ws: &Workspace, diags: &mut Diagnostics) -> Option<Version> {
    let root = ws.root().value.as_ref()?;
    let Some(map) = root.as_object() else {
        let msg = format!(
            "the document must be a mapping, found {}",
            walk::type_name(root)
        );
        diags.push(ws.diag(Code::RootNotObject, msg, FileId(0), Pointer::root()));
        return None;
    };
    let version = match map.get("asyncapi") {
        None => {
            let d = ws.diag(
                Code::MissingVersion,
                "missing `asyncapi` field: which AsyncAPI version is this?",
                FileId(0),
                Pointer::root(),
            );
            diags.push(d.with_help(
                "start the document with `asyncapi: 3.1.0` (or the 2.x version it follows)",
            ));
            return None;
        }
        Some(Value::String(s)) => match Version::parse(s).filter(|v| v.is_known()) {
            Some(v) => v,
            None => {
                let msg = format!("unknown AsyncAPI version `{s}`");
                let d = ws.diag(
                    Code::UnknownVersion,
                    msg,
                    FileId(0),
                    Pointer::root().push("asyncapi"),
                );
                diags.push(d.with_help(format!("supported versions: {}", Version::known_list())));
                return None;
            }
        },
        Some(other) => {
            let msg = format!(
                "`asyncapi` must be a version string, found {}",
                walk::type_name(other)
            );
            let d = ws.diag(
                Code::WrongType,
                msg,
                FileId(0),
                Pointer::root().push("asyncapi"),
            );
            diags.push(d.with_help("quote the version: `asyncapi: '2.6.0'`"));
            return None;
        }
    };
    let mut w = Walker::new(ws, diags);
    w.scheme_names = root
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let table = if version.is_v3() {
        &rules::ROOT3
    } else {
        &rules::ROOT2
    };
    w.check_obj(FileId(0), walk::Loc::Ptr(&Pointer::root()), root, table);
    w.drain();

    if version.is_v3() {
        semantic::check_v3(&mut w, root);
    } else {
        semantic::check_v2(&mut w, root);
    }
    Some(version)
}
