//! The generated modules the verification and decoding targets exercise, made the way users
//! make them: by asyncgen-build.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let webhooks = [
        ("dialer_cx", "../specs/dialer-cx/webhooks.yml"),
        ("dial9", "../specs/dial9/webhooks.yml"),
        ("dialpad", "../specs/dialpad/webhooks.yml"),
    ];
    for (name, spec) in webhooks {
        asyncgen_build::configure()
            .sender(false)
            .name(name)
            .compile(spec)?;
    }
    for (name, spec) in [
        ("voipbin_ws", "../specs/voipbin/websocket.yml"),
        ("dialpad_ws", "../specs/dialpad/websocket.yml"),
    ] {
        asyncgen_build::configure()
            .ws_mock(false)
            .name(name)
            .compile(spec)?;
    }
    Ok(())
}
