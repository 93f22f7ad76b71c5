"""Stateful streamable HTTP holds at most `MCP_MAX_SESSIONS_PER_USER` sessions per user (issue 16).

Before, one user with one token could open sessions until the SDK's global limit (10 000) and every other user
was then answered 503 "Too many open sessions". Now the user over their own limit gets 429 with a JSON-RPC error
saying how to free a slot, everyone else keeps working, and sessions that end (DELETE, 404, the
`MCP_SESSION_IDLE_TIMEOUT`) free their slot. The real server runs over real HTTP (uvicorn) in front of the fake
Nextcloud, in OAuth mode (tokens of a test IdP the fake's user_oidc also trusts) and in BasicAuth mode.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.auth.cache import TokenCache
from nextcloud_mcp.auth.oidc import parse_discovery
from nextcloud_mcp.auth.resource_server import ResourceServer
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_http_app, build_server
from support.asgi_server import serve
from support.fixtures import USERS
from support.oauth_apps import trust_idp
from support.processes import free_port

pytestmark = pytest.mark.anyio

ISSUER = "https://idp.sessions.example"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWKS = {"keys": [{**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "s1", "alg": "RS256", "use": "sig"}]}
DISCOVERY = {
    "issuer": ISSUER,
    "jwks_uri": f"{ISSUER}/jwks",
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "registration_endpoint": f"{ISSUER}/register",
    "code_challenge_methods_supported": ["S256"],
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
VERSION = "2025-11-25"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "cap-test", "version": "1"}},
}
LIST_NOTES = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "nc_notes_list_notes"}}


def idp(request: httpx2.Request) -> httpx2.Response:
    if request.url.path == "/jwks":
        return httpx2.Response(200, json=JWKS)
    if request.url.path.endswith("/openid-configuration"):
        return httpx2.Response(200, json=DISCOVERY)
    return httpx2.Response(404)


class Peer:
    """One HTTP client of the MCP server with its credentials (a Bearer token or Basic auth)."""

    def __init__(self, http: httpx2.AsyncClient, authorization: str) -> None:
        self.http = http
        self.headers = {**HEADERS, "Authorization": authorization}

    async def initialize(self) -> httpx2.Response:
        return await self.http.post("/mcp", json=INITIALIZE, headers=self.headers)

    async def open(self) -> str:
        """A new session, initialized; its id."""
        response = await self.initialize()
        assert response.status_code == 200, response.text
        session = response.headers["mcp-session-id"]
        done = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert (await self.http.post("/mcp", json=done, headers=self._in(session))).status_code == 202
        return session

    async def list_notes(self, session: str) -> httpx2.Response:
        return await self.http.post("/mcp", json=LIST_NOTES, headers=self._in(session))

    async def close(self, session: str) -> httpx2.Response:
        return await self.http.delete("/mcp", headers=self._in(session))

    def _in(self, session: str) -> dict[str, str]:
        return {**self.headers, "Mcp-Session-Id": session, "MCP-Protocol-Version": VERSION}


class Server:
    def __init__(self, base: str, resource: str) -> None:
        self.base = base
        self.resource = resource
        self.http = httpx2.AsyncClient(base_url=base, trust_env=False, timeout=30)

    def token(self, user: str, client_id: str = "desktop") -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": user, "aud": self.resource, "exp": now + 600, "iat": now}
        claims |= {"scope": "notes:read notes:write", "client_id": client_id, "jti": f"{user}-{time.monotonic_ns()}"}
        return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "s1", "typ": "at+JWT"})

    def oauth(self, user: str, client_id: str = "desktop") -> Peer:
        return Peer(self.http, f"Bearer {self.token(user, client_id)}")

    def basic(self, user: str) -> Peer:
        return Peer(self.http, "Basic " + base64.b64encode(f"{user}:{USERS[user]}".encode()).decode())


def _env(port: int, **env: Any) -> dict[str, str]:
    return {
        "NEXTCLOUD_HOST": "http://nc.test",
        "MCP_TRANSPORT": "streamable-http",
        "MCP_PORT": str(port),
        "MCP_CAPABILITIES_TTL": "0",
        "MCP_MAX_SESSIONS_PER_USER": "3",
        **{k.upper(): str(v) for k, v in env.items()},
    }


@asynccontextmanager
async def oauth_server(fake: FakeNextcloud, **env: Any) -> AsyncIterator[Server]:
    """The real server in OAuth mode, stateful, in front of `fake` (whose user_oidc trusts the same IdP)."""
    trust_idp(fake, idp, DISCOVERY)
    port = free_port()
    settings = load_settings(environ=_env(port, **env))
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(idp)) as idp_http:
        resource_server = ResourceServer(settings, parse_discovery(DISCOVERY, settings), idp_http, TokenCache(3600))
        async with serve(build_http_app(server, settings, resource_server), port) as base:
            running = Server(base, settings.resource_url)
            yield running
            await running.http.aclose()


@asynccontextmanager
async def basic_server(fake: FakeNextcloud, **env: Any) -> AsyncIterator[Server]:
    """The real server in BasicAuth mode (as alice), stateful, in front of `fake`."""
    port = free_port()
    environ = _env(port, nextcloud_username="alice", nextcloud_password=USERS["alice"], **env)
    settings = load_settings(environ=environ)
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    async with serve(build_http_app(server, settings), port) as base:
        running = Server(base, settings.resource_url)
        yield running
        await running.http.aclose()


def _refusal(response: httpx2.Response) -> str:
    assert response.status_code == 429, response.text
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["jsonrpc"] == "2.0" and body["error"]["code"] == -32600
    message: str = body["error"]["message"]
    return message


def _ok(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "result" in body and not body["result"].get("isError"), body
    return body


async def test_a_user_over_the_cap_is_refused_alone(fake: FakeNextcloud) -> None:
    async with oauth_server(fake, mcp_json_response="true") as server:
        alice = server.oauth("alice")
        sessions = [await alice.open() for _ in range(3)]
        message = _refusal(await alice.initialize())
        assert "Too many open MCP sessions" in message and "MCP_MAX_SESSIONS_PER_USER" in message
        assert "DELETE /mcp" in message and "Mcp-Session-Id" in message and "MCP_SESSION_IDLE_TIMEOUT" in message
        # the same user with another token (another client, a refreshed token) shares the allowance
        _refusal(await server.oauth("alice", client_id="other-client").initialize())
        # everyone else keeps working, and so do alice's open sessions
        bob = server.oauth("bob")
        _ok(await bob.list_notes(await bob.open()))
        for session in sessions:
            _ok(await alice.list_notes(session))


async def test_closed_sessions_free_their_slot_and_others_cannot_close_them(fake: FakeNextcloud) -> None:
    async with oauth_server(fake, mcp_json_response="true") as server:
        alice, bob = server.oauth("alice"), server.oauth("bob")
        sessions = [await alice.open() for _ in range(3)]
        assert (await bob.close(sessions[0])).status_code == 404  # not bob's: the SDK answers as if unknown
        _refusal(await alice.initialize())
        assert (await alice.close(sessions[0])).status_code == 200
        assert (await alice.list_notes(sessions[0])).status_code == 404
        replacement = await alice.open()
        _ok(await alice.list_notes(replacement))
        _refusal(await alice.initialize())


async def test_idle_sessions_close_and_free_their_slot(fake: FakeNextcloud) -> None:
    async with oauth_server(fake, mcp_json_response="true", mcp_session_idle_timeout="1") as server:
        alice = server.oauth("alice")
        old = [await alice.open() for _ in range(3)]
        _refusal(await alice.initialize())
        await anyio.sleep(1.3)
        assert (await alice.list_notes(old[0])).status_code == 404  # the SDK closed it (MCP_SESSION_IDLE_TIMEOUT)
        new = [await alice.open() for _ in range(3)]
        _ok(await alice.list_notes(new[0]))
        _refusal(await alice.initialize())


async def test_a_session_in_use_does_not_idle_out(fake: FakeNextcloud) -> None:
    async with oauth_server(fake, mcp_json_response="true", mcp_session_idle_timeout="1") as server:
        alice = server.oauth("alice")
        kept = await alice.open()
        for _ in range(3):
            await anyio.sleep(0.6)
            _ok(await alice.list_notes(kept))


async def test_concurrent_initializes_cannot_overshoot_the_cap(fake: FakeNextcloud) -> None:
    async with oauth_server(fake, mcp_json_response="true") as server:
        alice = server.oauth("alice")
        statuses: list[int] = []

        async def initialize() -> None:
            statuses.append((await alice.initialize()).status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(initialize)
        assert sorted(statuses) == [200] * 3 + [429] * 5
        _ok(await server.oauth("bob").list_notes(await server.oauth("bob").open()))


async def test_basic_auth_mode_caps_its_one_user(fake: FakeNextcloud) -> None:
    async with basic_server(fake, mcp_max_sessions_per_user="2") as server:  # SSE responses (the default)
        alice = server.basic("alice")
        first, _ = await alice.open(), await alice.open()
        _refusal(await alice.initialize())
        assert (await alice.close(first)).status_code == 200
        await alice.open()


async def test_stateless_mode_has_no_sessions_to_cap(fake: FakeNextcloud) -> None:
    async with basic_server(fake, mcp_stateless_http="true", mcp_json_response="true") as server:
        alice = server.basic("alice")
        for _ in range(5):
            response = await alice.initialize()
            assert response.status_code == 200 and "mcp-session-id" not in response.headers
