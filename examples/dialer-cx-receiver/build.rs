//! Generates the Dialer.CX module into OUT_DIR on every change of the document (and only
//! then): `include_spec!("webhooks")` in `src/main.rs` brings it in.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    asyncgen_build::configure()
        .receiver(true)
        .sender(false)
        .compile("../../specs/dialer-cx/webhooks.yml")?;
    Ok(())
}
