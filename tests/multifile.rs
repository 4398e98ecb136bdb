//! References across files: relative paths, pointers into other files, nesting across three
//! files, and cycles that must load rather than loop.

use asyncgen_ir::{Direction, SchemaRef};
use asyncgen_tests::{rendered, repo_root};

fn load() -> asyncgen_spec::Loaded {
    let path = repo_root().join("tests/fixtures/multifile/asyncapi.yml");
    asyncgen_spec::load(&path, &Default::default())
}

#[test]
fn loads_all_three_files_without_diagnostics() {
    let loaded = load();
    assert!(loaded.diagnostics.is_empty(), "{}", rendered(&loaded));
    let mut files: Vec<&str> = loaded
        .workspace
        .files()
        .iter()
        .map(|f| f.display.as_str())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["asyncapi.yml", "messages/events.yml", "schemas/tree.yml"]
    );
}

#[test]
fn cycle_across_files_becomes_key_references() {
    let api = asyncgen_ir::lower(&load()).expect("valid");
    let tree = SchemaRef("asyncapi.yml#/components/schemas/Tree".into());
    let node = SchemaRef("schemas/tree.yml#/Node".into());
    let tree_entry = api.schemas.get(&tree).expect("Tree collected");
    assert_eq!(tree_entry.component.as_deref(), Some("Tree"));
    assert_eq!(
        tree_entry.schema["properties"]["root"]["$ref"],
        node.as_str()
    );
    let node_entry = api.schemas.get(&node).expect("Node collected");
    assert_eq!(
        node_entry.schema["properties"]["subtree"]["$ref"],
        tree.as_str()
    );
    assert_eq!(
        node_entry.schema["properties"]["children"]["items"]["$ref"],
        node.as_str()
    );
    // A chain of references is collapsed onto the content it reaches.
    assert_eq!(
        tree_entry.schema["properties"]["label"]["$ref"],
        "schemas/tree.yml#/LabelText"
    );
}

#[test]
fn messages_from_another_file_keep_their_origin_and_traits() {
    let api = asyncgen_ir::lower(&load()).expect("valid");
    let op = &api.operations["onTreeChanged"];
    assert_eq!(op.direction, Direction::Send);
    assert_eq!(op.channel, "trees");
    assert_eq!(op.messages, ["TreeChanged", "TreeDeleted"]);
    let changed = &api.messages["TreeChanged"];
    assert_eq!(
        changed.origin.to_string(),
        "messages/events.yml#/components/messages/TreeChanged"
    );
    assert_eq!(
        changed.payload.as_ref().map(SchemaRef::as_str),
        Some("asyncapi.yml#/components/schemas/Tree")
    );
    // The trait's headers, with their origin in the trait.
    assert_eq!(
        changed.headers.as_ref().map(SchemaRef::as_str),
        Some("messages/events.yml#/components/messageTraits/Traced/headers")
    );
    let deleted = &api.messages["TreeDeleted"];
    let payload = api
        .schemas
        .get(deleted.payload.as_ref().expect("payload"))
        .expect("collected");
    assert_eq!(
        payload.schema["properties"]["id"]["$ref"],
        "schemas/tree.yml#/NodeId"
    );
    assert_eq!(
        api.channels["trees"].address.as_deref(),
        Some("trees/{treeId}")
    );
}

#[test]
fn an_edit_in_a_referenced_file_is_located_in_that_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = repo_root().join("tests/fixtures/multifile");
    for rel in ["asyncapi.yml", "messages/events.yml", "schemas/tree.yml"] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(rel), &to).expect("copy");
    }
    let tree = dir.path().join("schemas/tree.yml");
    let text = std::fs::read_to_string(&tree)
        .expect("read")
        .replace("'#/NodeId'", "'#/NodeIdent'");
    std::fs::write(&tree, text).expect("write");
    let loaded = asyncgen_spec::load(&dir.path().join("asyncapi.yml"), &Default::default());
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an error");
    assert_eq!(d.code, asyncgen_spec::Code::UnresolvedRef);
    assert_eq!(d.location.file, "schemas/tree.yml");
    assert_eq!((d.location.line, d.location.column), (Some(5), Some(13)));
    assert_eq!(d.location.pointer.as_str(), "/Node/properties/id/$ref");
}
