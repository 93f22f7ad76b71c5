"""Dynamic toolsets (`MCP_DYNAMIC_TOOLSETS`, issue 21) with the official MCP client against the fake Nextcloud:
in memory (one client per server, as on stdio) on both protocol eras, and over real HTTP, stateful (sessions
isolated, users isolated) and stateless (no session: the tools are reached through `nc_toolsets_call_tool`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitRequestParams, ElicitResult, ToolListChangedNotification

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_http_app, build_server
from nextcloud_mcp.server.catalogue import build_catalogue
from support.asgi_server import serve
from support.fixtures import server_env
from support.mcp_helpers import error_text, structured
from support.oauth_apps import oauth_gate
from support.processes import free_port

pytestmark = pytest.mark.anyio

CATALOGUE, _ = build_catalogue()
NOTES = [t.name for t in CATALOGUE.tools if t.name.startswith("nc_notes_")]
DECK = [t.name for t in CATALOGUE.tools if t.name.startswith("nc_deck_")]
NOTES_READ = [n for n in NOTES if CATALOGUE.read_only[n]]
DECK_READ = [n for n in DECK if CATALOGUE.read_only[n]]
LIST, GET, ENABLE, CALL = (
    "nc_toolsets_list_toolsets",
    "nc_toolsets_get_toolset",
    "nc_toolsets_enable_toolsets",
    "nc_toolsets_call_tool",
)
BUDGET = 8000  # bytes of tools/list JSON at start: about 2k tokens at 4 bytes per token
DYNAMIC = {"MCP_DYNAMIC_TOOLSETS": "true"}


class Watcher:
    """A client's `message_handler` that records `notifications/tools/list_changed`."""

    def __init__(self) -> None:
        self.changed = anyio.Event()
        self.count = 0

    async def __call__(self, message: Any) -> None:
        if isinstance(message, ToolListChangedNotification):
            self.count += 1
            self.changed.set()

    async def wait(self) -> None:
        with anyio.fail_after(5):
            await self.changed.wait()


async def names(client: Client) -> set[str]:
    return {t.name for t in (await client.list_tools()).tools}


@asynccontextmanager
async def local(fake: FakeNextcloud, mode: str, watcher: Watcher | None = None, **env: str) -> AsyncIterator[Client]:
    settings = load_settings(environ=server_env("alice", **DYNAMIC, **env))
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    async with Client(server, mode=mode, message_handler=watcher) as client:
        yield client


@asynccontextmanager
async def http_server(fake: FakeNextcloud, **env: str) -> AsyncIterator[str]:
    """The real server over streamable HTTP (BasicAuth as alice); yields its MCP URL."""
    port = free_port()
    settings = load_settings(
        environ=server_env("alice", MCP_TRANSPORT="streamable-http", MCP_PORT=str(port), **DYNAMIC, **env)
    )
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    async with serve(build_http_app(server, settings), port) as base:
        yield f"{base}/mcp"


async def test_the_start_lists_only_the_meta_tools_within_budget(fake: FakeNextcloud) -> None:
    async with local(fake, "legacy") as client:
        tools = (await client.list_tools()).tools
        assert client.session.server_capabilities is not None
        assert client.session.server_capabilities.tools is not None
        assert client.session.server_capabilities.tools.list_changed, "declared for handshake-era clients"
    assert {t.name for t in tools} == {LIST, GET, ENABLE}
    size = len(json.dumps([t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]))
    assert size <= BUDGET, size


async def test_enabling_notifies_the_client_and_the_new_tools_are_callable(fake: FakeNextcloud) -> None:
    watcher = Watcher()
    async with local(fake, "legacy", watcher) as client:
        listed = structured(await client.call_tool(LIST, {}))
        notes = next(item for item in listed["items"] if item["toolset"] == "notes")
        assert notes == {"toolset": "notes", "summary": notes["summary"], "tools": len(NOTES), "enabled": False}
        before = await client.call_tool("nc_notes_create_note", {"title": "too early"})
        assert before.is_error
        assert 'call nc_toolsets_enable_toolsets with toolsets=["notes"]' in error_text(before)

        enabled = structured(await client.call_tool(ENABLE, {"toolsets": ["notes"]}))
        await watcher.wait()
        assert enabled == {"enabled": ["notes"], "added": NOTES}
        assert await names(client) == {LIST, GET, ENABLE, *NOTES}
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Now", "content": "hi"}))
        assert structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))["content"] == "hi"

        again = structured(await client.call_tool(ENABLE, {"toolsets": ["notes"]}))
        assert again == {"enabled": ["notes"], "added": []}
        assert watcher.count == 1, "nothing changed, nothing notified"


async def test_a_2026_client_gets_the_change_on_its_listen_stream(fake: FakeNextcloud) -> None:
    async with local(fake, "auto") as client:
        assert client.session.protocol_version == "2026-07-28"
        async with client.listen(tools_list_changed=True) as events:
            structured(await client.call_tool(ENABLE, {"toolsets": ["deck", "notes"]}))
            with anyio.fail_after(5):
                async for event in events:
                    assert type(event).__name__ == "ToolsListChanged"
                    break
        assert await names(client) == {LIST, GET, ENABLE, *NOTES, *DECK}
        assert structured(await client.call_tool("nc_deck_list_boards", {}))["items"] is not None


