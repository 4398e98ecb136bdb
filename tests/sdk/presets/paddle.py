"""Paddle Billing webhook signatures, checked with the official SDK (`paddle-python-sdk`,
module `paddle_billing`).

Header `Paddle-Signature: ts=<unix seconds>;h1=<hex HMAC-SHA256(secret, f"{ts}:{raw_body}")>`,
`;` between elements, `=` inside; more than one `h1` during secret rotation; any other key makes
the SDK's parser raise. The secret is the notification destination's endpoint secret key as shown
(`pdl_ntfset_..._...`), used as UTF-8 text.

verify: `paddle_billing.Notifications.Verifier().verify(request, Secret(secret))`, whose default
`maximum_variance` is 5 seconds: rejected when now > ts + 5 or ts - 5 > now (5 s passes). The
Verifier reads the clock with `time()` imported into its module: verify patches
`paddle_billing.Notifications.Verifier.time` to the request's `now`, and clears TEST_MODE (which
turns the time check off).
sign: `PaddleSignature.calculate_hmac`, the SDK's own HMAC; `secrets` (a list) signs once per
secret, one `h1` each.
"""

import os
from unittest import mock

HEADER = "Paddle-Signature"


class _Headers:
    def __init__(self, headers):
        self._h = {k.lower(): v for k, v in (headers or {}).items()}

    def get(self, key, default=None):
        return self._h.get(key.lower(), default)


class _Request:
    def __init__(self, body, headers):
        self.body = body.encode("utf-8")
        self.headers = _Headers(headers)


def sign(req):
    from paddle_billing.Notifications.PaddleSignature import PaddleSignature

    ts = str(int(req["timestamp"]))
    data = f"{ts}:{req['body']}".encode("utf-8")
    secrets = req.get("secrets") or [req["secret"]]
    parts = [f"ts={ts}"] + [f"h1={PaddleSignature.calculate_hmac(s, data).hexdigest()}" for s in secrets]
    return {"headers": {HEADER: ";".join(parts)}, "body": req["body"]}


def verify(req):
    import importlib

    from paddle_billing.Notifications.Secret import Secret

    # the package re-exports the class under the module's name: take the module itself
    verifier_module = importlib.import_module("paddle_billing.Notifications.Verifier")

    env = {k: v for k, v in os.environ.items() if k != "TEST_MODE"}
    with mock.patch.dict(os.environ, env, clear=True), mock.patch.object(
        verifier_module, "time", return_value=float(req["now"])
    ):
        try:
            ok = verifier_module.Verifier().verify(_Request(req["body"], req.get("headers")), Secret(req["secret"]))
        except (ValueError, ConnectionRefusedError) as e:
            return {"valid": False, "error": f"{type(e).__name__}: {e}"}
    return {"valid": bool(ok), "error": "" if ok else "signature or timestamp rejected"}
