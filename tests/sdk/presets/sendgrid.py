"""SendGrid (Twilio SendGrid) signed Event Webhook, checked with the official SDK (`sendgrid`).

Headers `X-Twilio-Email-Event-Webhook-Signature`: base64 of a DER-encoded ECDSA P-256 / SHA-256
signature over `timestamp + raw_body` (UTF-8), and `X-Twilio-Email-Event-Webhook-Timestamp`: Unix
seconds. The body is a JSON array of events. The verification key is shown in the dashboard
(Mail Settings > Signed Event Webhook) as base64 of the SubjectPublicKeyInfo DER, without PEM
armour ("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...").

verify: `sendgrid.helpers.eventwebhook.EventWebhook`: `convert_public_key_to_ecdsa` and
`verify_signature`. The SDK checks no timestamp window, so `now` plays no part here.
sign: the private key is the P-256 scalar `seed_hex` (big-endian); signatures are RFC 6979
deterministic (cryptography's `deterministic_signing`), so one request gives one signature.
"""

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _sdk():
    from sendgrid.helpers.eventwebhook import EventWebhook

    return EventWebhook


def sign(req):
    _sdk()
    key = ec.derive_private_key(int(req["seed_hex"], 16), ec.SECP256R1())
    ts = str(int(req["timestamp"]))
    sig = key.sign((ts + req["body"]).encode("utf-8"), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "headers": {SIGNATURE: base64.b64encode(sig).decode("ascii"), TIMESTAMP: ts},
        "body": req["body"],
        "public_key": base64.b64encode(spki).decode("ascii"),
    }


def verify(req):
    EventWebhook = _sdk()
    sig = _header(req.get("headers"), SIGNATURE)
    ts = _header(req.get("headers"), TIMESTAMP)
    if sig is None or ts is None:
        return {"valid": False, "error": "missing signature or timestamp header"}
    try:
        ew = EventWebhook()
        key = ew.convert_public_key_to_ecdsa(req["public_key"])
        ok = ew.verify_signature(req["body"], sig, ts, key)
    except Exception as e:  # malformed base64, DER or key
        return {"valid": False, "error": f"{type(e).__name__}: {e}"}
    return {"valid": bool(ok), "error": "" if ok else "signature mismatch"}