async def test_unknown_and_unusable_toolsets_are_explained(fake: FakeNextcloud) -> None:
    async with local(fake, "legacy", MCP_APPS="notes,deck", MCP_TOOLS_DENY="nc_deck_*") as client:
        listed = structured(await client.call_tool(LIST, {}))
        assert [item["toolset"] for item in listed["items"]] == ["notes"]
        typo = await client.call_tool(ENABLE, {"toolsets": ["nots"]})
        assert typo.is_error and "Unknown toolset 'nots'; did you mean notes? toolsets: notes." in error_text(typo)
        denied = await client.call_tool(GET, {"toolset": "deck"})
        assert "No tool of the deck toolset is available to you: the server's MCP_TOOLS_DENY" in error_text(denied)
        assert await names(client) == {LIST, GET, ENABLE}


async def test_read_only_mode_and_deny_shape_the_toolsets(fake: FakeNextcloud) -> None:
    async with local(fake, "legacy", MCP_READ_ONLY="true", MCP_TOOLS_DENY="nc_notes_search_notes") as client:
        offered = [n for n in NOTES if CATALOGUE.read_only[n] and n != "nc_notes_search_notes"]
        listed = structured(await client.call_tool(LIST, {"limit": 1}))
        assert listed["items"][0]["tools"] == len(offered) and listed["next_cursor"] == "1"
        detail = structured(await client.call_tool(GET, {"toolset": "notes"}))
        assert [t["name"] for t in detail["tools"]] == offered
        assert all(t["read_only"] and t["input_schema"] is None for t in detail["tools"])
        assert structured(await client.call_tool(ENABLE, {"toolsets": ["notes"]}))["added"] == offered
        write = await client.call_tool("nc_notes_create_note", {"title": "x"})
        assert "read-only mode (MCP_READ_ONLY)" in error_text(write)
        tools = (await client.list_tools()).tools
        assert all(t.annotations and t.annotations.read_only_hint for t in tools)


async def test_stateful_http_sessions_never_share_enabled_toolsets(fake: FakeNextcloud) -> None:
    one, two = Watcher(), Watcher()
    async with (
        http_server(fake, MCP_JSON_RESPONSE="false") as url,
        Client(streamable_http_client(url), mode="legacy", message_handler=one) as first,
        Client(streamable_http_client(url), mode="legacy", message_handler=two) as second,
    ):
        structured(await first.call_tool(ENABLE, {"toolsets": ["notes"]}))
        await one.wait()
        assert await names(first) == {LIST, GET, ENABLE, *NOTES}
        assert await names(second) == {LIST, GET, ENABLE}
        refused = await second.call_tool("nc_notes_list_notes", {})
        assert refused.is_error and "not enabled in this session" in error_text(refused)
        structured(await second.call_tool(ENABLE, {"toolsets": ["deck"]}))
        await two.wait()
        assert await names(first) == {LIST, GET, ENABLE, *NOTES}
        assert await names(second) == {LIST, GET, ENABLE, *DECK}
        assert structured(await first.call_tool("nc_notes_list_notes", {}))["items"] == []
        assert (one.count, two.count) == (1, 1), "each session heard only its own change"


async def test_stateful_http_with_json_answers_notifies_on_the_sessions_stream(fake: FakeNextcloud) -> None:
    watcher = Watcher()
    async with (
        http_server(fake, MCP_JSON_RESPONSE="true") as url,
        Client(streamable_http_client(url), mode="legacy", message_handler=watcher) as client,
    ):
        assert await names(client) == {LIST, GET, ENABLE}  # by now the client's GET stream is open
        structured(await client.call_tool(ENABLE, {"toolsets": ["notes"]}))
        await watcher.wait()
        assert await names(client) == {LIST, GET, ENABLE, *NOTES}


