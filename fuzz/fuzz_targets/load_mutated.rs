//! The whole pipeline (load, validate, lower, build types, generate every output) on
//! structure-aware mutations of real documents: byte-level mutation rarely gets past the YAML
//! parser, so this mutator edits the parsed tree instead (moves subtrees, adds `$ref`s to
//! existing nodes, swaps value kinds, renames keys to AsyncAPI keywords) and writes JSON back.
//! Invalid documents must end in diagnostics; valid ones must generate parsable Rust.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target};
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let name = if text.trim_start().starts_with('{') {
        "fuzz.json"
    } else {
        "fuzz.yml"
    };
    let loaded = asyncgen_spec::load_str(
        name,
        &text,
        std::path::Path::new("/nonexistent-fuzz-dir"),
        &Default::default(),
    );
    let Ok(api) = asyncgen_ir::lower(&loaded) else {
        return;
    };
    let (space, views, _) = asyncgen_ir::views::build(&api);
    if loaded.diagnostics.has_errors() {
        return;
    }
    // The generators see only the model: whatever it holds must become valid Rust.
    if let Err(e) = asyncgen_codegen::generate(&api, &space, &views, &Default::default()) {
        panic!("a valid document does not generate: {e}");
    }
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng::new(seed);
    let Some(mut doc) = parse(&data[..size]) else {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    };
    for _ in 0..=rng.below(3) {
        mutate(&mut doc, &mut rng);
    }
    let Ok(out) = serde_json::to_vec(&doc) else {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    };
    if out.len() > max_size {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    data[..out.len()].copy_from_slice(&out);
    out.len()
});

/// JSON, else YAML (the seeds are the corpus documents as written).
fn parse(bytes: &[u8]) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return v.is_object().then_some(v);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let v: Value = serde_yaml::from_str(text).ok()?;
    v.is_object().then_some(v)
}

/// Keys whose meaning the loader and generators act on: renaming a key to one of these moves
/// a subtree to where it is interpreted differently.
const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "additionalProperties",
    "patternProperties",
    "items",
    "prefixItems",
    "required",
    "enum",
    "const",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "discriminator",
    "format",
    "default",
    "examples",
    "payload",
    "headers",
    "messages",
    "channels",
    "operations",
    "components",
    "schemas",
    "servers",
    "security",
    "securitySchemes",
    "parameters",
    "bindings",
    "address",
    "action",
    "channel",
    "reply",
    "traits",
    "name",
    "title",
    "summary",
    "contentType",
    "schemaFormat",
    "x-asyncgen-signature",
    "x-asyncgen-jwt",
    "x-asyncgen-body-token",
    "x-asyncgen-dispatch",
    "x-asyncgen-topic",
    "x-asyncgen-delivery",
    "x-asyncgen-heartbeat",
    "x-asyncgen-reconnect",
    "x-asyncgen-token-expiry",
];

/// Names that stress the identifier rules of the generated Rust.
const ODD_NAMES: &[&str] = &[
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "r#type",
    "123abc",
    "_",
    "__",
    "",
    " ",
    "a-b.c/d",
    "Ünïcödé",
    "名前",
    "emoji🎉",
    "CamelCase",
    "snake_case",
    "SCREAMING",
    "a b",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "serde",
    "std",
    "core",
    "async",
    "await",
    "dyn",
    "fn",
    "mod",
];

const VERSIONS: &[&str] = &[
    "2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0", "2.5.0", "2.6.0", "3.0.0", "3.1.0", "3.0",
];

