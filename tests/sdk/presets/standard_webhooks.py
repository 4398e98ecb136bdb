"""Standard Webhooks signatures (preset `standard-webhooks`), with the reference library
`standardwebhooks` (standardwebhooks.webhooks.Webhook.sign / .verify).

Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

    webhook-id: <message id>
    webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256> [v1,<...> ...]   (space-separated list)
    signed content: "<webhook-id>.<webhook-timestamp>.<raw body>"
    key: the secret "whsec_<base64>"; the bytes after the whsec_ prefix, base64-decoded

The library reads the clock with datetime.now(tz=timezone.utc) and takes no clock argument, so
`datetime` inside standardwebhooks.webhooks is patched to a subclass whose now() is `now`.
Tolerance: 5 minutes both ways (too old and too new are refused).
"""

from datetime import datetime, timezone
from unittest import mock

import standardwebhooks.webhooks as _sw
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def _frozen_datetime(now):
    class _Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(float(now), tz=tz or timezone.utc)

    return _Frozen


def sign(req):
    ts = int(req["timestamp"])
    sig = Webhook(req["secret"]).sign(req["id"], datetime.fromtimestamp(ts, tz=timezone.utc), req["body"])
    return {
        "headers": {"webhook-id": req["id"], "webhook-timestamp": str(ts), "webhook-signature": sig},
        "body": req["body"],
    }


def verify(req):
    with mock.patch.object(_sw, "datetime", _frozen_datetime(req["now"])):
        try:
            Webhook(req["secret"]).verify(req["body"], req.get("headers") or {}, json_parse=False)
        except WebhookVerificationError as e:
            return {"valid": False, "error": str(e)}
    return {"valid": True, "error": ""}
