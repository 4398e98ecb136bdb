"""Telnyx API v2 webhook signatures, checked with the official SDK (`telnyx`).

verify: `telnyx.lib.webhook_verification.verify_webhook_signature(payload, headers, public_key)`
(what `client.webhooks.unwrap` uses once `telnyx.lib` is imported):
  * `telnyx-signature-ed25519`: base64 of the 64-byte Ed25519 signature,
  * `telnyx-timestamp`: Unix seconds,
  * signed message `f"{timestamp}|{raw_body}"` (UTF-8, a `|` between),
  * public key (Mission Control, Keys & Credentials > Public Key): base64 of the raw 32 bytes,
  * rejected when |int(time.time()) - timestamp| > 300 (300 s passes).
The SDK reads the clock with `time.time()`: verify patches it to the request's `now`.
sign: the Ed25519 seed is `seed_hex`; PyNaCl, which the SDK verifies with.
"""

import base64
from unittest import mock

from nacl.signing import SigningKey

SIGNATURE = "telnyx-signature-ed25519"
TIMESTAMP = "telnyx-timestamp"


def _sdk():
    from telnyx.lib import webhook_verification

    return webhook_verification


def sign(req):
    _sdk()
    key = SigningKey(bytes.fromhex(req["seed_hex"]))
    ts = str(int(req["timestamp"]))
    signed = key.sign(f"{ts}|{req['body']}".encode("utf-8"))
    return {
        "headers": {
            "Telnyx-Signature-Ed25519": base64.b64encode(signed.signature).decode("ascii"),
            "Telnyx-Timestamp": ts,
        },
        "body": req["body"],
        "public_key": base64.b64encode(key.verify_key.encode()).decode("ascii"),
    }


def verify(req):
    wv = _sdk()
    with mock.patch.object(wv.time, "time", return_value=float(req["now"])):
        try:
            wv.verify_webhook_signature(req["body"], req.get("headers") or {}, req["public_key"])
        except wv.WebhookVerificationError as e:
            return {"valid": False, "error": e.message}
    return {"valid": True, "error": ""}
