//! The generated websocket decoders (VoIPBIN's, with its one-pass fast path, and Dialpad's)
//! on arbitrary frames: each frame decodes or is refused with an error, never a panic, and the
//! event-frame pre-check never disagrees with decoding in a way that panics.
#![no_main]

mod voipbin {
    asyncgen_runtime::include_spec!("voipbin_ws");
}
mod dialpad {
    asyncgen_runtime::include_spec!("dialpad_ws");
}

use asyncgen_runtime::ws::Protocol;
use libfuzzer_sys::fuzz_target;

fn exercise<P: Protocol>(protocol: &P, data: &[u8]) {
    let _ = protocol.is_event_frame(data);
    if let Ok(message) = protocol.decode(data) {
        let _ = protocol.classify(&message);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = protocol.decode_text(text);
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(&voipbin::client::SocketProtocol, data);
    exercise(&dialpad::client::SocketProtocol, data);
});
