"""Shopify webhook signatures (preset `shopify`).

Shopify publishes no Python SDK with webhook verification (its official library that has one is
the npm package @shopify/shopify-api, `shopify.webhooks.validate`; not used here). This module
implements the documented algorithm with hmac/hashlib:
https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook

    X-Shopify-Hmac-Sha256: <standard base64 (with padding) of HMAC-SHA256(key = app client
                            secret as UTF-8, msg = raw body bytes)>

No timestamp is signed, so `now` is ignored (X-Shopify-Triggered-At is not covered by the HMAC).
"""

import base64
import hashlib
import hmac


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _digest(secret, body):
    mac = hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def sign(req):
    headers = {"X-Shopify-Hmac-Sha256": _digest(req["secret"], req["body"])}
    if req.get("id"):
        headers["X-Shopify-Webhook-Id"] = req["id"]
    return {"headers": headers, "body": req["body"]}


def verify(req):
    got = _header(req.get("headers"), "X-Shopify-Hmac-Sha256")
    if not got:
        return {"valid": False, "error": "missing X-Shopify-Hmac-Sha256 header"}
    if hmac.compare_digest(_digest(req["secret"], req["body"]).encode(), got.encode()):
        return {"valid": True, "error": ""}
    return {"valid": False, "error": "signature mismatch"}
