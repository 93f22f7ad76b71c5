"""OAuth mode against the fake Nextcloud, for app tool tests: the MCP server runs as a resource server over real
HTTP, each call carries a signed access token, and the server forwards it to the fake Nextcloud, whose
user_oidc accepts it as a Bearer token (the same IdP, simulated by a JWKS behind a MockTransport).

`patched` sets the fake's Bearer patch (cbcoutinho's ``cors-bearer-token.patch``): without it the ``#[CORS]``
REST APIs refuse Bearer tokens with 401 "CORS requires basic auth", while OCS keeps working.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from fake_nextcloud.app import FakeNextcloud
from fake_nextcloud.core.config import ProviderSpec
from nextcloud_mcp.auth.cache import TokenCache
from nextcloud_mcp.auth.oidc import parse_discovery
from nextcloud_mcp.auth.resource_server import ResourceServer
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_http_app, build_server
from support.asgi_server import serve
from support.processes import free_port

__all__ = [
    "ISSUER",
    "OAuthGate",
    "RecordingTransport",
    "ToolResult",
    "access_token",
    "oauth_gate",
    "oauth_server",
    "trust_idp",
]

ISSUER = "https://idp.example.com"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_JWKS = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(_KEY.public_key())), "kid": "k1", "alg": "RS256", "use": "sig"}]}
_DISCOVERY = {
    "issuer": ISSUER,
    "jwks_uri": f"{ISSUER}/jwks",
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "registration_endpoint": f"{ISSUER}/register",
    "code_challenge_methods_supported": ["S256"],
}
_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _idp(request: httpx2.Request) -> httpx2.Response:
    if request.url.path.endswith("/jwks"):
        return httpx2.Response(200, json=_JWKS)
    if request.url.path.endswith("/openid-configuration"):
        return httpx2.Response(200, json=_DISCOVERY)
    return httpx2.Response(404)


def access_token(user: str, scope: str, resource: str) -> str:
    """A signed at+JWT of the test IdP for `user` (its `sub`), valid for ten minutes."""
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": user, "aud": resource, "exp": now + 600, "iat": now, "scope": scope}
    return jwt.encode({**claims, "client_id": "c"}, _KEY, algorithm="RS256", headers={"kid": "k1", "typ": "at+JWT"})


class ToolResult:
    """One `tools/call` answer: `error` (bool), `data` (structured content) and `text`."""

    def __init__(self, body: dict[str, Any]) -> None:
        result = body.get("result") or {}
        self.error = bool(result.get("isError")) or "error" in body
        self.data: dict[str, Any] = result.get("structuredContent") or {}
        self.text = "\n".join(c.get("text", "") for c in result.get("content", [])) or json.dumps(body.get("error"))


class OAuthGate:
    def __init__(self, base: str, resource: str) -> None:
        self.resource = resource
        self.http = httpx2.AsyncClient(base_url=base, trust_env=False, timeout=30)

    def token(self, user: str, scope: str) -> str:
        return access_token(user, scope, self.resource)

    async def call(self, name: str, arguments: dict[str, Any], *, user: str = "alice", scope: str) -> ToolResult:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
        headers = {**_HEADERS, "Authorization": f"Bearer {self.token(user, scope)}"}
        response = await self.http.post("/mcp", json=body, headers=headers)
        if response.status_code != 200:  # e.g. 403 insufficient_scope from the resource server
            return ToolResult({"error": {"status": response.status_code, "body": response.text}})
        return ToolResult(response.json())

    async def tool_names(self, *, user: str = "alice", scope: str) -> set[str]:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        headers = {**_HEADERS, "Authorization": f"Bearer {self.token(user, scope)}"}
        response = await self.http.post("/mcp", json=body, headers=headers)
        return {t["name"] for t in response.json()["result"]["tools"]}


def trust_idp(
    fake: FakeNextcloud,
    idp: Callable[[httpx2.Request], httpx2.Response] = _idp,
    discovery: dict[str, Any] = _DISCOVERY,
) -> None:
    """Make the fake's user_oidc accept bearer tokens of `idp` (`occ user_oidc:provider … --check-bearer=1`)."""
    state = fake.fake_state
    state.http_transport = httpx2.MockTransport(idp)
    state.config.oidc_providers.append(ProviderSpec("idp", f"{discovery['issuer']}/.well-known/openid-configuration"))
    state.config.set_user_oidc("selfencoded_bearer_validation_audience_check", False)


@asynccontextmanager
async def oauth_server(
    fake: FakeNextcloud,
    idp: Callable[[httpx2.Request], httpx2.Response],
    discovery: dict[str, Any],
    env: dict[str, str] | None = None,
) -> AsyncIterator[tuple[str, str]]:
    """The real MCP server in OAuth mode (stateless JSON over HTTP, unless `env` says otherwise) in front of
    `fake`; the authorization server is `idp` behind a MockTransport, trusted by the resource server and by the
    fake's user_oidc (`occ user_oidc:provider … --check-bearer=1`). Yields the server's base URL and its resource
    URL."""
    trust_idp(fake, idp, discovery)
    port = free_port()
    settings = load_settings(
        environ={
            "NEXTCLOUD_HOST": "http://nc.test",
            "MCP_TRANSPORT": "streamable-http",
            "MCP_PORT": str(port),
            "MCP_STATELESS_HTTP": "true",
            "MCP_JSON_RESPONSE": "true",
            "MCP_CAPABILITIES_TTL": "0",
            **(env or {}),
        }
    )
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    idp_http = httpx2.AsyncClient(transport=httpx2.MockTransport(idp))
    resource_server = ResourceServer(settings, parse_discovery(discovery, settings), idp_http, TokenCache(3600))
    try:
        async with serve(build_http_app(server, settings, resource_server), port) as base:
            yield base, settings.resource_url
    finally:
        await idp_http.aclose()


@asynccontextmanager
async def oauth_gate(
    fake: FakeNextcloud, *, patched: bool, env: dict[str, str] | None = None
) -> AsyncIterator[OAuthGate]:
    """An OAuth-mode MCP server in front of `fake` (whose Bearer patch is set to `patched`); `env`: more settings."""
    fake.fake_state.config.bearer_patch = patched
    async with oauth_server(fake, _idp, _DISCOVERY, env) as (base, resource):
        gate = OAuthGate(base, resource)
        try:
            yield gate
        finally:
            await gate.http.aclose()


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Wraps a transport and keeps every request sent through it (for validating them against a spec)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)
