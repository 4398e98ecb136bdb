"""Vonage signed webhooks (Messages API, Voice API, Dispatch), checked with the official SDK
(`vonage` 4.x: `vonage_jwt.verify_signature`, which `vonage_voice.Voice.verify_signature` calls).

Header `Authorization: Bearer <JWT>`; the JWT is HS256 (HMAC-SHA256) with the account's
signature secret (Dashboard > API Settings, used as UTF-8 text; the "signature method" dropdown
does not apply, SHA-256 always). Its claims: `iat` (Unix seconds), `jti` (unique id), `iss`
("Vonage"), `payload_hash` (hex SHA-256 of the raw body), `api_key` (which secret signed it),
`application_id`. Bodies are JSON (Messages, Voice event_url POST). For a GET webhook (Voice
answer_url) the hash is over the query parameters as a compact JSON object in their order.

verify: (1) `vonage_jwt.verify_signature(token, secret)`: PyJWT `decode(..., algorithms="HS256")`,
which also refuses an `iat` in the future and an `exp` in the past (the SDK reads the clock through
PyJWT's `datetime.now`: verify patches it to the request's `now`); (2) Vonage's documented
payload check: `payload_hash` == sha256(body). Neither the SDK nor the documentation sets a
maximum age for `iat`; none is enforced here.
sign: PyJWT (the SDK's own dependency) with the claims above; `id` becomes `jti`.

Variant `"variant": "sms-sig"` (the SMS API's legacy signed callbacks, form or query parameters):
`sig` = hex HMAC(secret, "&k=v" for each param sorted by key, `&` and `=` in values replaced by
`_`), per `vonage_http_client.Auth.sign_params`/`check_signature`; `signature_method` md5 (default),
sha1, sha256 or sha512; the params must carry `timestamp` and `api_key`.
"""

import datetime as _dt
import hashlib
import json
import warnings
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlparse

warnings.filterwarnings("ignore")


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _payload_hash(req):
    if req.get("method", "POST").upper() == "GET":
        query = dict(parse_qsl(urlparse(req.get("url", "")).query, keep_blank_values=True))
        text = json.dumps(query, separators=(",", ":"), ensure_ascii=False)
    else:
        text = req["body"]
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clock(now):
    class _Fixed(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.fromtimestamp(float(now), tz)

    return mock.patch("jwt.api_jwt.datetime", _Fixed)


def sign(req):
    if req.get("variant") == "sms-sig":
        return _sms_sign(req)
    import jwt
    import vonage_jwt  # noqa: F401  (exit 2 when the SDK is missing)

    ts = int(req["timestamp"])
    claims = {
        "iat": ts,
        "jti": req.get("id") or hashlib.sha256(f"{ts}|{req['body']}".encode()).hexdigest()[:32],
        "iss": "Vonage",
        "payload_hash": _payload_hash(req),
        "api_key": req.get("api_key", "abcd1234"),
        "application_id": req.get("application_id", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"),
    }
    token = jwt.encode(claims, req["secret"], algorithm="HS256")
    return {"headers": {"Authorization": f"Bearer {token}"}, "body": req["body"]}


def verify(req):
    if req.get("variant") == "sms-sig":
        return _sms_verify(req)
    import jwt
    from vonage_jwt import VonageVerifyJwtError, verify_signature

    auth = _header(req.get("headers"), "Authorization") or ""
    parts = auth.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return {"valid": False, "error": "missing Authorization: Bearer token"}
    token = parts[1]
    with _clock(req["now"]):
        try:
            if not verify_signature(token, req["secret"]):
                return {"valid": False, "error": "JWT signature mismatch"}
        except VonageVerifyJwtError as e:
            return {"valid": False, "error": f"VonageVerifyJwtError: {e}"}
    claims = jwt.decode(token, options={"verify_signature": False})
    if claims.get("payload_hash") != _payload_hash(req):
        return {"valid": False, "error": "payload_hash does not match the body"}
    return {"valid": True, "error": ""}


def _sms_auth(req):
    from vonage_http_client.auth import Auth

    return Auth(
        api_key=req.get("api_key", "abcd1234"),
        signature_secret=req["secret"],
        signature_method=req.get("signature_method", "md5"),
    )


def _sms_params(req):
    text = req["body"] if req.get("method", "POST").upper() == "POST" else urlparse(req["url"]).query
    try:
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            return parsed, "json"
    except ValueError:
        pass
    return dict(parse_qsl(text, keep_blank_values=True)), "form"


def _sms_sign(req):
    params, kind = _sms_params(req)
    params.setdefault("timestamp", str(int(req["timestamp"])))
    params["sig"] = _sms_auth(req).sign_params(dict(params))
    body = json.dumps(params, separators=(",", ":")) if kind == "json" else urlencode(params)
    return {"headers": {}, "body": body}


def _sms_verify(req):
    params, _ = _sms_params(req)
    if "sig" not in params:
        return {"valid": False, "error": "missing sig parameter"}
    with mock.patch("vonage_http_client.auth.time", return_value=float(req["now"])):
        ok = _sms_auth(req).check_signature(dict(params))
    return {"valid": bool(ok), "error": "" if ok else "sig mismatch"}
