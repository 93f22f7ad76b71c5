"""TokenValidator: JWT checks against a local JWKS, introspection and userinfo rules (MockTransport)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from nextcloud_mcp.auth.oidc import AuthServer
from nextcloud_mcp.auth.verifier import InvalidToken, TokenValidator
from nextcloud_mcp.config import Settings

pytestmark = pytest.mark.anyio
ISSUER = "https://cloud.example.com"
RESOURCE = "http://127.0.0.1:8000/mcp"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


def _token(key: Any = KEY, kid: str = "k1", alg: str = "RS256", typ: str = "at+JWT", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": RESOURCE,
        "exp": now + 600,
        "iat": now,
        "scope": "notes:read",
        "client_id": "c1",
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid, "typ": typ})


def _server(**kw: Any) -> AuthServer:
    base: dict[str, Any] = {
        "issuer": ISSUER,
        "is_nextcloud": True,
        "jwks_uri": f"{ISSUER}/jwks",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "introspection_endpoint": f"{ISSUER}/introspect",
        "introspection_auth_methods": ("client_secret_basic",),
        "registration_endpoint": f"{ISSUER}/register",
        "scopes_supported": (),
    }
    base.update(kw)
    return AuthServer(**base)


class IdP:
    """A MockTransport handler playing JWKS, userinfo and introspection."""

    def __init__(self) -> None:
        self.keys = [_jwk(KEY, "k1")]
        self.calls: list[str] = []
        self.introspection: dict[str, Any] = {"active": False}
        self.userinfo_status = 200

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls.append(request.url.path)
        if request.url.path == "/jwks":
            return httpx2.Response(200, json={"keys": self.keys})
        if request.url.path == "/userinfo":
            return httpx2.Response(self.userinfo_status, json={"sub": "alice", "scope": "notes:read"})
        if request.url.path == "/introspect":
            assert request.headers["Authorization"].startswith("Basic ")
            return httpx2.Response(200, json=self.introspection)
        return httpx2.Response(404)


def _validator(
    make_settings: Callable[..., Settings], idp: IdP, server: AuthServer | None = None, **env: Any
) -> TokenValidator:
    settings = make_settings(NEXTCLOUD_USERNAME="", NEXTCLOUD_PASSWORD="", MCP_TRANSPORT="streamable-http", **env)
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(idp))
    return TokenValidator(settings, server or _server(), http)


async def test_valid_jwt_gives_identity(make_settings: Callable[..., Settings]) -> None:
    identity = await _validator(make_settings, IdP()).identify(_token(scope="notes:read notes:write"))
    assert (identity.subject, identity.client_id, identity.method) == ("alice", "c1", "jwt")
    assert identity.scopes == {"notes:read", "notes:write"}
    assert identity.resource == RESOURCE


def _none_alg() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    body = {"iss": ISSUER, "sub": "alice", "aud": RESOURCE, "exp": int(time.time()) + 600}
    return f"{part({'alg': 'none', 'typ': 'at+jwt'})}.{part(body)}."


def _hs256_confusion() -> str:
    public_pem = KEY.public_key().public_bytes(
        encoding=__import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).Encoding.PEM,
        format=__import__(
            "cryptography.hazmat.primitives.serialization", fromlist=["x"]
        ).PublicFormat.SubjectPublicKeyInfo,
    )
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "alice", "aud": RESOURCE, "exp": now + 600}
    header = {"alg": "HS256", "typ": "at+jwt", "kid": "k1"}
    signing = (
        f"{base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b'=').decode()}."
        f"{base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b'=').decode()}"
    )
    import hashlib
    import hmac

    sig = base64.urlsafe_b64encode(hmac.new(public_pem, signing.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"{signing}.{sig.decode()}"


def _tampered() -> str:
    head, body, sig = _token().split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["sub"] = "bob"
    new_body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{head}.{new_body}.{sig}"


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda: _token(exp=int(time.time()) - 120), "expired"),
        (lambda: _token(nbf=int(time.time()) + 600), "not valid yet"),
        (lambda: _token(iss="https://evil.example"), "another authorization server"),
        (lambda: _token(aud="https://other.example/mcp"), "not issued for this server"),
        (lambda: _token(aud=None), "invalid JWT"),
        (lambda: _token(sub=None), "invalid JWT"),
        (_none_alg, "algorithm 'none'"),
        (_hs256_confusion, "algorithm 'HS256'"),
        (lambda: _token(key=OTHER_KEY), "invalid JWT"),
        (lambda: _token(kid="unknown"), "unknown key"),
        (lambda: _token(typ="JWT"), "not an access token"),
        (_tampered, "invalid JWT"),
        (lambda: "x" * 9000, "malformed"),
        (lambda: "abc def", "malformed"),
    ],
)
async def test_hostile_jwts_are_rejected(
    make_settings: Callable[..., Settings], make_token: Callable[[], str], reason: str
) -> None:
    validator = _validator(make_settings, IdP())
    with pytest.raises(InvalidToken, match=reason):
        await validator.identify(make_token())


async def test_unknown_kid_refetches_jwks_once_for_key_rotation(make_settings: Callable[..., Settings]) -> None:
    idp = IdP()
    validator = _validator(make_settings, idp)
    await validator.identify(_token())
    idp.keys = [_jwk(OTHER_KEY, "k2")]  # the provider rotated its key
    identity = await validator.identify(_token(key=OTHER_KEY, kid="k2"))
    assert identity.subject == "alice"
    assert idp.calls.count("/jwks") == 2
    with pytest.raises(InvalidToken, match="unknown key"):
        await validator.identify(_token(kid="k3"))
    assert idp.calls.count("/jwks") == 2  # refresh is rate-limited


async def test_audience_check_can_be_disabled(make_settings: Callable[..., Settings]) -> None:
    validator = _validator(make_settings, IdP(), MCP_REQUIRE_AUDIENCE="false")
    assert (await validator.identify(_token(aud="someone-else"))).resource is None


async def test_opaque_tokens_need_introspection_when_audience_is_required(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(InvalidToken, match="need introspection"):
        await _validator(make_settings, IdP()).identify("A" * 72)


async def test_introspection_accepts_active_and_rejects_inactive(make_settings: Callable[..., Settings]) -> None:
    idp = IdP()
    validator = _validator(make_settings, idp, MCP_OIDC_CLIENT_ID="mcp", MCP_OIDC_CLIENT_SECRET="s")
    with pytest.raises(InvalidToken, match="not active"):
        await validator.identify("A" * 72)
    idp.introspection = {
        "active": True,
        "sub": "alice",
        "scope": "notes:read",
        "client_id": "dcr1",
        "aud": "dcr1",
        "exp": int(time.time()) + 60,
    }
    identity = await validator.identify("A" * 72)
    assert (identity.subject, identity.method, identity.resource) == ("alice", "introspection", RESOURCE)
    idp.introspection["exp"] = int(time.time()) - 600
    with pytest.raises(InvalidToken, match="expired"):
        await validator.identify("A" * 72)


async def test_external_idp_introspection_must_name_this_resource(make_settings: Callable[..., Settings]) -> None:
    idp = IdP()
    validator = _validator(
        make_settings, idp, _server(is_nextcloud=False), MCP_OIDC_CLIENT_ID="mcp", MCP_OIDC_CLIENT_SECRET="s"
    )
    idp.introspection = {"active": True, "sub": "alice", "aud": ["https://other.example"]}
    with pytest.raises(InvalidToken, match="not issued for this server"):
        await validator.identify("B" * 40)
    idp.introspection["aud"] = [RESOURCE + "/"]
    assert (await validator.identify("B" * 40)).resource == RESOURCE


async def test_userinfo_treats_400_as_invalid(make_settings: Callable[..., Settings]) -> None:
    idp = IdP()
    validator = _validator(make_settings, idp, MCP_REQUIRE_AUDIENCE="false")
    identity = await validator.identify("C" * 72)
    assert identity.method == "userinfo"
    assert identity.expires_at is not None and identity.expires_at <= time.time() + 300
    idp.userinfo_status = 400  # H2CK/oidc answers 400 (not 401) for unknown tokens
    assert await validator.validate("C" * 72) is None
