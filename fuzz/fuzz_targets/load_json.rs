//! The loader, validator, lowering and type building on arbitrary text read as JSON: no input
//! may panic, hang or exhaust the stack; every problem is a diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = asyncgen_spec::load_str(
        "fuzz.json",
        &text,
        std::path::Path::new("/nonexistent-fuzz-dir"),
        &Default::default(),
    );
    if let Ok(api) = asyncgen_ir::lower(&loaded) {
        let _ = asyncgen_ir::views::build(&api);
    }
});
