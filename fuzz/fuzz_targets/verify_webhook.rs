//! Webhook verification as the generated receivers configure it (an HMAC signature header,
//! a JWT body, a token inside the body) on arbitrary requests: every request is accepted or
//! refused with an error, never a panic.
//!
//! Input: a selector byte (which scheme), then a header value and a body separated by the
//! first 0 byte.
#![no_main]

mod dialer_cx {
    asyncgen_runtime::include_spec!("dialer_cx");
}
mod dial9 {
    asyncgen_runtime::include_spec!("dial9");
}
mod dialpad {
    asyncgen_runtime::include_spec!("dialpad");
}

use std::time::{Duration, SystemTime};

use asyncgen_runtime::receiver::Verifier;
use asyncgen_runtime::{Scheme, Secrets, Security};

use libfuzzer_sys::fuzz_target;

fn verifier(security: Option<Security>) -> Verifier {
    let secrets = Secrets::new(["fuzz-secret", "second"]).ok();
    match security {
        Some(security) => Verifier::new(security, secrets).expect("the specs' schemes are valid"),
        None => Verifier::open(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let security = match selector % 3 {
        0 => dialer_cx::receiver::WEBHOOK_SECURITY,
        1 => dial9::receiver::WEBHOOK_SECURITY,
        _ => dialpad::receiver::WEBHOOK_SECURITY,
    };
    let (header, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&rest[..0], rest),
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(header) {
        if let Some(Security {
            scheme: Scheme::Signature(signature),
            ..
        }) = security
        {
            headers.insert(signature.header, value.clone());
            if let Some(ts) = signature.timestamp {
                headers.insert(ts.header, value.clone());
            }
        }
        headers.insert(http::header::AUTHORIZATION, value);
    }
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let _ = verifier(security).verify_at(&headers, &bytes::Bytes::copy_from_slice(body), now);
});
