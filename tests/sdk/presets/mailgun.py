"""Mailgun webhook signatures, checked with the official SDK (`mailgun`, mailgun/mailgun-python:
`mailgun.security.SecurityGuard.verify_webhook`).

No signature header: the JSON body carries
  {"signature": {"timestamp": "<unix seconds>", "token": "<50 hex chars>",
                 "signature": "<hex HMAC-SHA256(signing_key, timestamp + token)>"},
   "event-data": {...}}
(legacy webhooks post the same three as form fields `timestamp`, `token`, `signature`). The body
itself is NOT signed. The key is the "HTTP webhook signing key" (Dashboard > Sending > Webhooks),
used as UTF-8 text. The timestamp is concatenated as sent (a string), no separator.
The SDK rejects when |time.time() - timestamp| > max_age_seconds (default 900; 900 s passes); it
reads the clock with `time.time()`: verify patches it to the request's `now`. Mailgun's docs ask
receivers to also refuse a token seen before (replay cache); the SDK does not keep one.
sign: the signature object is put into the body: an object with `event-data` gets `signature`,
any other JSON value becomes `event-data`; the token is `token` from the request, else derived
from the body and timestamp; a form body gets the three fields appended.
"""

import hashlib
import hmac
import json
from unittest import mock
from urllib.parse import parse_qsl, urlencode


def _mac(key, ts, token):
    return hmac.new(key.encode("utf-8"), f"{ts}{token}".encode("utf-8"), hashlib.sha256).hexdigest()


def _sdk():
    from mailgun import security

    return security


def sign(req):
    _sdk()
    ts = str(int(req["timestamp"]))
    token = req.get("token") or hashlib.sha256(f"{ts}|{req['body']}".encode()).hexdigest()[:50]
    sig = {"timestamp": ts, "token": token, "signature": _mac(req["secret"], ts, token)}
    try:
        parsed = json.loads(req["body"])
    except ValueError:
        pairs = parse_qsl(req["body"], keep_blank_values=True)
        return {"headers": {}, "body": urlencode(pairs + list(sig.items()))}
    if isinstance(parsed, dict) and "event-data" in parsed:
        parsed["signature"] = sig
        body = parsed
    else:
        body = {"signature": sig, "event-data": parsed}
    return {"headers": {}, "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False)}


def verify(req):
    security = _sdk()
    try:
        parsed = json.loads(req["body"])
        sig = parsed.get("signature") if isinstance(parsed, dict) else None
    except ValueError:
        sig = dict(parse_qsl(req["body"], keep_blank_values=True))
    if not isinstance(sig, dict) or not all(k in sig for k in ("timestamp", "token", "signature")):
        return {"valid": False, "error": "no signature object (timestamp, token, signature)"}
    with mock.patch.object(security.time, "time", return_value=float(req["now"])):
        try:
            ok = security.SecurityGuard.verify_webhook(
                req["secret"], sig["token"], sig["timestamp"], sig["signature"]
            )
        except (TypeError, ValueError) as e:
            return {"valid": False, "error": f"{type(e).__name__}: {e}"}
    return {"valid": bool(ok), "error": "" if ok else "signature mismatch or timestamp older than 900 s"}
