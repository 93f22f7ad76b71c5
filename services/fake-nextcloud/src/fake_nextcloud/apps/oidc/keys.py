"""The oidc app's signing key and JWT encoding.

* One RSA key per instance (``CredentialService::generateKeys``, run by the ``CreateKeys`` repair step): the
  JWKS exposes it as ``{"kty": "RSA", "use": "sig", "key_ops": ["verify"], "alg": "RS256", "kid", "n", "e"}``
  (``JwksController::getKeyInfo``), ``kid`` a UUID v4. The real key has 4096 bits; the fake uses 2048 (same
  shape, much faster to generate). It is created on first use and kept in ``FakeState.keys``, so it survives
  ``reset()`` and stays stable for the life of the instance.
* JWTs are assembled by hand like ``JwtGenerator``: ``base64url(json_encode(header)) . "." .
  base64url(json_encode(payload))`` - PHP's ``json_encode`` escapes ``/`` - signed RS256 with the app key or,
  for clients with ``HS256``, HMAC-SHA256 with the *client secret*. Header key order is ``typ, alg, kid``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fake_nextcloud.core.php import php_json_encode
from fake_nextcloud.core.state import FakeState

__all__ = ["SigningKey", "b64url", "b64url_decode", "jwt_parts", "sign_jwt", "signing_key", "verify_rs256"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "key_ops": ["verify"],
            "alg": "RS256",
            "kid": self.kid,
            "n": _int_b64(numbers.n),
            "e": _int_b64(numbers.e),
        }


def signing_key(state: FakeState) -> SigningKey:
    """The instance's key (generated once, kept across ``reset()``)."""
    key = state.keys.get("oidc")
    if not isinstance(key, SigningKey):
        key = SigningKey(str(uuid.uuid4()), rsa.generate_private_key(public_exponent=65537, key_size=2048))
        state.keys["oidc"] = key
    return key


def sign_jwt(state: FakeState, payload: dict[str, Any], *, typ: str, algorithm: str, secret: str = "") -> str:
    """``JwtGenerator``: HS256 with the client secret, otherwise RS256 with the app key."""
    if algorithm == "HS256":
        header: dict[str, Any] = {"typ": typ, "alg": "HS256"}
    else:
        header = {"typ": typ, "alg": "RS256", "kid": signing_key(state).kid}
    signing_input = (
        b64url(php_json_encode(header).encode("utf-8")) + "." + b64url(php_json_encode(payload).encode("utf-8"))
    )
    if algorithm == "HS256":
        signature = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    else:
        signature = signing_key(state).private_key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
    return signing_input + "." + b64url(signature)


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and payload of a compact JWT, without verifying it (``None`` if it is not one)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, payload


def verify_rs256(state: FakeState, token: str) -> dict[str, Any] | None:
    """``JWT::decode($token, JWK::parseKeySet($jwks))`` against the app key: signature and ``kid`` only
    (time claims are checked by the callers with the instance clock)."""
    parsed = jwt_parts(token)
    if parsed is None:
        return None
    header, payload = parsed
    key = signing_key(state)
    if header.get("alg") != "RS256" or header.get("kid") != key.kid:
        return None
    head, body, signature = token.split(".")
    try:
        key.private_key.public_key().verify(
            b64url_decode(signature), f"{head}.{body}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:
        return None
    return payload
