//! `asyncgen-synth CHANNELS SCHEMAS > doc.yml`: writes a synthetic document for scripts.

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let size = match args.as_slice() {
        [c, s] => asyncgen_synth::Size {
            channels: *c,
            schemas: *s,
        },
        _ => asyncgen_synth::Size::REFERENCE,
    };
    print!("{}", asyncgen_synth::yaml(size));
}
