//! Generates every document's module into OUT_DIR, with one example round-trip test per
//! message example, so `cargo test` compiles all generated code once (dependencies built once)
//! under `#![deny(warnings)]`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

#[path = "build/dispatch.rs"]
mod dispatch;
#[path = "build/fidelity.rs"]
mod fidelity;

fn documents(root: &Path) -> Vec<(String, PathBuf)> {
    let mut docs = Vec::new();
    let mut add = |prefix: &str, dir: PathBuf| {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        found.sort();
        for p in found {
            if p.is_dir() {
                let Ok(inner) = std::fs::read_dir(&p) else {
                    continue;
                };
                let mut files: Vec<PathBuf> = inner
                    .flatten()
                    .map(|e| e.path())
                    .filter(|f| f.extension().is_some_and(|e| e == "yml"))
                    .collect();
                files.sort();
                for f in files {
                    let name = format!(
                        "{prefix}_{}_{}",
                        p.file_name().unwrap_or_default().to_string_lossy(),
                        f.file_stem().unwrap_or_default().to_string_lossy()
                    );
                    docs.push((name, f));
                }
            }
        }
    };
    add("specs", root.join("specs"));
    match asyncgen_tests::corpus_dir() {
        Some(corpus) => add("corpus", corpus),
        None => println!(
            "cargo:warning=the corpus documents are not compiled: {} is absent",
            asyncgen_tests::corpus_path().display()
        ),
    }
    docs.push((
        "hard_cases".to_owned(),
        root.join("tests/fixtures/hard-cases/asyncapi.yml"),
    ));
    // One regression fixture per folder, each guarding one shape (tests/regressions.rs).
    docs.extend(
        regression_cases(root)
            .into_iter()
            .map(|(case, entry)| (format!("regression_{case}"), entry)),
    );
    docs.retain(|(n, _)| !n.starts_with("specs_extensions"));
    docs.into_iter()
        .map(|(n, p)| (n.replace(['-', '.'], "_").to_lowercase(), p))
        .collect()
}

