//! Generates the VoIPBIN module into OUT_DIR on every change of the document (and only then):
//! the types, the websocket client, and the mock server `--demo` runs against.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    asyncgen_build::configure()
        .client(true)
        .mock(true)
        .compile("../../specs/voipbin/websocket.yml")?;
    Ok(())
}
