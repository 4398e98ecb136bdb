//! `load`: reading, validating and lowering a synthetic document, at 1×, 2× and 4× the
//! reference size (2,000 channels, 10,000 schemas), to show the time and its linearity.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::time::Duration;

fn load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for factor in [1, 2, 4] {
        let size = asyncgen_synth::Size::REFERENCE.scaled(factor);
        let path = dir.path().join(format!("synthetic-{factor}.yml"));
        std::fs::write(&path, asyncgen_synth::yaml(size)).expect("write");
        let id =
            BenchmarkId::from_parameter(format!("{}ch_{}schemas", size.channels, size.schemas));
        group.bench_with_input(id, &path, |b, path| {
            b.iter(|| {
                let loaded = asyncgen_spec::load(path, &Default::default());
                asyncgen_ir::lower(&loaded).expect("valid")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
