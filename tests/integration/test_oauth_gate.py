"""OAuth mode over real HTTP: RFC 9728 metadata, 401/403 challenges, scope filtering and step-up.

The authorization server is simulated by a JWKS behind a MockTransport (it is the remote side here);
Nextcloud is the fake; the resource server and the MCP server are the real ones under test.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from fake_nextcloud.app import FakeNextcloud
from support.oauth_apps import oauth_server

pytestmark = pytest.mark.anyio
ISSUER = "https://cloud.example.com"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "alg": "RS256", "use": "sig"}]}
DISCOVERY = {
    "issuer": ISSUER,
    "jwks_uri": f"{ISSUER}/index.php/apps/oidc/jwks",
    "authorization_endpoint": f"{ISSUER}/index.php/apps/oidc/authorize",
    "token_endpoint": f"{ISSUER}/index.php/apps/oidc/token",
    "registration_endpoint": f"{ISSUER}/index.php/apps/oidc/register",
    "code_challenge_methods_supported": ["S256", "plain"],
}
RPC_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _idp(request: httpx2.Request) -> httpx2.Response:
    """The authorization server: its discovery document and JWKS (for us and for the fake's user_oidc)."""
    if request.url.path.endswith("/jwks"):
        return httpx2.Response(200, json=JWKS)
    if request.url.path.endswith("/openid-configuration"):
        return httpx2.Response(200, json=DISCOVERY)
    return httpx2.Response(404)


class Gate:
    def __init__(self, base: str, resource: str) -> None:
        self.base = base
        self.resource = resource
        self.http = httpx2.AsyncClient(base_url=base, trust_env=False)

    def token(self, scope: str = "notes:read notes:write", **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "sub": "alice",
            "aud": self.resource,
            "exp": now + 600,
            "iat": now,
            "scope": scope,
            "client_id": "dcr-client",
            **claims,
        }
        return jwt.encode(body, KEY, algorithm="RS256", headers={"kid": "k1", "typ": "at+JWT"})

    async def rpc(self, method: str, arguments: dict[str, Any], token: str | None = None, **kw: Any) -> httpx2.Response:
        headers = dict(RPC_HEADERS)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(kw.pop("headers", {}))
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": arguments}
        return await self.http.post("/mcp", json=body, headers=headers, **kw)


@pytest.fixture
async def gate(fake: FakeNextcloud) -> AsyncIterator[Gate]:
    async with oauth_server(fake, _idp, DISCOVERY) as (base, resource):
        gate = Gate(base, resource)
        yield gate
        await gate.http.aclose()


async def test_protected_resource_metadata_is_published(gate: Gate) -> None:
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        doc = (await gate.http.get(path)).json()
        assert doc["resource"] == gate.resource
        assert doc["authorization_servers"] == [ISSUER]
        assert doc["scopes_supported"][:3] == ["openid", "notes:read", "notes:write"]
        assert "files:read" in doc["scopes_supported"]
        assert doc["bearer_methods_supported"] == ["header"]


async def test_no_token_gets_a_challenge_with_metadata_and_scope(gate: Gate) -> None:
    response = await gate.rpc("tools/list", {})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{gate.base}/.well-known/oauth-protected-resource/mcp"' in challenge
    assert 'scope="openid notes:read notes:write ' in challenge


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"params": {"access_token": "x"}}, 401, "invalid_request"),
        ({"headers": {"Authorization": "Basic YWxpY2U6c2VjcmV0"}}, 401, "invalid_request"),
        ({"headers": {"Authorization": "Bearer not-a-valid-token"}}, 401, "invalid_token"),
        ({"headers": {"Authorization": "Bearer " + "A" * 9000}}, 401, "invalid_token"),
    ],
)
async def test_bad_credentials_are_refused(gate: Gate, kwargs: dict[str, Any], status: int, error: str) -> None:
    response = await gate.rpc("tools/list", {}, **kwargs)
    assert response.status_code == status
    assert f'error="{error}"' in response.headers["www-authenticate"]


async def test_expired_and_foreign_tokens_are_refused(gate: Gate) -> None:
    for token in (
        gate.token(exp=int(time.time()) - 300),
        gate.token(aud="https://other.example/mcp"),
        gate.token(iss="https://evil.example"),
    ):
        response = await gate.rpc("tools/list", {}, token)
        assert response.status_code == 401, response.text
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_read_scope_lists_read_tools_and_write_calls_need_step_up(gate: Gate) -> None:
    token = gate.token(scope="notes:read")
    listed = await gate.rpc("tools/list", {}, token)
    assert listed.status_code == 200, listed.text
    names = {t["name"] for t in listed.json()["result"]["tools"]}
    assert {n for n in names if n.startswith("nc_notes_")} == {
        "nc_notes_list_notes",
        "nc_notes_get_note",
        "nc_notes_search_notes",
        "nc_notes_list_categories",
        "nc_notes_read_attachment",  # notes:read, as every read-only notes tool
    }
    assert not any(n.startswith("nc_files_") for n in names)  # no files scope granted
    call = await gate.rpc("tools/call", {"name": "nc_notes_create_note", "arguments": {"title": "x"}}, token)
    assert call.status_code == 403
    challenge = call.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="notes:write"' in challenge
    assert "resource_metadata=" in challenge


async def test_write_scope_lists_every_notes_tool(gate: Gate) -> None:
    listed = await gate.rpc("tools/list", {}, gate.token(scope="notes:write"))
    assert len([t for t in listed.json()["result"]["tools"] if t["name"].startswith("nc_notes_")]) == 9


async def test_foreign_host_is_refused_even_with_a_valid_token(gate: Gate) -> None:
    response = await gate.rpc("tools/list", {}, gate.token(), headers={"Host": "evil.example"})
    assert response.status_code in (400, 403, 421)
