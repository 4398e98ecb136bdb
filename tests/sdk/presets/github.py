"""GitHub webhook signatures (preset `github`).

GitHub publishes no Python SDK with webhook signing. This module implements the documented
algorithm with hmac/hashlib:
https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries

    X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256(key = secret as UTF-8, msg = raw body)>

GitHub also still sends the legacy `X-Hub-Signature: sha1=<hex HMAC-SHA1>`; the docs tell
receivers to verify X-Hub-Signature-256 only, which is what `verify` does. GitHub's own
reference implementation is the npm package @octokit/webhooks-methods (`sign`/`verify`),
which does the same; it is not used here. No timestamp is signed, so `now` is ignored.
"""

import hashlib
import hmac


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _sig256(secret, body):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(req):
    secret, body = req["secret"], req["body"]
    sha1 = "sha1=" + hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha1).hexdigest()
    headers = {"X-Hub-Signature-256": _sig256(secret, body), "X-Hub-Signature": sha1}
    if req.get("id"):
        headers["X-GitHub-Delivery"] = req["id"]
    return {"headers": headers, "body": body}


def verify(req):
    got = _header(req.get("headers"), "X-Hub-Signature-256")
    if not got:
        return {"valid": False, "error": "missing X-Hub-Signature-256 header"}
    if hmac.compare_digest(_sig256(req["secret"], req["body"]).encode(), got.encode()):
        return {"valid": True, "error": ""}
    return {"valid": False, "error": "signature mismatch"}
