//! `asyncgen-synth [--json] CHANNELS SCHEMAS > doc.yml`: writes a synthetic document for scripts,
//! as YAML, or as pretty JSON with `--json` (the form the criterion benches write). Without sizes,
//! the reference size (2,000 channels, 10,000 schemas).

fn main() {
    let json = std::env::args().skip(1).any(|a| a == "--json");
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
    if json {
        let doc = asyncgen_synth::document(size);
        print!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", asyncgen_synth::yaml(size));
    }
}
