//! `load`: reading, validating and lowering a synthetic document, as YAML and as JSON, at 1×,
//! 2× and 4× the reference size (2,000 channels, 10,000 schemas referencing each other), side
//! by side in one run. The allocator is the CLI's (mimalloc); dropping the result is not timed.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for factor in [1, 2, 4] {
        let size = asyncgen_synth::Size::REFERENCE.scaled(factor);
        let doc = asyncgen_synth::document(size);
        let yaml = dir.path().join(format!("synthetic-{factor}.yml"));
        let json = dir.path().join(format!("synthetic-{factor}.json"));
        std::fs::write(&yaml, serde_yaml::to_string(&doc).expect("yaml")).expect("write");
        std::fs::write(&json, serde_json::to_string_pretty(&doc).expect("json")).expect("write");
        for (format, path) in [("yaml", &yaml), ("json", &json)] {
            let id = BenchmarkId::new(
                format,
                format!("{}ch_{}schemas", size.channels, size.schemas),
            );
            group.bench_with_input(id, path, |b, path| {
                // Each result is dropped before the next iteration, outside the timer: holding
                // them all (as `iter_with_large_drop` does) skews large sizes with memory pressure.
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let start = Instant::now();
                        let loaded = asyncgen_spec::load(path, &Default::default());
                        let api = asyncgen_ir::lower(&loaded).expect("valid");
                        total += start.elapsed();
                        drop(std::hint::black_box((loaded, api)));
                    }
                    total
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
