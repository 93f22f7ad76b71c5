"""A token Nextcloud rejects during a call is forgotten by the token cache (issue 16).

Nextcloud's own `oidc` app is the authorization server (the fake, served over real HTTP); tokens are opaque and
validated by introspection. The token cache TTL is long (an hour), so without forgetting, a token revoked after
it was cached stays "valid" here: each call reaches Nextcloud's app APIs and fails there with 401, for up to an
hour. Now the first such 401 drops the token from both cache levels, and the next request validates it again at
the authorization server, which says it is revoked: 401 `invalid_token`, and no app API is called.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.auth.resource_server import ResourceServer
from security.log_guard import register_secret
from support.asgi_server import serve
from support.fixtures import USERS
from support.oauth_flow import AuthServerClient
from support.oauth_server import oauth_server

pytestmark = pytest.mark.anyio
DISCOVERY = "/index.php/.well-known/openid-configuration"
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 0,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def _call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


LIST_NOTES = _call("nc_notes_list_notes", {})


class Stack:
    def __init__(
        self, fake: FakeNextcloud, nextcloud: str, mcp: str, public: str, rs: ResourceServer, stateful: bool
    ) -> None:
        self.fake = fake
        self.stateful = stateful
        self.sessions: dict[str, str] = {}
        self.nextcloud = nextcloud
        self.mcp = mcp
        self.public = public
        self.resource_server = rs
        self.http = httpx2.AsyncClient(trust_env=False, timeout=10.0)

    async def token(self, user: str) -> str:
        async with AuthServerClient(self.nextcloud + DISCOVERY) as auth:
            token = await auth.token(user, USERS[user], scope="openid notes:read notes:write", resource=self.public)
        register_secret(token)
        return token

    async def call(self, token: str, body: dict[str, Any] = LIST_NOTES) -> httpx2.Response:
        """The call, stateless or (`stateful`) in the token's own session, opened on its first call."""
        headers = {**HEADERS, "Authorization": f"Bearer {token}"}
        if self.stateful:
            if token not in self.sessions:
                opened = await self.http.post(self.mcp, json=INITIALIZE, headers=headers)
                assert opened.status_code == 200, opened.text
                self.sessions[token] = opened.headers["mcp-session-id"]
            headers |= {"Mcp-Session-Id": self.sessions[token], "MCP-Protocol-Version": "2025-11-25"}
        return await self.http.post(self.mcp, json=body, headers=headers)

    async def revoke(self, user: str) -> None:
        async with httpx2.AsyncClient(base_url=self.nextcloud, trust_env=False) as control:
            revoked = await control.post("/__testbed__/oidc/tokens/revoke", json={"user": user})
        assert revoked.json()["revoked_tokens"] >= 1

    def introspections(self) -> int:
        return sum(1 for r in self.fake.fake_state.request_log.records() if r.path.endswith("/introspect"))

    def app_requests(self) -> list[str]:
        return [r.path for r in self.fake.fake_state.request_log.records() if not r.path.endswith("/introspect")]

    @property
    def validations(self) -> int:
        return self.resource_server.cache.stats.validations


@pytest.fixture(params=["stateless", "stateful"])
async def stack(fake: FakeNextcloud, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    stateful = request.param == "stateful"
    async with serve(fake) as nextcloud:
        env = {
            "MCP_STATELESS_HTTP": str(not stateful).lower(),
            "MCP_JSON_RESPONSE": "true",
            "MCP_CAPABILITIES_TTL": "3600",  # the apps stay known: calls run (and meet Nextcloud's 401)
            "MCP_TOKEN_CACHE_TTL": "3600",
        }
        async with oauth_server(nextcloud, **env) as server:
            stack = Stack(fake, nextcloud, server.mcp, server.public, server.resource_server, stateful)
            yield stack
            await stack.http.aclose()


def _tool_error(response: httpx2.Response) -> str:
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["isError"], result
    text: str = result["content"][0]["text"]
    return text


async def test_a_token_nextcloud_rejects_is_validated_again_on_the_next_request(stack: Stack) -> None:
    token = await stack.token("alice")
    ok = await stack.call(token)
    assert ok.status_code == 200 and not ok.json()["result"].get("isError"), ok.text
    assert (stack.introspections(), stack.validations) == (1, 1)
    await stack.revoke("alice")

    # still cached as valid: the call reaches Nextcloud, which answers 401; the cache forgets the token
    assert "rejected" in _tool_error(await stack.call(token))
    assert (stack.introspections(), stack.validations) == (1, 1)

    stack.fake.fake_state.request_log.clear()
    refused = await stack.call(token)
    assert refused.status_code == 401, refused.text
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert stack.introspections() == 1 and stack.validations == 2  # asked the authorization server again
    assert stack.app_requests() == []  # and no app API saw the revoked token


async def test_other_failures_and_other_users_keep_their_cached_tokens(stack: Stack) -> None:
    alice, bob = await stack.token("alice"), await stack.token("bob")
    for token in (alice, bob):
        assert (await stack.call(token)).status_code == 200
    assert stack.validations == 2
    # a failure that is not a 401 (404: no such note) keeps the token cached
    assert "→ 404" in _tool_error(await stack.call(alice, _call("nc_notes_get_note", {"note_id": 999999})))
    await stack.revoke("alice")
    _tool_error(await stack.call(alice))  # Nextcloud's 401: alice's token is forgotten, bob's is not
    assert (await stack.call(bob)).status_code == 200
    assert stack.validations == 2
    assert (await stack.call(alice)).status_code == 401
    assert stack.validations == 3
