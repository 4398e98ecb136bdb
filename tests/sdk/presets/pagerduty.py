"""PagerDuty v3 webhook signatures, per PagerDuty's documentation (no Python SDK verifies them).

Header `X-PagerDuty-Signature`: one or more `v1=<hex HMAC-SHA256(secret, raw_body)>` joined by `,`
(one per active signing secret, during rotation). The secret is used as text (ASCII/UTF-8), as
shown when the subscription is created. No timestamp is signed, so `now` plays no part.

verify mirrors the `PagerDutyVerifier` Python example of
https://developer.pagerduty.com/docs/verifying-signatures (split on `,`, compare `v1=<hex>` to each
item with a constant-time compare); go-pagerduty's webhookv3.VerifySignature does the same,
except that it hex-decodes the items (so upper-case hex passes there, not here).
sign: `secret` is one secret, or `secrets` a list of them (one `v1=` element each).
"""

import hashlib
import hmac

HEADER = "X-PagerDuty-Signature"
VERSION = "v1"


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _sig(secret, body):
    return VERSION + "=" + hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(req):
    secrets = req.get("secrets") or [req["secret"]]
    return {"headers": {HEADER: ",".join(_sig(s, req["body"]) for s in secrets)}, "body": req["body"]}


def verify(req):
    signatures = _header(req.get("headers"), HEADER)
    if not signatures:
        return {"valid": False, "error": f"missing {HEADER}"}
    expected = _sig(req["secret"], req["body"])
    ok = any(hmac.compare_digest(expected, item) for item in signatures.split(","))
    return {"valid": ok, "error": "" if ok else "no matching v1 signature"}
