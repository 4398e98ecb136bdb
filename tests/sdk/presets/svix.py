"""Svix webhook signatures (preset `svix`), with the official `svix` SDK (svix.webhooks.Webhook).

https://docs.svix.com/receiving/verifying-payloads/how-manual

    svix-id: <message id, msg_...>
    svix-timestamp: <unix seconds>
    svix-signature: v1,<base64 HMAC-SHA256> [v1,<...> ...]   (space-separated list)
    signed content: "<svix-id>.<svix-timestamp>.<raw body>"
    key: the secret "whsec_<base64>"; the bytes after the whsec_ prefix, base64-decoded

svix.webhooks.Webhook wraps standardwebhooks.webhooks.Webhook (it maps the svix-* headers onto
webhook-*, falling back to webhook-* headers when svix-* are absent). The clock is
datetime.now(tz=timezone.utc) inside standardwebhooks.webhooks, with no clock argument, so that
`datetime` is patched to return `now`. Tolerance: 5 minutes both ways.
"""

from datetime import datetime, timezone
from unittest import mock

import svix.webhooks  # noqa: F401  (ModuleNotFoundError -> exit 2)
import standardwebhooks.webhooks as _sw
from svix.webhooks import Webhook, WebhookVerificationError


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
        "headers": {"svix-id": req["id"], "svix-timestamp": str(ts), "svix-signature": sig},
        "body": req["body"],
    }


def verify(req):
    with mock.patch.object(_sw, "datetime", _frozen_datetime(req["now"])):
        try:
            Webhook(req["secret"]).verify(req["body"], req.get("headers") or {})
        except WebhookVerificationError as e:
            return {"valid": False, "error": str(e)}
    return {"valid": True, "error": ""}
