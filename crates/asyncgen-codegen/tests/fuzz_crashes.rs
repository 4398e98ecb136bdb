//! Every input a fuzz target crashed on (`fuzz/`), kept as a regression test: each goes through
//! what the target runs (load, lower, build types, and generate every output when the
//! document has no errors) and must end in diagnostics or valid Rust, never a panic or a stack
//! overflow.

use std::path::Path;

#[test]
fn inputs_that_crashed_a_fuzz_target_now_load_and_generate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-crashes")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no crash inputs in {}", dir.display());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let loaded = asyncgen_spec::load_str(&name, &text, &dir, &Default::default());
        let Ok(api) = asyncgen_ir::lower(&loaded) else {
            assert!(
                loaded.diagnostics.has_errors(),
                "{name}: not lowered, yet no error"
            );
            continue;
        };
        let (space, views, _) = asyncgen_ir::views::build(&api);
        if !loaded.diagnostics.has_errors() {
            let files = asyncgen_codegen::generate(&api, &space, &views, &Default::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                files.iter().any(|f| f.path == "types.rs"),
                "{name}: no types"
            );
        }
    }
}
