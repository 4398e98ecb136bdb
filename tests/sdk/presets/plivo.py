"""Plivo callback signatures (V3), checked with the official SDK (`plivo`).

Headers `X-Plivo-Signature-V3` (base64 HMAC-SHA256 with the Auth Token; several values joined by
`,` when more than one token is active) and `X-Plivo-Signature-V3-Nonce` (random digits).
The signed text, as `plivo.utils.signature_v3` builds it, with the Auth Token as UTF-8 key:
  POST with params:  scheme://host/path + "?" + sorted_query + ("." if the query is non-empty)
                     + concat(sorted key + value of the body params, no separators) + "." + nonce
  POST, no params:   scheme://host/path + ("?" + sorted_query if any) + "." + nonce
  GET:               scheme://host/path + ("?" + sorted_query if any) + "." + nonce
sorted_query is `k=v` joined by `&`, keys sorted, repeated keys' values sorted, values DECODED (the
query is parsed with parse_qs and not re-encoded). Body params are the decoded form fields
(Plivo posts application/x-www-form-urlencoded); a JSON object body is taken as its parsed dict
(nested objects are flattened as key + concat(...) by the SDK). No timestamp: `now` plays no part.
Also sent by Plivo and signed here: `X-Plivo-Signature-V2` / `-V2-Nonce`, base64 HMAC-SHA256 of
the URL without its query + nonce (does not cover the body), and for subaccounts
`X-Plivo-Signature-Ma-V3` with the main account's token (not produced here).

verify: `plivo.utils.validate_v3_signature(method, uri, nonce, auth_token, v3_signature, params)`.
sign: the SDK's own `construct_post_url` / `construct_get_url` and `get_signature_v3`; the nonce
is `nonce` from the request, else 20 digits derived from the body and timestamp.
"""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlparse, urlunparse

SIGNATURE = "X-Plivo-Signature-V3"
NONCE = "X-Plivo-Signature-V3-Nonce"


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _params(body):
    if not body:
        return {}
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict):
            return parsed
    except ValueError:
        pass
    out = {}
    for k, vs in parse_qs(body, keep_blank_values=True).items():
        out[k] = vs[0] if len(vs) == 1 else vs
    return out


def sign(req):
    from plivo.utils.signature_v3 import construct_get_url, construct_post_url, get_signature_v3

    method = req.get("method", "POST").upper()
    url, body = req["url"], req["body"]
    nonce = req.get("nonce") or str(
        int(hashlib.sha256(f"{req.get('timestamp')}|{body}".encode()).hexdigest(), 16)
    )[:20]
    token = req["secret"].encode("utf-8")
    if method == "GET":
        base = construct_get_url(url, {}).decode("utf-8")
    else:
        base = construct_post_url(url, _params(body)).decode("utf-8")
    v3 = get_signature_v3(token, base, nonce.encode("utf-8")).decode("ascii")
    p = urlparse(url)
    v2_base = urlunparse((p.scheme, p.netloc, p.path, "", "", "")) + nonce
    v2 = base64.b64encode(hmac.new(token, v2_base.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")
    return {
        "headers": {SIGNATURE: v3, NONCE: nonce, "X-Plivo-Signature-V2": v2, "X-Plivo-Signature-V2-Nonce": nonce},
        "body": body,
    }


def verify(req):
    from plivo.utils import validate_v3_signature

    sig = _header(req.get("headers"), SIGNATURE)
    nonce = _header(req.get("headers"), NONCE)
    if sig is None or nonce is None:
        return {"valid": False, "error": "missing X-Plivo-Signature-V3 or its nonce"}
    method = req.get("method", "POST").upper()
    params = _params(req["body"]) if method == "POST" else None
    try:
        ok = validate_v3_signature(method, req["url"], nonce, req["secret"], sig, params)
    except Exception as e:  # the SDK's argument validators raise on a bad URL or method
        return {"valid": False, "error": f"{type(e).__name__}: {e}"}
    return {"valid": bool(ok), "error": "" if ok else "signature mismatch"}
