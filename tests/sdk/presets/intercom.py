"""Intercom webhook signatures (preset `intercom`).

Intercom publishes no SDK with webhook verification (python-intercom has none). This module
implements the documented algorithm with hmac/hashlib:
https://developers.intercom.com/docs/webhooks/webhook-notifications  (section "Signed notifications")

    X-Hub-Signature: sha1=<lowercase hex HMAC-SHA1(key = app client_secret as UTF-8, msg = raw body)>

No timestamp is signed, so `now` is ignored.
"""

import hashlib
import hmac


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _sig(secret, body):
    return "sha1=" + hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha1).hexdigest()


def sign(req):
    return {"headers": {"X-Hub-Signature": _sig(req["secret"], req["body"])}, "body": req["body"]}


def verify(req):
    got = _header(req.get("headers"), "X-Hub-Signature")
    if not got:
        return {"valid": False, "error": "missing X-Hub-Signature header"}
    if hmac.compare_digest(_sig(req["secret"], req["body"]).encode(), got.encode()):
        return {"valid": True, "error": ""}
    return {"valid": False, "error": "signature mismatch"}