@pytest.mark.parametrize(
    ("mode", "env"),
    [
        ("legacy", {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"}),
        ("auto", {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"}),
        ("auto", {}),  # a stateful server, but the 2026-07-28 protocol has no sessions
    ],
)
async def test_without_a_session_the_tools_are_called_through_the_proxy(
    fake: FakeNextcloud, mode: str, env: dict[str, str]
) -> None:
    async with http_server(fake, **env) as url, Client(streamable_http_client(url), mode=mode) as client:
        assert await names(client) == {LIST, GET, CALL}
        listed = structured(await client.call_tool(LIST, {}))
        assert {item["enabled"] for item in listed["items"]} == {None}
        detail = structured(await client.call_tool(GET, {"toolset": "notes"}))
        create = next(t for t in detail["tools"] if t["name"] == "nc_notes_create_note")
        assert "title" in create["input_schema"]["properties"] and create["read_only"] is False

        made = await client.call_tool(CALL, {"name": "nc_notes_create_note", "arguments": {"title": "Via proxy"}})
        note = structured(made)
        assert note["title"] == "Via proxy"
        direct = structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
        assert direct["title"] == "Via proxy", "a direct call by name works too"

        enable = await client.call_tool(ENABLE, {"toolsets": ["notes"]})
        assert enable.is_error and "no MCP session" in error_text(enable)
        bad = await client.call_tool(CALL, {"name": "nc_notes_get_note", "arguments": {"note_id": "x"}})
        assert bad.is_error and "note_id" in error_text(bad)
        typo = await client.call_tool(CALL, {"name": "nc_notes_get_nots"})
        assert "Unknown tool 'nc_notes_get_nots'. Did you mean nc_notes_get_note" in error_text(typo)
        meta = await client.call_tool(CALL, {"name": LIST})
        assert meta.is_error and f"call {LIST} directly" in error_text(meta)


async def test_read_only_mode_without_a_session_offers_only_read_only_tools(fake: FakeNextcloud) -> None:
    env = {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true", "MCP_READ_ONLY": "true"}
    async with http_server(fake, **env) as url, Client(streamable_http_client(url)) as client:
        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == {LIST, GET, CALL}
        assert all(t.annotations and t.annotations.read_only_hint for t in tools), "the proxy reaches only RO tools"
        refused = await client.call_tool(CALL, {"name": "nc_notes_create_note", "arguments": {"title": "x"}})
        assert error_text(refused) == (
            "Error executing tool nc_notes_create_note: nc_notes_create_note is not available: the server runs in "
            "read-only mode (MCP_READ_ONLY) and this tool changes data."
        )
        assert structured(await client.call_tool(CALL, {"name": "nc_notes_list_notes"}))["items"] == []


async def test_a_confirmation_asked_through_the_proxy_reaches_the_user(fake: FakeNextcloud) -> None:
    """A destructive bulk tool called through `nc_toolsets_call_tool` asks the user as a direct call does (2026-07-28:
    an `InputRequiredResult` round of the proxy's own request); its errors read as the tool's own."""
    asked: list[str] = []

    async def user(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    env = {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"}
    async with (
        http_server(fake, **env) as url,
        Client(streamable_http_client(url), elicitation_callback=user) as client,
    ):
        board = structured(await client.call_tool(CALL, {"name": "nc_deck_create_board", "arguments": {"title": "P"}}))
        delete = {"name": "nc_deck_delete_board", "arguments": {"board_id": board["id"]}}
        done = structured(await client.call_tool(CALL, delete))
        assert done["confirmed_by"] == "user" and asked and asked[0].startswith("Delete the board 'P'")
        gone = await client.call_tool(CALL, delete)
        assert error_text(gone).startswith("Error executing tool nc_deck_delete_board: "), error_text(gone)


async def test_oauth_users_and_their_scopes_stay_apart(fake: FakeNextcloud) -> None:
    """Stateful OAuth: alice's enabled toolsets never reach bob's session, and each sees the toolsets their token
    allows."""
    env = {**DYNAMIC, "MCP_STATELESS_HTTP": "false", "MCP_JSON_RESPONSE": "false"}
    async with oauth_gate(fake, patched=True, env=env) as gate, AsyncExitStack() as stack:

        async def client_of(user: str, scope: str, watcher: Watcher | None = None) -> Client:
            headers = {"Authorization": f"Bearer {gate.token(user, scope)}"}
            http = await stack.enter_async_context(httpx2.AsyncClient(headers=headers, timeout=30))
            transport = streamable_http_client(str(gate.http.base_url.join("/mcp")), http_client=http)
            return await stack.enter_async_context(Client(transport, mode="legacy", message_handler=watcher))

        watcher = Watcher()
        alice = await client_of("alice", "notes:write deck:read", watcher)
        bob = await client_of("bob", "notes:read")
        alice_sets = structured(await alice.call_tool(LIST, {}))["items"]
        bob_sets = structured(await bob.call_tool(LIST, {}))["items"]
        assert [(s["toolset"], s["tools"]) for s in alice_sets] == [("notes", len(NOTES)), ("deck", len(DECK_READ))]
        assert [(s["toolset"], s["tools"]) for s in bob_sets] == [("notes", len(NOTES_READ))]
        structured(await alice.call_tool(ENABLE, {"toolsets": ["notes"]}))
        await watcher.wait()
        assert await names(alice) == {LIST, GET, ENABLE, *NOTES}
        assert await names(bob) == {LIST, GET, ENABLE}
        no_deck = await bob.call_tool(ENABLE, {"toolsets": ["deck"]})
        assert "No tool of the deck toolset is available to you: the access token lacks the deck:read scope" in (
            error_text(no_deck)
        )


async def test_oauth_calls_through_the_proxy_are_held_to_the_tokens_scopes(fake: FakeNextcloud) -> None:
    async with oauth_gate(fake, patched=True, env=DYNAMIC) as gate:  # stateless JSON
        assert await gate.tool_names(scope="notes:read") == {LIST, GET, CALL}
        create = {"name": "nc_notes_create_note", "arguments": {"title": "x"}}
        refused = await gate.call(CALL, create, scope="notes:read")
        assert refused.error and "the access token lacks the notes:write scope" in refused.text, refused.text
        made = await gate.call(CALL, create, scope="notes:write")
        assert not made.error and made.data["title"] == "x", made.text
