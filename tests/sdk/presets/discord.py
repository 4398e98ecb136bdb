"""Discord interactions endpoint signatures, checked with PyNaCl as Discord's documentation does.

Discord ships no Python verifier; its docs ("Security and Authorization" in "Receiving and
Responding to Interactions") verify with `nacl.signing.VerifyKey`:
  * `X-Signature-Ed25519`: hex of the 64-byte Ed25519 signature,
  * `X-Signature-Timestamp`: a timestamp string (Unix seconds),
  * the signed message is `timestamp + raw_body` (UTF-8), no separator,
  * the application's PUBLIC KEY (Developer Portal, General Information) is 32 bytes in hex.
Discord documents no timestamp window, so `now` plays no part here.
Handshake: Discord POSTs `{"type":1,...}` (PING) and expects 200 `{"type":1}` (PONG); it also sends
requests with bad signatures and expects 401.
sign: the Ed25519 seed is `seed_hex`.
"""

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

SIGNATURE = "X-Signature-Ed25519"
TIMESTAMP = "X-Signature-Timestamp"


def _header(headers, name):
    for k, v in (headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def sign(req):
    key = SigningKey(bytes.fromhex(req["seed_hex"]))
    ts = str(int(req["timestamp"]))
    signed = key.sign((ts + req["body"]).encode("utf-8"))
    return {
        "headers": {SIGNATURE: signed.signature.hex(), TIMESTAMP: ts},
        "body": req["body"],
        "public_key": key.verify_key.encode().hex(),
    }


def verify(req):
    sig = _header(req.get("headers"), SIGNATURE)
    ts = _header(req.get("headers"), TIMESTAMP)
    if sig is None or ts is None:
        return {"valid": False, "error": "missing signature or timestamp header"}
    try:
        VerifyKey(bytes.fromhex(req["public_key"])).verify((ts + req["body"]).encode("utf-8"), bytes.fromhex(sig))
    except BadSignatureError:
        return {"valid": False, "error": "invalid request signature"}
    except (ValueError, TypeError) as e:
        return {"valid": False, "error": f"{type(e).__name__}: {e}"}
    return {"valid": True, "error": ""}
