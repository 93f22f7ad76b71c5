"""An OAuth-mode server over real HTTP whose authorization server we control: a JWKS behind a
MockTransport signed with our own key, so that every token variant can be forged (`Corpus`).

Nextcloud is the in-process fake (its request log shows what reached it; its user_oidc app trusts the
same IdP); the resource server and the MCP server are the real ones. Used by the `gate` fixture.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from fake_nextcloud.app import FakeNextcloud
from security.log_guard import register_secret
from support.oauth_apps import oauth_server

ISSUER = "https://idp.example.com"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
JWKS = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "alg": "RS256", "use": "sig"}]}
DISCOVERY = {
    "issuer": ISSUER,
    "jwks_uri": f"{ISSUER}/jwks",
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "registration_endpoint": f"{ISSUER}/register",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
    "code_challenge_methods_supported": ["S256"],
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
__all__ = ["Corpus", "Gate", "b64", "gate", "raw_jwt"]

LIST_CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "nc_notes_list_notes", "arguments": {}},
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_jwt(header: dict[str, Any], payload: dict[str, Any], sign: Callable[[bytes], bytes] | None = None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64(signature)}"


class Corpus:
    """Mints the valid token and each attack variant for one resource."""

    def __init__(self, resource: str) -> None:
        self.resource = resource

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "sub": "alice",
            "aud": self.resource,
            "exp": now + 600,
            "iat": now,
            "scope": "notes:read notes:write",
            "client_id": "mcp-client",
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    def valid(self, key: Any = KEY, kid: str = "k1", typ: str = "at+jwt", **claims: Any) -> str:
        token = jwt.encode(self.claims(**claims), key, algorithm="RS256", headers={"kid": kid, "typ": typ})
        register_secret(token)
        return token

    def attacks(self) -> dict[str, str]:
        now = int(time.time())
        good = self.valid()
        header, payload, signature = good.split(".")
        tampered_payload = b64(json.dumps(self.claims(sub="bob")).encode())
        hs_header = {"alg": "HS256", "typ": "at+jwt", "kid": "k1"}
        corpus = {
            "expired": self.valid(exp=now - 3600),
            "not_yet_valid": self.valid(nbf=now + 3600),
            "wrong_issuer": self.valid(iss="https://evil.example.com"),
            "wrong_audience": self.valid(aud="https://other-server.example/mcp"),
            "audience_list_without_us": self.valid(aud=["https://a.example/mcp", "https://b.example/mcp"]),
            "missing_audience": self.valid(aud=None),
            "missing_exp": self.valid(exp=None),
            "missing_sub": self.valid(sub=None),
            "id_token_typ": self.valid(typ="JWT"),
            "alg_none": raw_jwt({"alg": "none", "typ": "at+jwt", "kid": "k1"}, self.claims()),
            "alg_none_uppercase": raw_jwt({"alg": "NONE", "typ": "at+jwt", "kid": "k1"}, self.claims()),
            "rs256_to_hs256_key_confusion": raw_jwt(
                hs_header, self.claims(), lambda data: hmac.new(PUBLIC_PEM, data, hashlib.sha256).digest()
            ),
            "unknown_signing_key_same_kid": self.valid(key=OTHER_KEY),
            "unknown_kid": self.valid(key=OTHER_KEY, kid="attacker-key"),
            "tampered_payload": f"{header}.{tampered_payload}.{signature}",
            "stripped_signature": f"{header}.{payload}.",
            "jwk_header_injection": raw_jwt(
                {"alg": "RS256", "typ": "at+jwt", "jwk": json.loads(RSAAlgorithm.to_jwk(OTHER_KEY.public_key()))},
                self.claims(),
                lambda data: RSAAlgorithm(RSAAlgorithm.SHA256).sign(data, OTHER_KEY),
            ),
            "opaque_random": "opaque-" + "x" * 40,
            "oversize": "A" * 9000,
            "not_ascii": "tökén-" + "x" * 30,
            "three_dots_garbage": "a.b.c",
            "json_header_not_object": f"{b64(b'[1]')}.{payload}.{signature}",
        }
        register_secret(*corpus.values())
        return corpus


class Gate:
    def __init__(self, base: str, resource: str, fake: FakeNextcloud, idp_log: list[httpx2.Request]) -> None:
        self.base = base
        self.corpus = Corpus(resource)
        self.fake = fake
        self.idp_log = idp_log
        self.http = httpx2.AsyncClient(base_url=base, trust_env=False)

    async def call(self, token: str | None = None, *, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        sent = [(k.encode(), v.encode()) for k, v in {**HEADERS, **(headers or {})}.items()]
        if token is not None:  # bytes: non-ASCII attack tokens go out raw
            sent.append((b"authorization", f"Bearer {token}".encode()))
        return await self.http.post("/mcp", json=LIST_CALL, headers=sent, **kw)

    def nextcloud_requests(self) -> list[Any]:
        return self.fake.fake_state.request_log.records()


@pytest.fixture
async def gate(fake: FakeNextcloud) -> AsyncIterator[Gate]:
    idp_log: list[httpx2.Request] = []

    def idp(request: httpx2.Request) -> httpx2.Response:
        idp_log.append(request)
        if request.url.path == "/jwks":
            return httpx2.Response(200, json=JWKS)
        if request.url.path.endswith("/openid-configuration"):
            return httpx2.Response(200, json=DISCOVERY)
        return httpx2.Response(401)

    async with oauth_server(fake, idp, DISCOVERY) as (base, resource):  # Nextcloud's user_oidc trusts the same IdP
        gate = Gate(base, resource, fake, idp_log)
        yield gate
        await gate.http.aclose()