/// `tests/fixtures/regressions/<case>/asyncapi.yml` for every case folder, sorted by case.
fn regression_cases(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root.join("tests/fixtures/regressions")) else {
        return Vec::new();
    };
    let mut cases: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|e| e.path().join("asyncapi.yml"))
        .filter(|entry| entry.is_file())
        .filter_map(|entry| {
            let case = entry.parent()?.file_name()?.to_string_lossy().into_owned();
            Some((case, entry))
        })
        .collect();
    cases.sort();
    cases
}

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut all = TokenStream::new();
    let mut tests = TokenStream::new();
    let mut webhook_examples = TokenStream::new();
    let mut dispatch = TokenStream::new();
    let mut test_names = BTreeSet::new();
    println!("cargo:rerun-if-changed={}", root.join("specs").display());
    println!(
        "cargo:rerun-if-env-changed={}",
        asyncgen_tests::REQUIRE_CORPUS
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("tests/fixtures/hard-cases").display()
    );
    // A new or removed case folder changes the list of documents.
    println!(
        "cargo:rerun-if-changed={}",
        root.join("tests/fixtures/regressions").display()
    );
    // Every generated type also derives `schemars::JsonSchema`: the option's output compiles
    // here, and the fidelity tests compare the derived schema with the source.
    for (name, spec) in documents(&root) {
        let mut settings = asyncgen_tests::settings_for(&spec);
        settings.derive_json_schema(true);
        let unregistered = asyncgen_codegen::pipeline::unregistered_path(&settings);
        let run = asyncgen_codegen::pipeline::run(&spec, &settings).expect("generator");
        for p in run.inputs() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
        assert!(
            run.ok(),
            "{} does not generate:\n{}",
            spec.display(),
            run.render()
        );
        let dir = out.join(&name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        for f in &run.files {
            std::fs::write(dir.join(&f.path), &f.contents).expect("write");
        }
        // Included the way users include it: the module root by `#[path]`.
        let doc = format!(" Generated from `{}`.", spec.display());
        let module = format_ident!("{}", name);
        let root = dir.join("mod.rs").display().to_string();
        all.extend(quote! { #[doc = #doc] #[path = #root] pub mod #module; });

        // One test per message example: decode into the generated payload type, encode back.
        let loaded = asyncgen_spec::load(&spec, &Default::default());
        let Ok(api) = asyncgen_ir::lower(&loaded) else {
            continue;
        };
        let (space, _, _) = asyncgen_ir::views::build_at(&api, unregistered, None);
        fidelity::tests(&api, &space, &module, &mut tests);
        dispatch.extend(dispatch::tests(&api, unregistered, &run.endpoints, &name));
        webhook_examples.extend(webhook_example_list(&api, unregistered, &name));

        for m in api.messages.values() {
            let Some(asyncgen_ir::types::TypeRef::Named(id)) =
                space.messages.get(&m.key).and_then(|t| t.payload.clone())
            else {
                continue;
            };
            let ty = &space.get(id).name;
            for (i, e) in m.examples.iter().enumerate() {
                let Some(payload) = &e.payload else { continue };
                let fn_name = unique(
                    &mut test_names,
                    format!(
                        "{name}__{}__{i}",
                        m.key
                            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
                            .to_lowercase()
                    ),
                );
                let test = format_ident!("{}", fn_name);
                let ty = format_ident!("{}", ty);
                let payload = payload.to_string();
                let ignore = KNOWN_GAPS
                    .iter()
                    .find(|(n, _)| *n == fn_name)
                    .map(|(_, why)| quote!(#[ignore = #why]));
                tests.extend(quote! {
                    #[test]
                    #ignore
                    #[allow(non_snake_case, deprecated)]
                    fn #test() { crate::round_trip::<crate::#module::#ty>(#payload); }
                });
            }
        }
    }
    std::fs::write(out.join("all.rs"), all.to_string()).expect("write all.rs");
    std::fs::write(out.join("examples.rs"), tests.to_string()).expect("write examples.rs");
    std::fs::write(
        out.join("webhook_examples.rs"),
        webhook_examples.to_string(),
    )
    .expect("write webhook_examples.rs");
    std::fs::write(out.join("dispatch.rs"), dispatch.to_string()).expect("write dispatch.rs");
}

/// `name`, or `name_2`, `name_3`, ... when taken: message keys that differ only in punctuation
/// (`call.created`, `call_created`) would otherwise give two tests one name.
fn unique(used: &mut BTreeSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 1;
    while !used.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{name}_{n}");
    }
    candidate
}

/// For a document with webhook endpoints, `pub const NAME: &[(&str, &str)]`: every example
/// payload of every message arriving at an endpoint, with the message's name, for the tests
/// that send each through the generated sender to the generated receiver.
fn webhook_example_list(
    api: &asyncgen_ir::Api,
    unregistered: Option<&str>,
    module: &str,
) -> TokenStream {
    let endpoints = asyncgen_ir::webhook::endpoints_at(api, unregistered);
    if endpoints.is_empty() {
        return TokenStream::new();
    }
    let mut entries = Vec::new();
    for e in &endpoints {
        for key in &e.messages {
            let m = &api.messages[key];
            let name = m.name.clone().unwrap_or_else(|| key.clone());
            for example in m.examples.iter().filter_map(|x| x.payload.as_ref()) {
                let payload = example.to_string();
                entries.push(quote!((#name, #payload)));
            }
        }
    }
    let constant = format_ident!("{}", module.to_uppercase());
    quote! { pub const #constant: &[(&str, &str)] = &[#( #entries ),*]; }
}

/// Examples that exercise gaps the types generator still has; each stays a test (run with
/// `cargo test -- --ignored`) until the gap is closed.
const KNOWN_GAPS: &[(&str, &str)] = &[];
