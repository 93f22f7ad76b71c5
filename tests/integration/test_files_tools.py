"""Files tools against the fake Nextcloud's WebDAV, in process, through the official MCP client."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

FILE_TOOLS = {
    "nc_files_list_files",
    "nc_files_get_file",
    "nc_files_read_file",
    "nc_files_write_file",
    "nc_files_create_folder",
    "nc_files_move_file",
    "nc_files_copy_file",
    "nc_files_delete_file",
    "nc_files_search_files",
    "nc_files_download_file",
    "nc_files_upload_file",
    "nc_files_list_favorites",
    "nc_files_set_favorite",
    "nc_files_list_trash",
    "nc_files_restore_trash",
    "nc_files_delete_trash",
    "nc_files_list_versions",
    "nc_files_restore_version",
    "nc_files_list_comments",
    "nc_files_add_comment",
}


async def _seed(control: httpx2.AsyncClient, user: str, *files: dict[str, Any]) -> None:
    response = await control.post("/__testbed__/seed/files", json={"user": user, "files": list(files)})
    assert response.status_code in (200, 201), response.text


def _paths(page: dict[str, Any]) -> list[str]:
    assert set(page) == {"items", "next_cursor", "total"}, page
    return [i["path"] for i in page["items"]]


async def test_files_tools_are_listed_with_annotations(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools if t.name.startswith("nc_files_")}
    assert set(tools) == FILE_TOOLS
    listing, deleting = tools["nc_files_list_files"].annotations, tools["nc_files_delete_file"].annotations
    assert listing and listing.read_only_hint
    # destructive is MCP's default for a tool that is not read-only, so it is left out (core.tool)
    assert deleting and not deleting.read_only_hint and deleting.destructive_hint is not False
    assert all(t.output_schema for t in tools.values())


async def test_write_list_read_move_copy_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        folder = structured(await client.call_tool("nc_files_create_folder", {"path": "Docs/Sub"}))
        assert folder["folder"] and folder["path"] == "/Docs/Sub"
        written = structured(await client.call_tool("nc_files_write_file", {"path": "/Docs/a b.md", "text": "héllo"}))
        assert written["size"] == len("héllo".encode()) and written["etag"] and written["path"] == "/Docs/a b.md"
        assert structured(await client.call_tool("nc_files_get_file", {"path": "Docs/a b.md"})) == written
        listed = structured(await client.call_tool("nc_files_list_files", {"path": "Docs"}))
        assert _paths(listed) == ["/Docs/Sub", "/Docs/a b.md"] and listed["total"] == 2
        read = structured(await client.call_tool("nc_files_read_file", {"path": "Docs/a b.md"}))
        assert read["text"] == "héllo" and read["etag"] == written["etag"] and read["path"] == "/Docs/a b.md"
        fresh = await client.call_tool(
            "nc_files_write_file", {"path": "Docs/a b.md", "text": "v2", "etag": read["etag"]}
        )
        assert not fresh.is_error, error_text(fresh)

        copied = structured(await client.call_tool("nc_files_copy_file", {"path": "Docs/a b.md", "target": "c.md"}))
        assert copied["path"] == "/c.md"
        clash = await client.call_tool("nc_files_move_file", {"path": "Docs/a b.md", "target": "/c.md"})
        assert clash.is_error and "overwrite=true" in error_text(clash)
        moved = await client.call_tool(
            "nc_files_move_file", {"path": "Docs/a b.md", "target": "c.md", "overwrite": True}
        )
        assert not moved.is_error, error_text(moved)
        deleted = structured(await client.call_tool("nc_files_delete_file", {"path": "c.md"}))
        assert deleted == {"path": "/c.md", "ok": True}
        gone = await client.call_tool("nc_files_get_file", {"path": "c.md"})
        assert gone.is_error and "/c.md does not exist" in error_text(gone)
        assert "nc_files_list_files" in error_text(gone)
        again = await client.call_tool("nc_files_create_folder", {"path": "/Docs/Sub", "parents": False})
        assert again.is_error and "A folder /Docs/Sub already exists" in error_text(again)
        same = structured(await client.call_tool("nc_files_create_folder", {"path": "/Docs/Sub"}))
        assert same["path"] == "/Docs/Sub" and same["folder"]


async def test_a_file_has_named_permissions_iso_times_and_favorite(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_files_write_file", {"path": "p.md", "text": "x"}))
        got = structured(await client.call_tool("nc_files_get_file", {"path": "/p.md"}))
    assert set(got) == {"path", "folder", "size", "modified", "etag", "favorite", "mime", "permissions"}
    assert {"read", "update", "delete"} <= set(got["permissions"]) and got["favorite"] is False
    assert datetime.fromisoformat(got["modified"]).utcoffset() is not None and got["modified"].endswith("+00:00")
    assert got["mime"] == "text/markdown"


async def test_writes_over_an_existing_file_need_its_etag_or_force(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        first = structured(await client.call_tool("nc_files_write_file", {"path": "w.md", "text": "one"}))
        exists = await client.call_tool("nc_files_write_file", {"path": "w.md", "text": "two"})
        text = error_text(exists)
        assert exists.is_error and "/w.md already exists" in text and "etag" in text and "force=true" in text
        assert "changed" not in text and "nc_files_stat" not in text
        assert structured(await client.call_tool("nc_files_read_file", {"path": "w.md"}))["text"] == "one"

        second = structured(
            await client.call_tool("nc_files_write_file", {"path": "w.md", "text": "two", "etag": first["etag"]})
        )
        stale = await client.call_tool("nc_files_write_file", {"path": "w.md", "text": "x", "etag": first["etag"]})
        assert stale.is_error and "changed since you read it" in error_text(stale)
        assert "nc_files_read_file" in error_text(stale) and "already exists" not in error_text(stale)

        forced = structured(await client.call_tool("nc_files_write_file", {"path": "w.md", "text": "3", "force": True}))
        assert forced["etag"] != second["etag"]
        assert structured(await client.call_tool("nc_files_read_file", {"path": "w.md"}))["text"] == "3"


async def test_lists_page_with_limit_and_cursor(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "alice", *({"path": f"many/f{i}.txt", "content": str(i)} for i in range(5)))
    async with mcp_as("alice") as client:
        seen: list[str] = []
        cursor = None
        while True:
            args: dict[str, Any] = {"path": "/many", "limit": 2, **({"cursor": cursor} if cursor else {})}
            listed = structured(await client.call_tool("nc_files_list_files", args))
            seen += _paths(listed)
            assert listed["total"] == 5
            cursor = listed["next_cursor"]
            if cursor is None:
                break
        assert seen == [f"/many/f{i}.txt" for i in range(5)]

        found: list[str] = []
        cursor = None
        while True:
            args = {"name": "f*.txt", "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = structured(await client.call_tool("nc_files_search_files", args))
            found += _paths(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(found) == seen, "each search page starts where the last one ended (SearchDAV firstresult)"
        bad = await client.call_tool("nc_files_list_files", {"path": "/many", "cursor": "abc"})
        assert bad.is_error and "next_cursor" in error_text(bad)
        a_file = await client.call_tool("nc_files_list_files", {"path": "many/f0.txt"})
        assert a_file.is_error and "is a file" in error_text(a_file) and "nc_files_read_file" in error_text(a_file)


async def test_path_escapes_are_refused(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        for path in ("../bob", "a/../../bob/x", "a\x00b", "x" * 5000):
            result = await client.call_tool("nc_files_list_files", {"path": path})
            assert result.is_error, path
            assert any(w in error_text(result) for w in ("'..'", "control", "limit")), error_text(result)


async def test_alice_cannot_see_bobs_files(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "bob", {"path": "secret.txt", "content": "bob only"})
    async with mcp_as("bob") as client:
        assert structured(await client.call_tool("nc_files_read_file", {"path": "secret.txt"}))["text"] == "bob only"
    async with mcp_as("alice") as client:
        read = await client.call_tool("nc_files_read_file", {"path": "secret.txt"})
        assert read.is_error
        listed = structured(await client.call_tool("nc_files_list_files", {}))
        assert all(i["path"] != "/secret.txt" for i in listed["items"])
        share = await client.call_tool("nc_shares_create_share", {"path": "secret.txt", "type": "user", "to": "carol"})
        assert share.is_error


async def test_binary_read_gives_metadata_and_a_message(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "alice", {"path": "pic.bin", "size": 300})
    async with mcp_as("alice") as client:
        got = structured(await client.call_tool("nc_files_read_file", {"path": "pic.bin"}))
    assert got["text"] is None and "binary" in got["note"] and "nc_files_download_file" in got["note"]


async def test_streamed_chunked_upload_and_download(mcp_as: McpFactory, tmp_path: Path) -> None:
    # 25 MiB: above the 10 MiB threshold, so chunked upload v2 (3 chunks). The 1 GiB run belongs in e2e.
    local = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with local.open("wb") as f:
        for _ in range(25):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            f.write(block)
    async with mcp_as("alice") as client:
        args = {"local_path": str(local), "path": "big.bin"}
        up = structured(await client.call_tool("nc_files_upload_file", args))
        assert up["bytes"] == 25 * 1024 * 1024 and up["path"] == "/big.bin"
        again = await client.call_tool("nc_files_upload_file", args)
        assert again.is_error and "already exists" in error_text(again)
        replaced = await client.call_tool("nc_files_upload_file", {**args, "etag": up["etag"]})
        assert not replaced.is_error, error_text(replaced)
        out = tmp_path / "back.bin"
        down = structured(await client.call_tool("nc_files_download_file", {"path": "big.bin", "local_path": str(out)}))
        assert down["bytes"] == 25 * 1024 * 1024
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest.hexdigest()


async def test_local_transfer_is_refused_over_http(mcp_as: McpFactory, tmp_path: Path) -> None:
    async with mcp_as("alice", mcp_transport="streamable-http") as client:
        result = await client.call_tool("nc_files_download_file", {"path": "x", "local_path": str(tmp_path / "x")})
    assert result.is_error and "stdio" in error_text(result) and "nc_files_read_file" in error_text(result)


async def test_favorites_search_trash(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_files_write_file", {"path": "notes/todo.md", "text": "a"}))
        structured(await client.call_tool("nc_files_write_file", {"path": "notes/other.txt", "text": "b"}))
        marked = structured(await client.call_tool("nc_files_set_favorite", {"path": "notes/todo.md"}))
        assert marked == {"path": "/notes/todo.md", "ok": True}
        assert structured(await client.call_tool("nc_files_get_file", {"path": "notes/todo.md"}))["favorite"] is True
        favs = structured(await client.call_tool("nc_files_list_favorites", {}))
        assert _paths(favs) == ["/notes/todo.md"]
        found = structured(await client.call_tool("nc_files_search_files", {"name": "*.md"}))
        assert _paths(found) == ["/notes/todo.md"] and found["next_cursor"] is None
        only_favs = structured(await client.call_tool("nc_files_search_files", {"favorite": True}))
        assert _paths(only_favs) == ["/notes/todo.md"]
        structured(await client.call_tool("nc_files_delete_file", {"path": "notes/other.txt"}))
        trash = structured(await client.call_tool("nc_files_list_trash", {}))["items"]
        assert len(trash) == 1 and trash[0]["path"] == "/notes/other.txt"
        assert datetime.fromisoformat(trash[0]["deleted"]).utcoffset() is not None
        restored = await client.call_tool("nc_files_restore_trash", {"name": trash[0]["name"]})
        assert not restored.is_error, error_text(restored)
        assert not (await client.call_tool("nc_files_get_file", {"path": "notes/other.txt"})).is_error


async def test_search_refuses_a_time_that_is_not_iso(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        bad = await client.call_tool("nc_files_search_files", {"after": "last week"})
        assert bad.is_error and "after" in error_text(bad) and "ISO 8601" in error_text(bad)
        ok = structured(await client.call_tool("nc_files_search_files", {"after": "2000-01-01", "name": "*.none"}))
        assert ok["items"] == []


async def test_versions_comments_and_emptying_the_trash(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        first = structured(await client.call_tool("nc_files_write_file", {"path": "v.md", "text": "one"}))
        structured(
            await client.call_tool("nc_files_write_file", {"path": "v.md", "text": "two", "etag": first["etag"]})
        )
        versions = structured(await client.call_tool("nc_files_list_versions", {"path": "v.md"}))["items"]
        assert versions, "a second write keeps the first as a version"
        restored = structured(
            await client.call_tool("nc_files_restore_version", {"path": "v.md", "version": versions[-1]["version"]})
        )
        assert restored["path"] == "/v.md" and restored["etag"]
        assert structured(await client.call_tool("nc_files_read_file", {"path": "v.md"}))["text"] == "one"

        added = await client.call_tool("nc_files_add_comment", {"path": "v.md", "message": "looks good"})
        assert not added.is_error, error_text(added)
        comments = structured(await client.call_tool("nc_files_list_comments", {"path": "v.md"}))
        assert [c["message"] for c in comments["items"]] == ["looks good"] and comments["next_cursor"] is None

        structured(await client.call_tool("nc_files_delete_file", {"path": "v.md"}))
        refused = await client.call_tool("nc_files_delete_trash", {})
        assert refused.is_error and "all=true" in error_text(refused)
        emptied = structured(await client.call_tool("nc_files_delete_trash", {"all": True, "confirm": True}))
        assert emptied == {
            "deleted": "the whole trash with 1 item and 3 bytes in all (v.md)",
            "confirmed_by": "argument",
        }
        assert structured(await client.call_tool("nc_files_list_trash", {}))["items"] == []


async def test_refusals_say_the_cause_the_status_stands_for(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    """409 on files is a missing folder (never "already exists"); 507 is the quota, with what frees space."""
    async with mcp_as("alice") as mcp:
        structured(await mcp.call_tool("nc_files_write_file", {"path": "/a.txt", "text": "x"}))
        moved = error_text(await mcp.call_tool("nc_files_move_file", {"path": "/a.txt", "target": "/nope/a.txt"}))
        assert "The target folder /nope does not exist" in moved and "nc_files_create_folder" in moved
        assert "already exists" not in moved
        nested = error_text(await mcp.call_tool("nc_files_create_folder", {"path": "/nope/x", "parents": False}))
        assert "The folder /nope for /nope/x does not exist" in nested and "nc_files_create_folder" in nested
        fake.fake_state.users["alice"].quota = 10
        full = await mcp.call_tool("nc_files_write_file", {"path": "/big.txt", "text": "y" * 100})
        text = error_text(full)
        assert full.is_error and "Not enough storage for /big.txt: the quota is used up" in text, text
        assert "Insufficient space" in text and "nc_files_delete_file" in text
