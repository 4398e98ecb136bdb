//! Which outputs the library generates when a caller names them: an output whose prerequisites
//! were not asked for is refused by `generate` itself, so a caller that skips the CLI's and the
//! builder's checks still never gets a module with nothing in it.

use std::path::Path;

use asyncgen_codegen::{GenerateError, Output, Outputs, OutputsError, Settings};

fn generate(outputs: Outputs) -> Result<Vec<String>, GenerateError> {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/dialpad/webhooks.yml");
    let loaded = asyncgen_spec::load(&spec, &Default::default());
    let api = asyncgen_ir::lower(&loaded).expect("dialpad lowers");
    let (space, views, _) = asyncgen_ir::views::build(&api);
    let mut settings = Settings::default();
    settings.outputs(outputs);
    let files = asyncgen_codegen::generate(&api, &space, &views, &settings)?;
    Ok(files.into_iter().map(|f| f.path).collect())
}

#[test]
fn an_output_without_its_prerequisites_is_refused_not_left_out() {
    match generate(Outputs::only([Output::Receiver])) {
        Err(GenerateError::Outputs(OutputsError::MissingPrerequisites { missing, .. })) => {
            assert_eq!(missing.into_iter().collect::<Vec<_>>(), [Output::Types]);
        }
        other => panic!("wanted the missing types reported, got {other:?}"),
    }
    assert!(matches!(
        generate(Outputs::only([])),
        Err(GenerateError::Outputs(OutputsError::Empty))
    ));
    assert_eq!(
        generate(Outputs::only([Output::Types, Output::Receiver])).expect("generates"),
        ["types.rs", "receiver.rs", "mod.rs"]
    );
}
