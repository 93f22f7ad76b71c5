"""Semantic search in OAuth mode (issue 25, docs/semantic-search.md "Isolation" and "When the index is updated"):
the server is a resource server, each request carries one user's access token, and a user's index is updated only
during that user's own requests, with that token.

The authorization server is the fake Nextcloud's own `oidc` app, served over real HTTP: each token comes from a
complete authorization-code flow (dynamic client registration, PKCE, login form, consent) and is opaque, validated
by the MCP server through introspection with its own client, and accepted by the fake's user_oidc as a Bearer
token. The MCP client is the official one over streamable HTTP. One test uses a JWT IdP trusted by user_oidc
instead (`support.oauth_apps`), to issue a token whose `sub` is not the Nextcloud user id.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import Settings, load_settings
from security.log_guard import register_secret
from support.asgi_server import serve
from support.fixtures import USERS
from support.mcp_helpers import error_text, structured
from support.oauth_apps import oauth_gate
from support.oauth_flow import AuthServerClient
from support.oauth_server import oauth_server
from support.semantic import NEEDS_SEMANTIC, close_index  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.anyio,
    NEEDS_SEMANTIC,
]

SEARCH, UPDATE, STATUS = "nc_semantic_search_items", "nc_semantic_update_index", "nc_semantic_get_index"
SEMANTIC = {SEARCH, UPDATE, STATUS}
SCOPES = "openid notes:read files:read semantic:read semantic:write"
DISCOVERY = "/index.php/.well-known/openid-configuration"
RPC_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
#: Requests that are not a user's app API calls: the resource server's introspection, public status.
NOT_APP = ("/apps/oidc/introspect", "/status.php")


class Stack:
    """The fake Nextcloud (its oidc app the authorization server) and the MCP server in OAuth mode in front of it."""

    def __init__(self, fake: FakeNextcloud, nextcloud: str, mcp: str, public: str, settings: Settings) -> None:
        self.fake = fake
        self.nextcloud = nextcloud
        self.mcp = mcp
        self.public = public
        self.settings = settings
        self.control = httpx2.AsyncClient(base_url=nextcloud, trust_env=False, timeout=30)

    async def token(self, user: str, scope: str = SCOPES) -> str:
        """An access token of `user` for this MCP server, from a complete code flow at the fake's oidc app."""
        async with AuthServerClient(self.nextcloud + DISCOVERY) as auth:
            token = await auth.token(user, USERS[user], scope=scope, resource=self.public)
        register_secret(token)
        return token

    @asynccontextmanager
    async def client(self, token: str) -> AsyncIterator[Client]:
        """The official MCP client over streamable HTTP, every request with `Authorization: Bearer <token>`."""
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60, trust_env=False) as http,
            Client(streamable_http_client(self.mcp, http_client=http)) as client,
        ):
            yield client

    async def rpc(self, token: str, method: str, params: dict[str, Any]) -> httpx2.Response:
        """One raw JSON-RPC request (for the gate's HTTP answers, which the SDK client turns into exceptions)."""
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        headers = {**RPC_HEADERS, "Authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(timeout=30, trust_env=False) as http:
            return await http.post(self.mcp, json=body, headers=headers)

    async def seed(self, kind: str, user: str, *items: dict[str, Any]) -> None:
        response = await self.control.post(f"/__testbed__/seed/{kind}", json={"user": user, kind: list(items)})
        assert response.status_code in (200, 201), response.text

    def app_requests(self, since: int = 0) -> list[Any]:
        """Nextcloud's request log from sequence number `since` on, without introspection and status.php."""
        return [
            r
            for r in self.fake.fake_state.request_log.records()
            if r.seq >= since and not r.path.endswith(NOT_APP) and "/.well-known/" not in r.path
        ]

    def next_seq(self) -> int:
        records = self.fake.fake_state.request_log.records()
        return records[-1].seq + 1 if records else 0


@asynccontextmanager
async def oidc_stack(fake: FakeNextcloud, tmp_path: Path, **env: str) -> AsyncIterator[Stack]:
    async with serve(fake) as nextcloud:
        env = {
            "MCP_CAPABILITIES_TTL": "0",
            "MCP_SEMANTIC": "true",
            "MCP_SEMANTIC_PATH": str(tmp_path / "index"),  # one index folder for every user
            **env,
        }
        async with oauth_server(nextcloud, **env) as server:
            stack = Stack(fake, nextcloud, server.mcp, server.public, server.settings)
            try:
                yield stack
            finally:
                await stack.control.aclose()


async def _search(client: Client, query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = structured(await client.call_tool(SEARCH, {"query": query, "limit": 5}))["items"]
    return items


async def test_each_user_indexes_and_searches_with_their_own_token_and_nothing_runs_in_between(
    fake: FakeNextcloud, tmp_path: Path
) -> None:
    # a one-second interval: a server with a background schedule would sync every second while idle
    async with oidc_stack(fake, tmp_path, MCP_SEMANTIC_SYNC_INTERVAL="1") as stack:
        await stack.seed(
            "notes", "alice",
            {"title": "Boiler guarantee until 2027", "content": "The boiler in the basement is covered until 2027."},
            {"title": "Groceries", "content": "milk, eggs, bread, apples"},
            {"title": "Holiday plans", "content": "Flights to Rome booked for June."},
        )  # fmt: skip
        await stack.seed("files", "alice", {"path": "/Documents/bike.md", "content": "Bicycle repair: new chain."})
        await stack.seed("notes", "bob", {"title": "Bob's secret", "content": "The boiler code is 4711."})
        alice_token, bob_token = await stack.token("alice"), await stack.token("bob")

        start = stack.next_seq()
        async with stack.client(alice_token) as alice:
            assert {t.name for t in (await alice.list_tools()).tools} >= SEMANTIC
            hits = await _search(alice, "warranty of the heater")  # never indexed: this search indexes first
            assert hits[0]["title"] == "Boiler guarantee until 2027", hits
            bike = await _search(alice, "fixing my bike")
            assert bike[0]["app"] == "files" and bike[0]["id"] == "/Documents/bike.md", bike
            status = structured(await alice.call_tool(STATUS, {}))
        assert status["user"] == "alice"
        assert status["chunks"] == {"notes": 3, "files": 1, "deck": 0, "calendar": 0, "tasks": 0}
        assert status["last_sync"] is not None and status["running"] is None and status["last_errors"] == []
        mode = status["mode"]
        assert "only during your own requests" in mode and "nothing is indexed in the background" in mode, mode
        alice_ids = {h["id"] for h in hits + bike if h["title"] != "Bob's secret"}
        during_alice = stack.app_requests(start)
        assert during_alice and {r.user for r in during_alice} == {"alice"}  # all of it with alice's own token

        start = stack.next_seq()
        async with stack.client(bob_token) as bob:
            for query in ("warranty of the heater", "boiler guarantee", "Rome", "bicycle chain"):
                found = await _search(bob, query)
                assert found and all(h["title"] == "Bob's secret" for h in found), (query, found)
                assert not {h["id"] for h in found if h["app"] == "files"} & alice_ids
            bob_status = structured(await bob.call_tool(STATUS, {}))
        assert bob_status["user"] == "bob"
        assert bob_status["chunks"] == {"notes": 1, "files": 0, "deck": 0, "calendar": 0, "tasks": 0}
        assert {r.user for r in stack.app_requests(start)} == {"bob"}

        # between requests nothing reaches Nextcloud: no schedule runs in OAuth mode (it holds no credentials)
        idle = stack.next_seq()
        await anyio.sleep(2.5)
        assert stack.app_requests(idle) == []
        from nextcloud_mcp.semantic.service import indexer

        assert indexer(stack.settings).next_round is None  # set only while a schedule is running


async def test_a_token_without_the_semantic_scopes_neither_sees_nor_calls_the_tools(
    fake: FakeNextcloud, tmp_path: Path
) -> None:
    async with oidc_stack(fake, tmp_path) as stack:
        await stack.seed("notes", "alice", {"title": "Boiler guarantee", "content": "covered until 2027"})
        plain = await stack.token("alice", "openid notes:read files:read")
        reader = await stack.token("alice", "openid notes:read files:read semantic:read")
        async with stack.client(plain) as client:
            names = {t.name for t in (await client.list_tools()).tools}
        assert "nc_notes_get_note" in names and not names & SEMANTIC
        async with stack.client(reader) as client:
            names = {t.name for t in (await client.list_tools()).tools}
        assert names & SEMANTIC == {SEARCH, STATUS}  # semantic:read; updating the index needs semantic:write

        seq = stack.next_seq()
        for token, tool, scope in (
            (plain, SEARCH, "semantic:read"),
            (plain, STATUS, "semantic:read"),
            (reader, UPDATE, "semantic:write"),
        ):
            response = await stack.rpc(token, "tools/call", {"name": tool, "arguments": {"query": "boiler"}})
            assert response.status_code == 403, response.text
            challenge = response.headers["www-authenticate"]
            assert 'error="insufficient_scope"' in challenge and f'scope="{scope}"' in challenge, challenge
            assert "resource_metadata=" in challenge
        assert stack.app_requests(seq) == []  # refused before anything was read or indexed
        from nextcloud_mcp.semantic.service import indexer

        assert await indexer(stack.settings).store.status("alice") is None


async def test_chunks_are_bound_to_the_nextcloud_user_id_not_the_tokens_subject(
    fake: FakeNextcloud, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    """user_oidc with `uniqueUid` (its default outside this testbed): the account of a token's `sub` is
    sha256("<provider id>_0_<sub>"), so `sub` and the Nextcloud user id differ. The index follows `/cloud/user`."""
    from fake_nextcloud.apps.user_oidc.models import UserOidcBackend
    from nextcloud_mcp.semantic.service import indexer

    sub = "idp-subject-7f3a"
    env = {"MCP_SEMANTIC": "true", "MCP_SEMANTIC_PATH": str(tmp_path / "index")}
    async with oauth_gate(fake, patched=True, env=env) as gate:
        [provider] = fake.fake_state.config.oidc_providers
        provider.unique_uid = True
        provider_id = UserOidcBackend.of(fake.fake_state).provider_id(provider)
        uid = hashlib.sha256(f"{provider_id}_0_{sub}".encode()).hexdigest()  # user_oidc's LocalIdService::getId
        first = await gate.call(STATUS, {}, user=sub, scope=SCOPES)  # the first request provisions the account
        assert not first.error, first.text
        assert first.data["user"] == uid != sub
        await _seed(control, "notes", uid, {"title": "Boiler guarantee", "content": "The heater is covered."})
        found = await gate.call(SEARCH, {"query": "heater warranty"}, user=sub, scope=SCOPES)
        assert not found.error and found.data["items"][0]["title"] == "Boiler guarantee", found.text
        store = indexer(load_settings(environ={"NEXTCLOUD_HOST": "http://nc.test", **env})).store
        assert await store.counts(uid, ["notes"]) == {"notes": 1}
        assert await store.counts(sub, ["notes"]) == {"notes": 0} and await store.status(sub) is None


async def _seed(control: httpx2.AsyncClient, kind: str, user: str, *items: dict[str, Any]) -> None:
    response = await control.post(f"/__testbed__/seed/{kind}", json={"user": user, kind: list(items)})
    assert response.status_code in (200, 201), response.text


async def test_a_token_expiring_mid_sync_stops_it_and_the_next_request_finishes_it(
    fake: FakeNextcloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search answers while its sync goes on in the background with the caller's token; the token expires midway
    (the fake's clock moves past its lifetime). The sync stops at the first refusal instead of sending Nextcloud a
    refused request per remaining object, keeps what it indexed, and the next request with a fresh token indexes
    the rest."""
    from nextcloud_mcp.semantic import freshness
    from nextcloud_mcp.semantic.service import indexer

    count = 8
    async with oidc_stack(fake, tmp_path) as stack:
        parts = ({"path": f"/Docs/part-{n}.md", "content": f"Chapter {n} of the saga."} for n in range(count))
        await stack.seed("files", "alice", *parts)
        slow = {"method": "GET", "path": "/remote.php/dav/files/alice/Docs/", "action": {"latency_ms": 250}}
        assert (await stack.control.post("/__testbed__/faults", json=slow)).status_code == 201
        monkeypatch.setattr(freshness, "SEARCH_WAIT", 0.2)  # answer before the sync is done
        ix = indexer(stack.settings)
        first = await stack.token("alice")
        async with stack.client(first) as alice:
            answer = await alice.call_tool(SEARCH, {"query": "saga"})
            assert not answer.is_error and "being built in the background" in error_text(answer), error_text(answer)
        with anyio.fail_after(20):
            while (progress := ix.progress.get("alice")) is None or progress.done < 2:  # noqa: ASYNC110 (no event)
                await anyio.sleep(0.02)
        run = ix.runs["alice"]
        expired_at = stack.next_seq()
        # past the token's end: H2CK/oidc issues it with `refreshed = now + expire_time` and accepts it while
        # `now <= refreshed + expire_time`, so twice expire_time (900 s) after it was issued
        moved = await stack.control.post("/__testbed__/clock", json={"advance": 2 * 900 + 1})
        assert moved.status_code == 200, moved.text
        with anyio.fail_after(20):
            await run.finished.wait()
        # the next read is refused, `/cloud/user` confirms the token is (not one route), and nothing follows (the log
        # records a request when it ends: a read that passed its check before the clock moved may come first)
        after = [(r.method, r.path, r.status) for r in stack.app_requests(expired_at)]
        refused = [r for r in after if r[2] != 200]
        assert len(refused) == 2 and refused[0][1].startswith("/remote.php/dav/files/alice/Docs/part-"), after
        assert refused[0][2] == 401 and after[-1] == refused[1] == ("GET", "/ocs/v2.php/cloud/user", 401), after
        indexed = (await ix.store.counts("alice", ["files"]))["files"]
        assert 2 <= indexed < count
        saved = await ix.store.status("alice")
        assert saved is not None and saved.get("interrupted") is True and "activity" not in saved

        await stack.control.delete("/__testbed__/faults")
        monkeypatch.setattr(freshness, "SEARCH_WAIT", 15.0)
        fresh = await stack.token("alice")
        async with stack.client(fresh) as alice:
            told = structured(await alice.call_tool(STATUS, {}))
            assert told["chunks"]["files"] == indexed and told["last_errors"][0].startswith("The sync stopped"), told
            answer = await alice.call_tool(SEARCH, {"query": "saga", "limit": 10})
            assert "Note:" not in error_text(answer), error_text(answer)
            hits = structured(answer)["items"]
            status = structured(await alice.call_tool(STATUS, {}))
        assert len(hits) == count, hits
        assert status["chunks"]["files"] == count
        assert status["last_errors"] == [], status["last_errors"]
        assert (await ix.store.status("alice") or {}).get("interrupted") is None


async def test_one_app_route_refusing_the_token_does_not_stop_the_sync(fake: FakeNextcloud, tmp_path: Path) -> None:
    """A 401 from one app route while the token is good (a `#[CORS]` route of an unpatched Nextcloud refusing
    bearer tokens) is that app's error: `/cloud/user` still accepts the token, so the other apps are indexed."""
    async with oidc_stack(fake, tmp_path) as stack:
        await stack.seed("notes", "alice", {"title": "Boiler guarantee", "content": "covered until 2027"})
        await stack.seed("files", "alice", {"path": "/Documents/bike.md", "content": "Bicycle repair: new chain."})
        cors = {
            "method": "GET",
            "path": "/apps/notes/api/v1/notes$",
            "action": {"status": 401, "body": '{"message":"CORS requires basic auth"}'},
        }
        assert (await stack.control.post("/__testbed__/faults", json=cors)).status_code == 201
        async with stack.client(await stack.token("alice")) as alice:
            status = structured(await alice.call_tool(UPDATE, {}))
        assert status["chunks"]["files"] == 1 and status["chunks"]["notes"] == 0, status
        assert any(e.startswith("notes: ") and "Bearer patch" in e for e in status["last_errors"]), status
        assert not any(e.startswith("The sync stopped") for e in status["last_errors"]), status