fn mutate(doc: &mut Value, rng: &mut Rng) {
    let paths = nodes(doc);
    let Some(target) = rng.pick(&paths).cloned() else {
        return;
    };
    match rng.below(10) {
        // A `$ref` to an existing node: references into odd places, cycles, refs to refs.
        0 | 1 => {
            if let Some(to) = rng.pick(&paths) {
                let pointer = to.clone();
                set(doc, &target, serde_json::json!({ "$ref": format!("#{pointer}") }));
            }
        }
        // Another subtree copied here: valid fragments in the wrong context.
        2 => {
            if let Some(from) = rng.pick(&paths) {
                if let Some(v) = doc.pointer(from).cloned() {
                    set(doc, &target, v);
                }
            }
        }
        // An object key renamed to a keyword or an odd name.
        3 => {
            if let Some(Value::Object(map)) = doc.pointer_mut(&target) {
                rename_key(map, rng);
            }
        }
        // A key removed (required fields go missing).
        4 => {
            if let Some(Value::Object(map)) = doc.pointer_mut(&target) {
                let keys: Vec<String> = map.keys().cloned().collect();
                if let Some(k) = rng.pick(&keys) {
                    map.shift_remove(k);
                }
            }
        }
        // The value's kind swapped.
        5 => {
            let v = match rng.below(7) {
                0 => Value::Null,
                1 => Value::Bool(rng.below(2) == 0),
                2 => Value::from(i64::from(rng.next()) - i64::from(u32::MAX / 2)),
                3 => Value::from(f64::from(rng.next()) / 7.0),
                4 => Value::String((*rng.pick(ODD_NAMES).unwrap_or(&"")).to_owned()),
                5 => Value::Array(Vec::new()),
                _ => Value::Object(Map::new()),
            };
            set(doc, &target, v);
        }
        // A node wrapped in a composition or an array: deeper nesting, unions of one.
        6 => {
            if let Some(v) = doc.pointer(&target).cloned() {
                let key = ["allOf", "oneOf", "anyOf", "items", "not"][rng.below(5)];
                let wrapped = if key == "items" || key == "not" {
                    serde_json::json!({ key: v })
                } else {
                    serde_json::json!({ key: [v.clone(), v] })
                };
                set(doc, &target, wrapped);
            }
        }
        // A new property with an odd name holding a copy of some node.
        7 => {
            let copy = rng.pick(&paths).and_then(|p| doc.pointer(p).cloned());
            if let (Some(Value::Object(map)), Some(v)) = (doc.pointer_mut(&target), copy) {
                let name = format!("{}", rng.pick(ODD_NAMES).unwrap_or(&"x"));
                map.insert(name, v);
            }
        }
        // The version changed: 2.x documents read as 3.x and back.
        8 => {
            if let Value::Object(root) = doc {
                let v = rng.pick(VERSIONS).unwrap_or(&"3.0.0");
                root.insert("asyncapi".to_owned(), Value::from(*v));
            }
        }
        // A string's bytes mutated by libFuzzer.
        _ => {
            if let Some(Value::String(s)) = doc.pointer_mut(&target) {
                let mut bytes = s.clone().into_bytes();
                let len = bytes.len();
                bytes.resize(len + 16, 0);
                let n = libfuzzer_sys::fuzzer_mutate(&mut bytes, len, len + 16);
                bytes.truncate(n);
                *s = String::from_utf8_lossy(&bytes).into_owned();
            }
        }
    }
}

fn rename_key(map: &mut Map<String, Value>, rng: &mut Rng) {
    let keys: Vec<String> = map.keys().cloned().collect();
    let Some(old) = rng.pick(&keys).cloned() else {
        return;
    };
    let new = if rng.below(2) == 0 {
        rng.pick(KEYWORDS)
    } else {
        rng.pick(ODD_NAMES)
    };
    if let (Some(new), Some(v)) = (new, map.shift_remove(&old)) {
        map.insert((*new).to_owned(), v);
    }
}

/// Every node's JSON pointer (the root is `""`), in document order, up to a bound so huge
/// documents stay cheap to mutate.
fn nodes(doc: &Value) -> Vec<String> {
    const MAX: usize = 20_000;
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), doc)];
    while let Some((path, v)) = stack.pop() {
        if out.len() >= MAX {
            break;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter().rev() {
                    let esc = asyncgen_spec::Pointer::escape(k);
                    stack.push((format!("{path}/{esc}"), child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    stack.push((format!("{path}/{i}"), child));
                }
            }
            _ => {}
        }
        out.push(path);
    }
    out
}

fn set(doc: &mut Value, pointer: &str, v: Value) {
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = v;
    }
}

/// xorshift32: libFuzzer hands the mutator a seed so a run replays exactly.
struct Rng(u32);

impl Rng {
    fn new(seed: u32) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.next() as usize % n
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.below(items.len());
        items.get(i)
    }
}
