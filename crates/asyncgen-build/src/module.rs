//! The file `include_spec!` includes, and the small pieces of text a build script prints.

use std::fs;
use std::io;
use std::path::Path;

use asyncgen_codegen::output::OutputError;
use quote::{format_ident, quote};

use crate::Error;

/// Letters, digits, `_` and `-`: a file name anywhere, and part of an identifier once `-` is
/// replaced.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The file `include_spec!(name)` includes: the generated module by its absolute path, its
/// items re-exported into the module the macro is called in.
///
/// `include!` cannot take the generated `mod.rs` itself: its `pub mod types;` would be looked
/// up beside the including file, and its inner `#![allow]` is refused in an included file.
/// A `#[path]` module is a real module file, so both work as they do for the CLI's output.
pub fn wrapper(name: &str, root: &Path) -> Result<String, Error> {
    let root = root.to_str().ok_or_else(|| Error::NonUtf8Path {
        path: root.to_path_buf(),
    })?;
    let module = format_ident!("__asyncgen_{}", name.replace('-', "_"));
    let tokens = quote! {
        // Generated for the whole document: a program rarely uses every item, nor the root's
        // re-export of the types.
        #[allow(dead_code, unused_imports)]

        #[path = #root]
        mod #module;
        #[allow(unused_imports)]
        pub use #module::*;

    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        Error::Generate(asyncgen_codegen::GenerateError::Unparsable {
            file: format!("{name}.rs"),
            message: e.to_string(),
        })
    })?;
    Ok(format!(
        "{}\n\n{}",
        asyncgen_codegen::HEADER,
        prettyplease::unparse(&file)
    ))
}

/// Writes `contents` to `path` unless it already holds them, so its mtime only moves when it
/// changed.
pub fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    match fs::read(path) {
        Ok(old) if old == contents.as_bytes() => return Ok(()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(OutputError::Read {
                path: path.to_path_buf(),
                source,
            }
            .into());
        }
    }
    fs::write(path, contents).map_err(|source| {
        OutputError::Write {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

/// A diagnostic on one line, for `cargo:warning`: `file:line:col: message [code]`.
pub fn one_line(d: &asyncgen_spec::Diagnostic) -> String {
    let l = &d.location;
    let place = match (l.line, l.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", l.file),
        _ => format!("{}#{}", l.file, l.pointer),
    };
    let message = d.message.replace(['\n', '\r'], " ");
    format!("{place}: {message} [{}]", d.code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["webhooks", "dialer-cx", "v2_events", "A1"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "a b", "../x", "a/b", "é", "a.b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn the_wrapper_includes_the_module_by_path_and_re_exports_it() {
        let text =
            wrapper("dialer-cx", Path::new("/out/asyncgen/dialer-cx/mod.rs")).expect("wrapper");
        assert!(text.starts_with(asyncgen_codegen::HEADER));
        assert!(text.contains("#[path = \"/out/asyncgen/dialer-cx/mod.rs\"]"));
        assert!(text.contains("mod __asyncgen_dialer_cx;"));
        assert!(text.contains("pub use __asyncgen_dialer_cx::*;"));
    }
}
