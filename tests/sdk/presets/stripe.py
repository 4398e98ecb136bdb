"""Stripe webhook signatures (preset `stripe`), with the official `stripe` Python SDK.

https://docs.stripe.com/webhooks#verify-manually

    Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>...][,v0=<hex>]
    signed payload: "<t>.<raw body>", key: the endpoint secret *string* "whsec_..." as UTF-8
    (the whsec_ prefix is part of the key; it is not base64-decoded, unlike Standard Webhooks)

sign: stripe.WebhookSignature.generate_signature_header (which calls _compute_signature).
verify: stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=300), the check
that stripe.Webhook.construct_event runs before parsing the event. The SDK reads the clock with
time.time() and takes no clock argument, so time.time is patched to the request's `now`.
The SDK rejects only timestamps older than now - tolerance; a timestamp in the future passes.
"""

import time
from unittest import mock

import stripe  # noqa: F401  (ModuleNotFoundError -> exit 2)
from stripe import WebhookSignature
from stripe._error import SignatureVerificationError

TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 s


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def sign(req):
    header = WebhookSignature.generate_signature_header(
        req["body"], req["secret"], timestamp=int(req["timestamp"])
    )
    return {"headers": {"Stripe-Signature": header}, "body": req["body"]}


def verify(req):
    header = _header(req.get("headers"), "Stripe-Signature")
    with mock.patch("time.time", return_value=float(req["now"])):
        try:
            WebhookSignature.verify_header(req["body"], header, req["secret"], TOLERANCE)
        except SignatureVerificationError as e:
            return {"valid": False, "error": str(e.user_message or e)}
    return {"valid": True, "error": ""}
