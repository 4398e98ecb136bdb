"""Zoom webhook signatures (preset `zoom`).

Zoom publishes no Python SDK with webhook verification. Its official Node library
(@zoom/rivet, CommonHttpRequest.isEventVerified) and sample (github.com/zoom/webhook-sample)
do what this module does with hmac/hashlib, per the documentation:
https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events

    x-zm-request-timestamp: <unix seconds>
    x-zm-signature: v0=<lowercase hex HMAC-SHA256(key = the app's Secret Token as UTF-8,
                       msg = "v0:<x-zm-request-timestamp>:<raw body>")>

Timestamp window: Zoom documents none, and Rivet checks none (it also verifies over
JSON.stringify of the parsed body, not the raw bytes). This oracle refuses
|now - timestamp| > 300 s, the window asyncgen's preset uses; that part is asyncgen's choice,
not Zoom's.

Handshake (endpoint.url_validation): Zoom POSTs, signed like any event,
{"payload": {"plainToken": T}, "event_ts": ..., "event": "endpoint.url_validation"} and expects
200 with {"plainToken": T, "encryptedToken": hex HMAC-SHA256(secret, T)} within 3 s;
`url_validation_response` below computes it.
"""

import hashlib
import hmac

TOLERANCE = 300  # asyncgen's window; Zoom publishes none


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _sig(secret, ts, body):
    msg = f"v0:{ts}:{body}".encode("utf-8")
    return "v0=" + hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


def url_validation_response(secret, plain_token):
    """The JSON body that answers Zoom's endpoint.url_validation request."""
    enc = hmac.new(secret.encode("utf-8"), plain_token.encode("utf-8"), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": enc}


def sign(req):
    ts = str(int(req["timestamp"]))
    return {
        "headers": {"x-zm-request-timestamp": ts, "x-zm-signature": _sig(req["secret"], ts, req["body"])},
        "body": req["body"],
    }


def verify(req):
    headers = req.get("headers") or {}
    got = _header(headers, "x-zm-signature")
    ts = _header(headers, "x-zm-request-timestamp")
    if not got or ts is None:
        return {"valid": False, "error": "missing x-zm-signature or x-zm-request-timestamp header"}
    if not hmac.compare_digest(_sig(req["secret"], ts, req["body"]).encode(), got.encode()):
        return {"valid": False, "error": "signature mismatch"}
    try:
        t = int(ts)
    except ValueError:
        return {"valid": False, "error": "timestamp is not an integer"}
    if abs(float(req["now"]) - t) > TOLERANCE:
        return {"valid": False, "error": "timestamp outside the 300 s window"}
    return {"valid": True, "error": ""}
