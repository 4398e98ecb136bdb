"""Slack request signatures (preset `slack`), with slack_sdk.signature.SignatureVerifier.

https://docs.slack.dev/authentication/verifying-requests-from-slack/

    X-Slack-Request-Timestamp: <unix seconds>
    X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret as UTF-8, "v0:<timestamp>:<raw body>")>

The SDK takes a clock (slack_sdk.signature.Clock), so `now` is injected, not patched.
Tolerance: |now - timestamp| > 300 s is refused (both directions).
"""

from slack_sdk.signature import Clock, SignatureVerifier


class _FixedClock(Clock):
    def __init__(self, now):
        self._now = float(now)

    def now(self):
        return self._now


def sign(req):
    ts = str(int(req["timestamp"]))
    sig = SignatureVerifier(req["secret"]).generate_signature(timestamp=ts, body=req["body"])
    return {
        "headers": {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig},
        "body": req["body"],
    }


def verify(req):
    verifier = SignatureVerifier(req["secret"], clock=_FixedClock(req["now"]))
    try:
        ok = verifier.is_valid_request(req["body"], req.get("headers") or {})
    except ValueError:  # the SDK's int(timestamp) on a non-numeric header
        return {"valid": False, "error": "X-Slack-Request-Timestamp is not an integer"}
    if ok:
        return {"valid": True, "error": ""}
    return {"valid": False, "error": "invalid Slack signature or stale timestamp"}
