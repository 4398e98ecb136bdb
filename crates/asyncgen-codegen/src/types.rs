//! The types output: one Rust item per named type of the type space.

use proc_macro2::TokenStream;

use asyncgen_ir::types::TypeSpace;

use crate::Settings;

pub fn generate(types: &TypeSpace, settings: &Settings) -> TokenStream {
    let _ = (types, settings);
    TokenStream::new()
}
