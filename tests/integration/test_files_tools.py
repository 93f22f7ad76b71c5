"""Files tools against the fake Nextcloud's WebDAV, in process, through the official MCP client."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import httpx2
import pytest

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


async def _seed(control: httpx2.AsyncClient, user: str, *files: dict[str, Any]) -> None:
    response = await control.post("/__testbed__/seed/files", json={"user": user, "files": list(files)})
    assert response.status_code in (200, 201), response.text


def _items(result: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = result["items"] if "items" in result else result["result"]
    return items


async def test_files_tools_are_listed_with_annotations(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools if t.name.startswith("nc_files_")}
    assert len(tools) == 20
    assert tools["nc_files_list"].annotations and tools["nc_files_list"].annotations.read_only_hint
    assert tools["nc_files_delete"].annotations and tools["nc_files_delete"].annotations.destructive_hint
    assert all(t.output_schema for t in tools.values())


async def test_write_list_read_move_copy_delete(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        folder = structured(await client.call_tool("nc_files_create_folder", {"path": "Docs/Sub"}))
        assert folder["dir"] and folder["path"] == "Docs/Sub"
        written = structured(await client.call_tool("nc_files_write", {"path": "Docs/a b.md", "text": "héllo"}))
        assert written["size"] == len("héllo".encode()) and written["etag"]
        listed = structured(await client.call_tool("nc_files_list", {"path": "Docs"}))
        assert [i["path"] for i in listed["items"]] == ["Docs/Sub", "Docs/a b.md"]
        read = structured(await client.call_tool("nc_files_read", {"path": "Docs/a b.md"}))
        assert read["text"] == "héllo" and read["etag"] == written["etag"]

        stale = await client.call_tool("nc_files_write", {"path": "Docs/a b.md", "text": "x", "etag": "nope"})
        assert stale.is_error and "changed since it was read" in error_text(stale)
        fresh = await client.call_tool("nc_files_write", {"path": "Docs/a b.md", "text": "v2", "etag": read["etag"]})
        assert not fresh.is_error, error_text(fresh)

        copied = structured(await client.call_tool("nc_files_copy", {"path": "Docs/a b.md", "target": "c.md"}))
        assert copied["path"] == "c.md"
        clash = await client.call_tool("nc_files_move", {"path": "Docs/a b.md", "target": "c.md"})
        assert clash.is_error and "overwrite=true" in error_text(clash)
        moved = await client.call_tool("nc_files_move", {"path": "Docs/a b.md", "target": "c.md", "overwrite": True})
        assert not moved.is_error, error_text(moved)
        deleted = structured(await client.call_tool("nc_files_delete", {"path": "c.md"}))
        assert deleted["ok"]
        gone = await client.call_tool("nc_files_get", {"path": "c.md"})
        assert gone.is_error and "Not found" in error_text(gone)


async def test_path_escapes_are_refused(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        for path in ("../bob", "a/../../bob/x", "a\x00b", "x" * 5000):
            result = await client.call_tool("nc_files_list", {"path": path})
            assert result.is_error, path
            assert any(w in error_text(result) for w in ("'..'", "control", "limit", "4096")), error_text(result)


async def test_alice_cannot_see_bobs_files(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "bob", {"path": "secret.txt", "content": "bob only"})
    async with mcp_as("bob") as client:
        assert structured(await client.call_tool("nc_files_read", {"path": "secret.txt"}))["text"] == "bob only"
    async with mcp_as("alice") as client:
        read = await client.call_tool("nc_files_read", {"path": "secret.txt"})
        assert read.is_error
        listed = structured(await client.call_tool("nc_files_list", {"path": ""}))
        assert all(i["path"] != "secret.txt" for i in listed["items"])
        share = await client.call_tool("nc_shares_create", {"path": "secret.txt", "type": "user", "to": "alice"})
        assert share.is_error


async def test_binary_read_gives_metadata_and_a_message(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, "alice", {"path": "pic.bin", "size": 300})
    async with mcp_as("alice") as client:
        got = structured(await client.call_tool("nc_files_read", {"path": "pic.bin"}))
    assert got["text"] is None and "binary" in got["note"]


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
        up = structured(await client.call_tool("nc_files_upload", {"local_path": str(local), "path": "big.bin"}))
        assert up["bytes"] == 25 * 1024 * 1024
        again = await client.call_tool("nc_files_upload", {"local_path": str(local), "path": "big.bin"})
        assert again.is_error
        out = tmp_path / "back.bin"
        down = structured(await client.call_tool("nc_files_download", {"path": "big.bin", "local_path": str(out)}))
        assert down["bytes"] == 25 * 1024 * 1024
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest.hexdigest()


async def test_local_transfer_is_refused_over_http(mcp_as: McpFactory, tmp_path: Path) -> None:
    async with mcp_as("alice", mcp_transport="streamable-http") as client:
        result = await client.call_tool("nc_files_download", {"path": "x", "local_path": str(tmp_path / "x")})
    assert result.is_error and "stdio" in error_text(result)


async def test_favorites_search_trash(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_files_write", {"path": "notes/todo.md", "text": "a"}))
        structured(await client.call_tool("nc_files_write", {"path": "notes/other.txt", "text": "b"}))
        structured(await client.call_tool("nc_files_set_favorite", {"path": "notes/todo.md"}))
        favs = structured(await client.call_tool("nc_files_list_favorites", {}))
        assert [f["path"] for f in _items(favs)] == ["notes/todo.md"]
        found = structured(await client.call_tool("nc_files_search", {"name": "*.md"}))
        assert [f["path"] for f in _items(found)] == ["notes/todo.md"]
        structured(await client.call_tool("nc_files_delete", {"path": "notes/other.txt"}))
        trash = structured(await client.call_tool("nc_files_list_trash", {}))["result"]
        assert len(trash) == 1 and trash[0]["original"].endswith("other.txt")
        restored = await client.call_tool("nc_files_restore_trash", {"name": trash[0]["name"]})
        assert not restored.is_error, error_text(restored)
        assert not (await client.call_tool("nc_files_get", {"path": "notes/other.txt"})).is_error


async def test_versions_comments_and_emptying_the_trash(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        first = structured(await client.call_tool("nc_files_write", {"path": "v.md", "text": "one"}))
        structured(await client.call_tool("nc_files_write", {"path": "v.md", "text": "two", "etag": first["etag"]}))
        versions = structured(await client.call_tool("nc_files_list_versions", {"path": "v.md"}))["result"]
        assert versions, "a second write keeps the first as a version"
        restored = await client.call_tool(
            "nc_files_restore_version", {"path": "v.md", "version": versions[-1]["version"]}
        )
        assert not restored.is_error, error_text(restored)
        assert structured(await client.call_tool("nc_files_read", {"path": "v.md"}))["text"] == "one"

        added = await client.call_tool("nc_files_add_comment", {"path": "v.md", "message": "looks good"})
        assert not added.is_error, error_text(added)
        comments = structured(await client.call_tool("nc_files_list_comments", {"path": "v.md"}))["result"]
        assert [c["message"] for c in comments] == ["looks good"]

        structured(await client.call_tool("nc_files_delete", {"path": "v.md"}))
        refused = await client.call_tool("nc_files_delete_trash", {})
        assert refused.is_error and "all=true" in error_text(refused)
        structured(await client.call_tool("nc_files_delete_trash", {"all": True}))
        assert structured(await client.call_tool("nc_files_list_trash", {}))["result"] == []
