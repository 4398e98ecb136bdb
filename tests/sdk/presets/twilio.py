"""Twilio request signatures (preset `twilio`), with twilio.request_validator.RequestValidator.

https://www.twilio.com/docs/usage/webhooks/webhooks-security

    X-Twilio-Signature: <base64 HMAC-SHA1(key = Auth Token as UTF-8,
                         msg = full URL + for each POST param sorted by name: name + value)>

The body is application/x-www-form-urlencoded; it is parsed with urllib.parse.parse_qsl
(keep_blank_values=True) into a multi-dict with getall(), as Flask's MultiDict, so repeated
names keep all their values (the SDK sorts the names, then sorts each name's distinct values).
No timestamp is signed, so `now` is ignored. `RequestValidator.validate` accepts the signature
computed over the URL as given, without its port, and with the scheme's default port added.
For a JSON body Twilio adds ?bodySHA256=<hex sha256 of the body> to the URL and signs the URL
alone; that case is handled when the URL carries bodySHA256 (the SDK then takes the raw body).
When the X-Twilio-Webhooks-Signature-Settings header (key=...,algorithm=HMAC_SHA256) is present
the SDK's get_signature_algorithm picks the hash; absent, HMAC-SHA1.
"""

from urllib.parse import parse_qs, parse_qsl, urlparse

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)


class _MultiDict(dict):
    """name -> list of values, with getall() as werkzeug's MultiDict (which the SDK supports)."""

    def getall(self, name):
        return self[name]


def _params(body):
    d = _MultiDict()
    for k, v in parse_qsl(body, keep_blank_values=True):
        d.setdefault(k, []).append(v)
    return d


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _json_mode(url):
    return "bodySHA256" in parse_qs(urlparse(url).query)


def sign(req):
    url, body = req["url"], req["body"]
    params = {} if _json_mode(url) else _params(body)
    algorithm = req.get("algorithm")  # optional: "HMAC_SHA256" as a Webhooks Rule SharedKey
    sig = RequestValidator(req["secret"]).compute_signature(url, params, algorithm)
    headers = {SIGNATURE_HEADER: sig}
    if algorithm:
        headers[SIGNATURE_SETTINGS_HEADER] = "key=webhooks_sharedkey_test,algorithm=" + algorithm
    return {"headers": headers, "body": body}


def verify(req):
    headers = req.get("headers") or {}
    sig = _header(headers, SIGNATURE_HEADER)
    if sig is None:
        return {"valid": False, "error": "missing X-Twilio-Signature header"}
    algorithm = get_signature_algorithm(_header(headers, SIGNATURE_SETTINGS_HEADER))
    url = req["url"]
    params = req["body"] if _json_mode(url) else _params(req["body"])
    if RequestValidator(req["secret"]).validate(url, params, sig, algorithm):
        return {"valid": True, "error": ""}
    return {"valid": False, "error": "signature mismatch"}
