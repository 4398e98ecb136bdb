"""Square webhook signatures, checked with the official SDK (`squareup`).

Header `x-square-hmacsha256-signature`: base64(HMAC-SHA256(key, notification_url + raw_body)), the key
being the subscription's signature key as shown in the Developer Console, used as UTF-8 text (not
base64-decoded). No timestamp: Square signs no time, so `now` plays no part.

verify: `square.utils.webhooks_helper.verify_signature` (squareup >= 40; older releases had
`square.utilities.webhooks_helper.is_valid_webhook_event_signature`, same algorithm).
sign: the SDK has no signing function; the signature is computed as the helper recomputes it.
"""

import base64
import hashlib
import hmac

HEADER = "x-square-hmacsha256-signature"


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _verifier():
    try:
        from square.utils.webhooks_helper import verify_signature

        return lambda body, sig, key, url: verify_signature(
            request_body=body, signature_header=sig, signature_key=key, notification_url=url
        )
    except ModuleNotFoundError:
        from square.utilities.webhooks_helper import is_valid_webhook_event_signature

        return is_valid_webhook_event_signature


def sign(req):
    _verifier()  # exit 2 when the SDK is missing
    mac = hmac.new(req["secret"].encode("utf-8"), (req["url"] + req["body"]).encode("utf-8"), hashlib.sha256)
    return {"headers": {HEADER: base64.b64encode(mac.digest()).decode("ascii")}, "body": req["body"]}


def verify(req):
    verify_signature = _verifier()
    sig = _header(req.get("headers"), HEADER)
    if sig is None:
        return {"valid": False, "error": f"missing {HEADER}"}
    try:
        ok = verify_signature(req["body"], sig, req["secret"], req["url"])
    except ValueError as e:
        return {"valid": False, "error": str(e)}
    return {"valid": bool(ok), "error": "" if ok else "signature mismatch"}
