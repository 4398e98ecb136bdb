//! `generate`: the whole in-memory run (load, lower, type space, generate, format) next to the
//! bare load (load and lower) of the same document, side by side in one run: the Dialpad
//! webhook spec, and the synthetic document at 1× and 2× the reference size (2,000 channels,
//! 10,000 schemas) in JSON and YAML. The allocator is the CLI's (mimalloc); dropping results is
//! not timed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bare_load(path: &Path) -> impl Sized {
    let loaded = asyncgen_spec::load(path, &Default::default());
    let api = asyncgen_ir::lower(&loaded).expect("valid document");
    (loaded, api)
}

fn generate(path: &Path) -> impl Sized {
    let run = asyncgen_codegen::pipeline::run(path, &asyncgen_codegen::Settings::default())
        .expect("generates");
    assert!(run.ok() && !run.files.is_empty(), "{}", run.render());
    run
}

/// Times `f` alone: each result is dropped outside the timer.
fn timed<T>(iters: u64, f: impl Fn() -> T) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let out = f();
        total += start.elapsed();
        drop(std::hint::black_box(out));
    }
    total
}

fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let dialpad = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/dialpad/webhooks.yml");
    let mut out = vec![("dialpad-webhooks".to_owned(), dialpad)];
    for factor in [1, 2] {
        let size = asyncgen_synth::Size::REFERENCE.scaled(factor);
        let doc = asyncgen_synth::document(size);
        let name = format!("{}ch_{}schemas", size.channels, size.schemas);
        let json = dir.join(format!("synthetic-{factor}.json"));
        let yaml = dir.join(format!("synthetic-{factor}.yml"));
        std::fs::write(&json, serde_json::to_string_pretty(&doc).expect("json")).expect("write");
        std::fs::write(&yaml, serde_yaml::to_string(&doc).expect("yaml")).expect("write");
        out.push((format!("json-{name}"), json));
        out.push((format!("yaml-{name}"), yaml));
    }
    out
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("generate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (name, path) in cases(dir.path()) {
        group.bench_with_input(BenchmarkId::new("load", &name), &path, |b, path| {
            b.iter_custom(|iters| timed(iters, || bare_load(path)))
        });
        group.bench_with_input(BenchmarkId::new("generate", &name), &path, |b, path| {
            b.iter_custom(|iters| timed(iters, || generate(path)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
