"""Every unified-search tool against the fake Nextcloud, through the official MCP client."""

from __future__ import annotations

import httpx2
import pytest

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


async def _seed(control: httpx2.AsyncClient, *paths: str, notes: tuple[str, ...] = ()) -> None:
    files = [{"path": p, "content": "x", "mtime": 1_700_000_000 + i} for i, p in enumerate(paths)]
    response = await control.post("/__testbed__/seed/files", json={"user": "alice", "files": files})
    assert response.status_code == 201, response.text
    if notes:
        seeded = {"user": "alice", "notes": [{"title": t, "content": "report"} for t in notes]}
        assert (await control.post("/__testbed__/seed/notes", json=seeded)).status_code == 201


async def test_providers_come_in_the_one_envelope(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        providers = structured(await client.call_tool("nc_search_list_providers", {}))
        assert providers == {
            "items": [
                {"id": "files", "name": "Files"},
                {"id": "talk-message", "name": "Messages"},  # Talk's providers, while spreed is enabled
                {"id": "talk-conversations", "name": "Conversations"},
                {"id": "notes", "name": "Notes"},
            ],
            "next_cursor": None,
            "total": 4,
        }
        first = structured(await client.call_tool("nc_search_list_providers", {"limit": 1}))
    assert first["items"] == [{"id": "files", "name": "Files"}] and first["next_cursor"] == "1"


async def test_file_hits_carry_an_absolute_path_and_link(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "Documents/report-2026.md", "report.txt")
    async with mcp_as("alice") as client:
        found = structured(await client.call_tool("nc_search_query_items", {"term": "report", "provider": "files"}))
    hits = {h["path"]: h for h in found["items"]}
    assert set(hits) == {"/Documents/report-2026.md", "/report.txt"}  # FilesSearchProvider attributes.path
    deep = hits["/Documents/report-2026.md"]
    assert deep["provider"] == "files" and deep["title"] == "report-2026.md" and deep["subline"] == "in Documents"
    assert deep["url"].startswith("http://nc.test/index.php/f/")
    assert found["next_cursor"] is None and found["total"] is None  # a paginated provider gives no total


async def test_one_provider_pages_with_its_own_cursor(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "report-a.md", "report-b.md", "report-c.md")
    async with mcp_as("alice") as client:
        args = {"term": "report", "provider": "files", "limit": 2}
        first = structured(await client.call_tool("nc_search_query_items", args))
        assert len(first["items"]) == 2 and first["next_cursor"] == "files=c2"
        rest = structured(await client.call_tool("nc_search_query_items", {**args, "cursor": first["next_cursor"]}))
    titles = [h["title"] for h in first["items"] + rest["items"]]
    assert sorted(titles) == ["report-a.md", "report-b.md", "report-c.md"]


async def test_a_complete_provider_is_paged_here(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """The Notes provider answers SearchResult::complete (every match, no cursor): paged by the tool."""
    await _seed(control, notes=("Report 1", "Report 2", "Report 3"))
    async with mcp_as("alice") as client:
        args = {"term": "report", "provider": "notes", "limit": 2}
        first = structured(await client.call_tool("nc_search_query_items", args))
        assert len(first["items"]) == 2 and first["total"] == 3 and first["next_cursor"] == "notes=o2"
        rest = structured(await client.call_tool("nc_search_query_items", {**args, "cursor": first["next_cursor"]}))
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert all(h["path"] is None and h["url"].startswith("http://nc.test/") for h in rest["items"])


async def test_every_provider_at_once_then_the_rest(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "report-a.md", "report-b.md", "report-c.md", notes=("Report note",))
    async with mcp_as("alice") as client:
        first = structured(await client.call_tool("nc_search_query_items", {"term": "report", "limit": 2}))
        assert [h["provider"] for h in first["items"]] == ["files", "files", "notes"]
        assert first["next_cursor"] == "files=c2"  # notes is done
        rest = await client.call_tool(
            "nc_search_query_items", {"term": "report", "limit": 2, "cursor": first["next_cursor"]}
        )
    # the note is a file too (Notes/Report note.md): the files provider has four hits
    assert [h["title"] for h in structured(rest)["items"]] == ["report-b.md", "report-a.md"]
    assert structured(rest)["next_cursor"] == "files=c4"


async def test_provider_by_name_or_refused_with_the_valid_ids(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "report.txt")
    async with mcp_as("alice") as client:
        by_name = structured(await client.call_tool("nc_search_query_items", {"term": "report", "provider": "Files"}))
        assert [h["path"] for h in by_name["items"]] == ["/report.txt"]
        more = {"term": "report", "provider": "Files", "limit": 1}
        first = structured(await client.call_tool("nc_search_query_items", more))
        assert first["next_cursor"] == "files=c1"  # under the provider's id; accepted back with its name
        assert (
            structured(await client.call_tool("nc_search_query_items", {**more, "cursor": "files=c1"}))["items"] == []
        )
        unknown = await client.call_tool("nc_search_query_items", {"term": "report", "provider": "mail"})
        assert unknown.is_error and "files, talk-message, talk-conversations, notes" in error_text(unknown)
        blank = await client.call_tool("nc_search_query_items", {"term": "   "})
        assert blank.is_error and "term" in error_text(blank)
        bad = await client.call_tool("nc_search_query_items", {"term": "report", "cursor": "12"})
        assert bad.is_error and "cursor" in error_text(bad)
        other = await client.call_tool(
            "nc_search_query_items", {"term": "report", "provider": "files", "cursor": "notes=o2&mail=c9"}
        )
        assert other.is_error and "cursor" in error_text(other)


async def test_nextclouds_reason_for_a_400_is_kept(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """UnifiedSearchController::search answers `DataResponse($e->getMessage(), 400)`: the reason is in `data`."""
    body = {"ocs": {"meta": {"status": "failure", "statuscode": 400, "message": ""}, "data": "Invalid filter 'x'"}}
    fault = {"method": "GET", "path": "/search/providers/files/search$", "action": {"status": 400, "body": body}}
    assert (await control.post("/__testbed__/faults", json=fault)).status_code == 201
    async with mcp_as("alice") as client:
        result = await client.call_tool("nc_search_query_items", {"term": "report", "provider": "files"})
    assert result.is_error
    assert "Invalid filter 'x'" in error_text(result) and "nc_search_list_providers" in error_text(result)
    assert "try again later" not in error_text(result)
