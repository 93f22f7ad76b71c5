"""Bookmarks tools against the fake Nextcloud: bookmarks, duplicate URLs, folders, tags, isolation, OAuth."""

from __future__ import annotations

import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio


async def test_create_list_get_update_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        made = structured(await client.call_tool(
            "nc_bookmarks_create_bookmark", {"url": "https://a.example/", "title": "A", "tags": ["news"]}
        ))  # fmt: skip
        assert made["url"] == "https://a.example/" and made["tags"] == ["news"] and made["folders"] == [-1]
        assert made == structured(await client.call_tool("nc_bookmarks_get_bookmark", {"bookmark_id": made["id"]}))
        await client.call_tool("nc_bookmarks_create_bookmark", {"url": "https://b.example/", "title": "B"})
        listed = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {}))
        assert [b["title"] for b in listed["items"]] == ["B", "A"] or {b["title"] for b in listed["items"]} == {
            "A",
            "B",
        }
        assert listed["next_cursor"] is None and listed["total"] is None
        first = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {"limit": 1}))
        assert len(first["items"]) == 1 and first["next_cursor"] == "1"
        second = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {"limit": 1, "cursor": "1"}))
        assert second["items"][0]["id"] != first["items"][0]["id"]
        tagged = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {"tags": ["news"]}))
        assert [b["id"] for b in tagged["items"]] == [made["id"]]
        words = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {"query": "b.example"}))
        assert [b["title"] for b in words["items"]] == ["B"]
        by_url = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {"url": "https://a.example/"}))
        assert [b["id"] for b in by_url["items"]] == [made["id"]]

        refused = await client.call_tool("nc_bookmarks_update_bookmark", {"bookmark_id": made["id"], "title": "X"})
        assert refused.is_error and "etag" in error_text(refused)
        args = {"bookmark_id": made["id"], "etag": made["etag"], "title": "A2", "tags": ["x"]}
        updated = structured(await client.call_tool("nc_bookmarks_update_bookmark", args))
        assert updated["title"] == "A2" and updated["tags"] == ["x"] and updated["etag"] != made["etag"]
        stale = await client.call_tool("nc_bookmarks_update_bookmark", {**args, "title": "A3"})
        assert stale.is_error and "changed since you read it" in error_text(stale)
        assert "nc_bookmarks_get_bookmark" in error_text(stale)
        clash = await client.call_tool(
            "nc_bookmarks_update_bookmark", {"bookmark_id": made["id"], "force": True, "url": "https://b.example/"}
        )
        assert clash.is_error and "already exists" in error_text(clash)

        deleted = structured(await client.call_tool("nc_bookmarks_delete_bookmark", {"bookmark_id": made["id"]}))
        assert deleted == {"id": made["id"], "deleted": True}
        gone = await client.call_tool("nc_bookmarks_delete_bookmark", {"bookmark_id": made["id"]})
        assert (
            gone.is_error and "does not exist" in error_text(gone) and "nc_bookmarks_list_bookmarks" in error_text(gone)
        )
        missing = await client.call_tool("nc_bookmarks_get_bookmark", {"bookmark_id": 9999})
        assert missing.is_error and "does not exist" in error_text(missing)


async def test_an_already_bookmarked_url_is_merged(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        first = structured(await client.call_tool(
            "nc_bookmarks_create_bookmark", {"url": "https://dup.example/", "tags": ["a"]}
        ))  # fmt: skip
        again = structured(await client.call_tool(
            "nc_bookmarks_create_bookmark", {"url": "https://dup.example/", "title": "Dup", "tags": ["b"]}
        ))  # fmt: skip
        assert again["id"] == first["id"] and again["tags"] == ["a", "b"] and again["title"] == "Dup"
        bad = await client.call_tool("nc_bookmarks_create_bookmark", {"url": "https://"})
        assert bad.is_error and "Invalid URL" in error_text(bad)


async def test_folders_and_tags(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        top = structured(await client.call_tool("nc_bookmarks_create_folder", {"title": "Work"}))
        sub = structured(
            await client.call_tool("nc_bookmarks_create_folder", {"title": "Docs", "parent_id": top["id"]})
        )
        assert top["path"] == "/Work" and sub == {
            "id": sub["id"],
            "title": "Docs",
            "parent": top["id"],
            "path": "/Work/Docs",
        }
        folders = structured(await client.call_tool("nc_bookmarks_list_folders", {}))
        assert [f["path"] for f in folders["items"]] == ["/Work", "/Work/Docs"]
        args = {"url": "https://w.example/", "tags": ["job", "ref"], "folder_ids": [sub["id"]]}
        made = structured(await client.call_tool("nc_bookmarks_create_bookmark", args))
        assert made["folders"] == [sub["id"]]
        inside = structured(await client.call_tool("nc_bookmarks_list_bookmarks", {"folder_id": sub["id"]}))
        assert [b["id"] for b in inside["items"]] == [made["id"]]
        tags = structured(await client.call_tool("nc_bookmarks_list_tags", {}))
        assert {t["name"]: t["count"] for t in tags["items"]} == {"job": 1, "ref": 1}
        empty = await client.call_tool(
            "nc_bookmarks_update_bookmark", {"bookmark_id": made["id"], "force": True, "folder_ids": []}
        )
        assert empty.is_error and "folder_ids" in error_text(empty)
    async with mcp_as("bob") as client:
        assert structured(await client.call_tool("nc_bookmarks_list_bookmarks", {}))["items"] == []
        assert structured(await client.call_tool("nc_bookmarks_list_folders", {}))["items"] == []
        foreign = await client.call_tool("nc_bookmarks_get_bookmark", {"bookmark_id": made["id"]})
        assert foreign.is_error and "does not exist" in error_text(foreign)
        denied = await client.call_tool("nc_bookmarks_create_folder", {"title": "X", "parent_id": top["id"]})
        assert denied.is_error and "parent folder" in error_text(denied)


async def test_tools_hidden_when_the_app_is_disabled(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    fake.fake_state.disable_app("bookmarks")
    async with mcp_as("alice") as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert not any(n.startswith("nc_bookmarks_") for n in names)


@pytest.mark.parametrize("patched", [False, True])
async def test_oauth_scopes_and_the_basic_only_api(fake: FakeNextcloud, patched: bool) -> None:
    """Scopes gate the toolset; with them, the app itself refuses the Bearer token (Authorizer::setCredentials),
    patched server or not, and the error says what to configure instead."""
    async with oauth_gate(fake, patched=patched) as gate:
        assert "nc_bookmarks_list_bookmarks" not in await gate.tool_names(scope="notes:read")
        scope = "bookmarks:read bookmarks:write"
        assert "nc_bookmarks_create_bookmark" in await gate.tool_names(scope=scope)
        read_only = await gate.tool_names(scope="bookmarks:read")
        assert "nc_bookmarks_list_bookmarks" in read_only and "nc_bookmarks_create_bookmark" not in read_only
        result = await gate.call("nc_bookmarks_list_bookmarks", {}, scope=scope)
        assert result.error and "app password" in result.text
