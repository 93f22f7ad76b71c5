"""Read-only mode and tool allow/deny lists against the fake Nextcloud (issue 21), with the official client in
memory and, in OAuth mode, over real HTTP: only the offered tools are listed, and a call to any other one, by a
client that knows its name, is refused with the reason before it reaches Nextcloud."""

from __future__ import annotations

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.server.catalogue import build_catalogue
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio

CATALOGUE, _ = build_catalogue()
NOTES = [t.name for t in CATALOGUE.tools if t.name.startswith("nc_notes_")]
READ_ONLY = {t.name for t in CATALOGUE.tools if CATALOGUE.read_only[t.name]}


async def _notes(control: httpx2.AsyncClient) -> list[object]:
    response = await control.get("/index.php/apps/notes/api/v1/notes", auth=("alice", "alice-secret"))
    notes: list[object] = response.json()
    return notes


async def test_read_only_mode_lists_only_read_only_tools_and_refuses_a_write_by_name(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    async with mcp_as("alice", MCP_READ_ONLY="true") as client:
        tools = (await client.list_tools()).tools
        assert {t.name for t in tools} == READ_ONLY
        assert all(t.annotations and t.annotations.read_only_hint for t in tools)
        refused = await client.call_tool("nc_notes_create_note", {"title": "Should not exist"})
        assert refused.is_error
        assert error_text(refused) == (
            "Error executing tool nc_notes_create_note: nc_notes_create_note is not available: the server runs in "
            "read-only mode (MCP_READ_ONLY) and this tool changes data."
        )
        assert structured(await client.call_tool("nc_notes_list_notes", {}))["items"] == []
    assert await _notes(control) == [], "the refused call never reached Nextcloud"


async def test_allow_and_deny_lists_combine_with_mcp_apps(mcp_as: McpFactory) -> None:
    env = {
        "MCP_APPS": "notes,deck",
        "MCP_TOOLS_ALLOW": "nc_notes_*,nc_deck_list_boards,nc_files_get_file",  # files: not in MCP_APPS
        "MCP_TOOLS_DENY": "nc_notes_delete_note",
    }
    async with mcp_as("alice", **env) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == (set(NOTES) - {"nc_notes_delete_note"}) | {"nc_deck_list_boards"}
        denied = await client.call_tool("nc_notes_delete_note", {"note_id": 1})
        assert "is not available: the server's MCP_TOOLS_DENY setting excludes it" in error_text(denied)
        not_allowed = await client.call_tool("nc_deck_get_board", {"board_id": 1})
        assert "is not available: it is not in the server's MCP_TOOLS_ALLOW setting" in error_text(not_allowed)
        unknown = await client.call_tool("nc_files_get_file", {"path": "/"})
        assert unknown.is_error and "nc_files_get_file" in error_text(unknown)  # not registered (MCP_APPS)


async def test_deny_wins_over_allow(mcp_as: McpFactory) -> None:
    async with mcp_as("alice", MCP_TOOLS_ALLOW="nc_notes_*", MCP_TOOLS_DENY="nc_notes_*_note") as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert names == {
        "nc_notes_list_notes", "nc_notes_search_notes", "nc_notes_list_categories", "nc_notes_read_attachment"
    }  # fmt: skip


async def test_oauth_read_only_mode_refuses_writes_without_a_step_up(fake: FakeNextcloud) -> None:
    """A write tool excluded by MCP_READ_ONLY needs no scope: a token with only `notes:read` gets the read-only
    refusal, not a 403 asking for `notes:write` (which would not help)."""
    async with oauth_gate(fake, patched=True, env={"MCP_READ_ONLY": "true"}) as gate:
        assert await gate.tool_names(scope="notes:write") == {n for n in NOTES if n in READ_ONLY}
        result = await gate.call("nc_notes_create_note", {"title": "x"}, scope="notes:read")
        assert result.error and "read-only mode (MCP_READ_ONLY)" in result.text, result.text
        listed = await gate.call("nc_notes_list_notes", {}, scope="notes:read")
        assert not listed.error and listed.data["items"] == []
        metadata = (await gate.http.get("/.well-known/oauth-protected-resource/mcp")).json()
        assert "notes:read" in metadata["scopes_supported"]
        assert not [s for s in metadata["scopes_supported"] if s.endswith(":write")]


async def test_oauth_scopes_still_gate_the_offered_tools(fake: FakeNextcloud) -> None:
    async with oauth_gate(fake, patched=True, env={"MCP_TOOLS_DENY": "nc_notes_delete_note"}) as gate:
        names = await gate.tool_names(scope="notes:read")
        assert names == {n for n in NOTES if n in READ_ONLY}
        step_up = await gate.call("nc_notes_create_note", {"title": "x"}, scope="notes:read")
        assert step_up.error and "403" in step_up.text  # an offered write tool: the usual step-up
        denied = await gate.call("nc_notes_delete_note", {"note_id": 1}, scope="notes:read")
        assert denied.error and "MCP_TOOLS_DENY" in denied.text, denied.text
