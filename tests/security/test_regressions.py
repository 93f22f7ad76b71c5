"""Regression tests for the defects the fuzzing found, pinned as exact inputs (the fuzzer's examples
may drift as strategies change; these may not).

Each was an unhandled exception (the model saw only "Error executing tool X") or a Nextcloud 500.
"""

from __future__ import annotations

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import BadRequest
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.paths import InvalidPath, normalize
from support.fixtures import server_env
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


def _clear_error(result: object, name: str, *needles: str) -> str:
    assert getattr(result, "is_error", False)
    text = error_text(result)  # type: ignore[arg-type]
    assert text.strip() != f"Error executing tool {name}", "a crash, not a clear error"
    for needle in needles:
        assert needle in text, text
    return text


async def test_non_ascii_etag_on_note_update_is_a_clear_error(mcp_as: McpFactory) -> None:
    """Was: UnicodeEncodeError building the If-Match header (test_tool_fuzz[nc_notes_update_note])."""
    async with mcp_as("alice") as client:
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "t"}))
        result = await client.call_tool(
            "nc_notes_update_note", {"note_id": note["id"], "etag": "\x18á_", "content": "x"}
        )
        _clear_error(result, "nc_notes_update_note", "etag")


async def test_non_ascii_etag_on_file_write_is_a_clear_error(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_files_write_file", {"path": "a.txt", "text": "x", "etag": "é"})
        _clear_error(result, "nc_files_write_file", "etag")


async def test_lone_surrogate_in_file_text_is_a_clear_error(mcp_as: McpFactory) -> None:
    """Was: UnicodeEncodeError in `text.encode()` (test_tool_fuzz[nc_files_write_file])."""
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_files_write_file", {"path": "a.txt", "text": "\ud800"})
        _clear_error(result, "nc_files_write_file", "invalid Unicode")


@pytest.mark.parametrize(
    "tool", ["nc_files_get_file", "nc_files_list_files", "nc_files_delete_file", "nc_files_search_files"]
)
async def test_lone_surrogate_in_a_path_is_a_clear_error(mcp_as: McpFactory, tool: str) -> None:
    """`paths.normalize` encoded each segment to measure it, which raised UnicodeEncodeError on a lone
    surrogate; it now refuses it as an InvalidPath (schema-typed paths are refused even earlier)."""
    async with mcp_as("alice") as client:
        _clear_error(await client.call_tool(tool, {"path": "docs/\ud800.txt"}), tool)


def test_normalize_refuses_lone_surrogates() -> None:
    with pytest.raises(InvalidPath, match="invalid Unicode"):
        normalize("docs/\ud800.txt")


async def test_lone_surrogate_in_a_note_is_a_clear_error(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_notes_create_note", {"title": "t", "content": "a\udfffb"})
        if result.is_error:
            _clear_error(result, "nc_notes_create_note")
        # else: the JSON encoder escaped it (\udfff), which Nextcloud stores as it stores any JSON string


async def test_negative_search_times_are_a_clear_error(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    """Was: a SEARCH with a negative `getlastmodified` literal (test_tool_fuzz[nc_files_search_files])."""
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_files_search_files", {"before": "0001-01-01"})
        _clear_error(result, "nc_files_search_files", "negative")
    assert not [r for r in fake.fake_state.request_log.records() if r.method == "SEARCH"]


@pytest.mark.parametrize("value", ["é", "x\r\nX-Injected: 1", "a\nb", "nul\0"])
async def test_header_values_http_cannot_carry_are_refused_before_sending(fake: FakeNextcloud, value: str) -> None:
    """Defence in depth for every client module: no encoding crash, no header splitting."""
    http = NextcloudHTTP(load_settings(environ=server_env("alice")), transport=httpx2.ASGITransport(app=fake))
    try:
        with pytest.raises(BadRequest, match="header"):
            await http.request("GET", "/status.php", auth=None, headers={"If-Match": value})
    finally:
        await http.aclose()
    assert fake.fake_state.request_log.records() == []
