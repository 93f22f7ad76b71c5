"""Tokens that were valid and stopped being valid: revoked, or of a user deleted in Nextcloud.

Nextcloud's own `oidc` app is the authorization server (the fake, served over real HTTP); tokens are
opaque and validated by introspection with the server's own client. After the token-cache TTL bound
(`MCP_TOKEN_CACHE_TTL`, 1 s here) such a token gets a 401 and the only request Nextcloud sees is the
introspection; no app API is called with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from security.log_guard import register_secret
from support.asgi_server import serve
from support.fixtures import USERS
from support.oauth_flow import AuthServerClient
from support.oauth_server import oauth_server

pytestmark = pytest.mark.anyio
DISCOVERY = "/index.php/.well-known/openid-configuration"
CACHE_TTL = 1
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nc_notes_list_notes", "arguments": {}}}


class Stack:
    def __init__(self, fake: FakeNextcloud, nextcloud: str, mcp: str, public: str) -> None:
        self.fake = fake
        self.nextcloud = nextcloud
        self.mcp = mcp
        self.public = public
        self.http = httpx2.AsyncClient(trust_env=False, timeout=10.0)

    async def token(self, user: str) -> str:
        async with AuthServerClient(self.nextcloud + DISCOVERY) as auth:
            token = await auth.token(user, USERS[user], scope="openid notes:read notes:write", resource=self.public)
        register_secret(token)
        return token

    async def call(self, token: str) -> Any:
        return await self.http.post(self.mcp, json=CALL, headers={**HEADERS, "Authorization": f"Bearer {token}"})

    def app_requests(self) -> list[str]:
        """Requests Nextcloud received other than token introspection."""
        return [r.path for r in self.fake.fake_state.request_log.records() if not r.path.endswith("/introspect")]


@pytest.fixture
async def stack(fake: FakeNextcloud) -> AsyncIterator[Stack]:
    async with serve(fake) as nextcloud:
        env = {
            "MCP_STATELESS_HTTP": "true",
            "MCP_JSON_RESPONSE": "true",
            "MCP_CAPABILITIES_TTL": "0",
            "MCP_TOKEN_CACHE_TTL": str(CACHE_TTL),
        }
        async with oauth_server(nextcloud, **env) as server:
            stack = Stack(fake, nextcloud, server.mcp, server.public)
            yield stack
            await stack.http.aclose()


async def _refused_after_ttl(stack: Stack, token: str) -> None:
    await anyio.sleep(CACHE_TTL + 0.2)
    stack.fake.fake_state.request_log.clear()
    response = await stack.call(token)
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert stack.app_requests() == []


async def test_revoked_token_is_refused_within_the_cache_ttl(stack: Stack) -> None:
    token = await stack.token("alice")
    assert (await stack.call(token)).status_code == 200
    async with httpx2.AsyncClient(base_url=stack.nextcloud, trust_env=False) as control:
        revoked = await control.post("/__testbed__/oidc/tokens/revoke", json={"user": "alice"})
    assert revoked.json()["revoked_tokens"] >= 1
    await _refused_after_ttl(stack, token)


async def test_token_of_a_deleted_user_is_refused(stack: Stack) -> None:
    token = await stack.token("carol")
    ok = await stack.call(token)
    assert ok.status_code == 200 and not ok.json()["result"].get("isError"), ok.text
    del stack.fake.fake_state.users["carol"]  # the admin deletes the account (its tokens stay in the table)
    await _refused_after_ttl(stack, token)


async def test_other_users_tokens_are_unaffected(stack: Stack) -> None:
    alice, bob = await stack.token("alice"), await stack.token("bob")
    async with httpx2.AsyncClient(base_url=stack.nextcloud, trust_env=False) as control:
        await control.post("/__testbed__/oidc/tokens/revoke", json={"user": "alice"})
    await anyio.sleep(CACHE_TTL + 0.2)
    assert (await stack.call(alice)).status_code == 401
    assert (await stack.call(bob)).status_code == 200
