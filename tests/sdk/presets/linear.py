"""Linear webhook signatures, per Linear's documentation and @linear/sdk's LinearWebhookClient.

Linear publishes no Python SDK; this mirrors `LinearWebhookClient.verify` of the npm package
@linear/sdk (98.0.0, dist/webhooks-*.mjs; formerly `LinearWebhooks`):
  * header `Linear-Signature`: hex(HMAC-SHA256(secret, raw_body)), lower-case; compared as a
    string (so upper-case hex fails), the secret used as UTF-8 text;
  * the timestamp is the JSON body's `webhookTimestamp` field, a number in milliseconds; the
    `Linear-Timestamp` header is ignored by verify ("only the signed body timestamp is trusted");
  * rejected when |now_ms - webhookTimestamp| > 60 000 ms (so exactly 60 s passes).
sign: when the body is a JSON object without `webhookTimestamp`, adds `timestamp * 1000` to it.
"""

import hashlib
import hmac
import json

HEADER = "Linear-Signature"
TOLERANCE_MS = 60 * 1000


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _hex(secret, body):
    return hmac.new(secret.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(req):
    body = req["body"]
    ts = req.get("timestamp")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "webhookTimestamp" not in parsed and ts is not None:
        parsed["webhookTimestamp"] = int(ts) * 1000
        body = json.dumps(parsed, separators=(",", ":"), ensure_ascii=False)
    headers = {HEADER: _hex(req["secret"], body)}
    if isinstance(parsed, dict):
        if "type" in parsed:
            headers["Linear-Event"] = str(parsed["type"])
        if "webhookId" in parsed:
            headers["Linear-Delivery"] = str(parsed.get("webhookId"))
    if ts is not None:
        headers["Linear-Timestamp"] = str(int(ts) * 1000)
    return {"headers": headers, "body": body}


def verify(req):
    sig = _header(req.get("headers"), HEADER)
    if not sig:
        return {"valid": False, "error": "Missing webhook signature"}
    expected = _hex(req["secret"], req["body"])
    if len(expected) != len(sig) or not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        return {"valid": False, "error": "Invalid webhook signature"}
    try:
        ts = json.loads(req["body"]).get("webhookTimestamp")
    except (ValueError, AttributeError):
        return {"valid": False, "error": "body is not a JSON object"}
    if ts is None:
        return {"valid": False, "error": "Missing webhook timestamp"}
    if isinstance(ts, bool) or not isinstance(ts, (int, float)) or ts != ts or ts in (float("inf"), float("-inf")):
        return {"valid": False, "error": "Invalid webhook timestamp"}
    if abs(float(req["now"]) * 1000 - ts) > TOLERANCE_MS:
        return {"valid": False, "error": "Invalid webhook timestamp"}
    return {"valid": True, "error": ""}
