"""Collectives tools against the fake Nextcloud: the page tree, etag-guarded Markdown, create/move/rename,
trash/restore, search, tags, member isolation, app gating and OAuth scopes.

The fake mounts each collective's folder for its members at `/.Collectives/<name>` (nextcloud/collectives
lib/Mount/MountProvider.php), so the WebDAV writes made here by "someone else" are the ones the API then reports.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio
DAV = "/remote.php/dav/files"
BOB = ("bob", "bob-secret")


async def _seed(control: httpx2.AsyncClient, **spec: Any) -> dict[str, Any]:
    body = {"user": "alice", "collectives": [{"name": "Handbook", "members": ["bob"], **spec}]}
    response = await control.post("/__testbed__/seed/collectives", json=body)
    assert response.status_code == 201, response.text
    seeded: dict[str, Any] = response.json()["collectives"][0]
    return seeded


PAGES = [
    {"title": "Guide", "content": "# Guide\n\nStart here."},
    {"title": "Setup", "parent": "Guide", "content": "Install the laptop.", "tags": ["howto"]},
    {"title": "FAQ", "content": "Questions"},
]


async def test_list_collectives_and_page_tree(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control, pages=PAGES)
    async with mcp_as("alice") as client:
        listed = structured(await client.call_tool("nc_collectives_list_collectives", {}))
        assert listed["items"] == [{"id": seeded["id"], "name": "Handbook", "emoji": None, "can_edit": True}]
        tree = structured(await client.call_tool("nc_collectives_list_pages", {"collective": "handbook"}))
        paths = [(p["path"], p["parent_id"] is None) for p in tree["items"]]
        assert paths == [("/", True), ("/FAQ", False), ("/Guide", False), ("/Guide/Setup", False)]
        setup = tree["items"][3]
        assert setup["tags"] == ["howto"] and setup["parent_id"] == seeded["pages"]["Guide"]
        paged = structured(await client.call_tool("nc_collectives_list_pages", {"collective": "1", "limit": 2}))
        assert paged["next_cursor"] == "2" and paged["total"] == 4
        unknown = await client.call_tool("nc_collectives_list_pages", {"collective": "Wiki"})
        assert unknown.is_error and "Handbook (id 1)" in error_text(unknown)


async def test_get_page_by_id_path_or_title(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control, pages=[*PAGES, {"title": "Setup", "parent": "FAQ", "content": "twin"}])
    setup_id = seeded["pages"]["Setup"]  # the second "Setup" (the seed keeps the last)
    async with mcp_as("alice") as client:
        by_path = structured(
            await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": "/Guide/Setup"})
        )
        assert by_path["content"] == "Install the laptop." and by_path["etag"]
        assert by_path["file"] == "/.Collectives/Handbook/Guide/Setup.md"
        by_id = structured(
            await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": str(setup_id)})
        )
        assert by_id["content"] == "twin" and by_id["path"] == "/FAQ/Setup"
        ambiguous = await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": "setup"})
        assert ambiguous.is_error and "/Guide/Setup" in error_text(ambiguous) and "/FAQ/Setup" in error_text(ambiguous)
        landing = structured(await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": "/"}))
        assert landing["content"].startswith("# Welcome Handbook")
        missing = await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": "Nope"})
        assert missing.is_error and "nc_collectives_list_pages" in error_text(missing)


async def test_create_update_with_etag_and_conflict(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, pages=PAGES)
    async with mcp_as("alice") as client:
        created = structured(
            await client.call_tool(
                "nc_collectives_create_page",
                {"collective": "Handbook", "title": "Policies", "parent": "Guide", "content": "Be kind."},
            )
        )
        assert created["path"] == "/Guide/Policies" and created["content"] == "Be kind." and created["size"] == 8
        got = structured(
            await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": str(created["id"])})
        )
        assert got == created
        blind = await client.call_tool(
            "nc_collectives_update_page", {"collective": "Handbook", "page": "Policies", "content": "x"}
        )
        assert blind.is_error and "etag" in error_text(blind) and "force=true" in error_text(blind)
        updated = structured(
            await client.call_tool(
                "nc_collectives_update_page",
                {"collective": "Handbook", "page": "Policies", "etag": got["etag"], "content": "Be very kind."},
            )
        )
        assert updated["content"] == "Be very kind." and updated["etag"] != got["etag"] and updated["size"] == 13
        # bob edits the file over WebDAV (the Text editor does the same)
        put = await control.put(f"{DAV}/bob/.Collectives/Handbook/Guide/Policies.md", content=b"Bob's text", auth=BOB)
        assert put.status_code == 204
        stale = await client.call_tool(
            "nc_collectives_update_page",
            {"collective": "Handbook", "page": "Policies", "etag": updated["etag"], "content": "mine"},
        )
        assert stale.is_error and "NOT saved" in error_text(stale) and "nc_collectives_get_page" in error_text(stale)
        stale_move = await client.call_tool(
            "nc_collectives_update_page",
            {"collective": "Handbook", "page": "Policies", "etag": updated["etag"], "title": "Rules"},
        )
        assert stale_move.is_error and "changed" in error_text(stale_move)
        fresh = structured(
            await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": "Policies"})
        )
        assert fresh["content"] == "Bob's text" and fresh["size"] == 10
        moved = structured(
            await client.call_tool(
                "nc_collectives_update_page",
                {"collective": "Handbook", "page": "Policies", "etag": fresh["etag"], "title": "Rules", "parent": "/"},
            )
        )
        assert moved["path"] == "/Rules" and moved["id"] == created["id"] and moved["content"] == "Bob's text"
        tagged = structured(
            await client.call_tool(
                "nc_collectives_update_page",
                {"collective": "Handbook", "page": "Rules", "force": True, "tags": ["howto", "policy"]},
            )
        )
        assert tagged["tags"] == ["howto", "policy"]


async def test_delete_restore_and_search(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    seeded = await _seed(control, pages=PAGES)
    async with mcp_as("bob") as client:
        found = structured(
            await client.call_tool("nc_collectives_search_pages", {"collective": "Handbook", "query": "laptop"})
        )
        assert [p["path"] for p in found["items"]] == ["/Guide/Setup"]
        deleted = structured(
            await client.call_tool("nc_collectives_delete_page", {"collective": "Handbook", "page": "Guide"})
        )
        assert deleted["id"] == seeded["pages"]["Guide"] and deleted["trashed"]
        tree = structured(await client.call_tool("nc_collectives_list_pages", {"collective": "Handbook"}))
        assert [p["path"] for p in tree["items"]] == ["/", "/FAQ"]
        trash = structured(
            await client.call_tool("nc_collectives_list_pages", {"collective": "Handbook", "trashed": True})
        )
        assert [p["title"] for p in trash["items"]] == ["Guide"]
        restored = structured(
            await client.call_tool("nc_collectives_restore_page", {"collective": "Handbook", "page": "Guide"})
        )
        assert restored["path"] == "/Guide" and restored["content"] == "# Guide\n\nStart here."
        again = await client.call_tool("nc_collectives_restore_page", {"collective": "Handbook", "page": "Guide"})
        assert again.is_error and "trash of Handbook" in error_text(again)
        landing = await client.call_tool("nc_collectives_delete_page", {"collective": "Handbook", "page": "/"})
        assert landing.is_error


async def test_members_only_and_read_only_members(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, pages=PAGES)
    await _seed(control, name="Board", members=[], readers=["bob"])
    async with mcp_as("carol") as client:
        assert structured(await client.call_tool("nc_collectives_list_collectives", {}))["items"] == []
        foreign = await client.call_tool("nc_collectives_get_page", {"collective": "Handbook", "page": "/"})
        assert foreign.is_error and "none" in error_text(foreign)
    async with mcp_as("bob") as client:
        listed = structured(await client.call_tool("nc_collectives_list_collectives", {}))
        assert [(c["name"], c["can_edit"]) for c in listed["items"]] == [("Handbook", True), ("Board", False)]
        refused = await client.call_tool("nc_collectives_create_page", {"collective": "Board", "title": "x"})
        assert refused.is_error and "Not allowed to edit collective" in error_text(refused)


async def test_tools_hidden_when_the_app_is_disabled(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    async with mcp_as("alice") as client:
        assert "nc_collectives_list_pages" in {t.name for t in (await client.list_tools()).tools}
    fake.fake_state.disable_app("collectives")
    async with mcp_as("bob") as client:  # another user: a fresh probe
        names = {t.name for t in (await client.list_tools()).tools}
    assert not any(n.startswith("nc_collectives_") for n in names)


async def test_oauth_scopes(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    await _seed(control, pages=PAGES)
    async with oauth_gate(fake, patched=False) as gate:
        assert "nc_collectives_get_page" in await gate.tool_names(scope="collectives:read")
        assert "nc_collectives_update_page" not in await gate.tool_names(scope="collectives:read")
        read = await gate.call(
            "nc_collectives_get_page", {"collective": "Handbook", "page": "FAQ"}, scope="collectives:read"
        )
        assert not read.error, read.text
        denied = await gate.call(
            "nc_collectives_delete_page", {"collective": "Handbook", "page": "FAQ"}, scope="collectives:read"
        )
        assert denied.error
        done = await gate.call(
            "nc_collectives_delete_page",
            {"collective": "Handbook", "page": "FAQ"},
            scope="collectives:read collectives:write",
        )
        assert not done.error, done.text
