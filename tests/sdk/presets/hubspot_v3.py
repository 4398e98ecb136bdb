"""HubSpot v3 request signatures (preset `hubspot-v3`), with hubspot-api-client
(hubspot.utils.signature.Signature.get_signature / is_valid, signature_version="v3").

https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests#validate-the-v3-request-signature

    X-HubSpot-Request-Timestamp: <unix *milliseconds*>
    X-HubSpot-Signature-v3: <base64 HMAC-SHA256(key = app client secret as UTF-8,
                             msg = method + decoded URI + raw body + timestamp header)>

The SDK concatenates f"{method}{uri}{body}{timestamp}" with the URI it is given; it does not
decode it. HubSpot's documentation says to decode the URL-encoded characters of its table in
requestUri first (and not '?' that starts the query), so the URI is decoded with
`_decode_uri` below before it is handed to the SDK, on both sides.

Clock: Signature._is_timestamp_valid reads datetime.now(timezone.utc) and takes no clock, so
`datetime` in hubspot.utils.signature is patched to return `now`. It refuses a timestamp when
now - floor(ts / 1000) s >= 300 s; a future timestamp passes. A stale timestamp raises
InvalidSignatureTimestampError, reported here as valid=false.
"""

from datetime import datetime, timezone
from unittest import mock

import hubspot.utils.signature as _sigmod
from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature

# HubSpot's documented table of URL-encoded characters to decode in requestUri.
_DECODE = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}


def _decode_uri(uri):
    out, i = [], 0
    while i < len(uri):
        chunk = uri[i:i + 3].upper()
        if uri[i] == "%" and chunk in _DECODE:
            out.append(_DECODE[chunk])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _frozen_datetime(now):
    class _Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(float(now), tz=tz or timezone.utc)

    return _Frozen


def sign(req):
    ts_ms = str(int(req["timestamp"]) * 1000)
    method = req.get("method") or "POST"
    sig = Signature.get_signature(
        req["secret"], req["body"], "v3", http_uri=_decode_uri(req["url"]),
        http_method=method, timestamp=ts_ms,
    )
    return {
        "headers": {"X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": ts_ms},
        "body": req["body"],
    }


def verify(req):
    headers = req.get("headers") or {}
    sig = _header(headers, "X-HubSpot-Signature-v3")
    ts = _header(headers, "X-HubSpot-Request-Timestamp")
    if sig is None:
        return {"valid": False, "error": "missing X-HubSpot-Signature-v3 header"}
    with mock.patch.object(_sigmod, "datetime", _frozen_datetime(req["now"])):
        try:
            ok = Signature.is_valid(
                sig, req["secret"], req["body"], http_uri=_decode_uri(req["url"]),
                http_method=req.get("method") or "POST", signature_version="v3", timestamp=ts,
            )
        except InvalidSignatureTimestampError as e:
            return {"valid": False, "error": str(e)}
    return {"valid": True, "error": ""} if ok else {"valid": False, "error": "signature mismatch"}
