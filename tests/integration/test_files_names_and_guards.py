"""Files tools against the stricter fake WebDAV (issue 18): names that need encoding end to end, Sabre's real
MOVE/COPY refusals, and the chunked upload's final MOVE guarded by the RFC 4918 If header."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fake_nextcloud.app import FakeNextcloud
from fake_nextcloud.apps.dav.models import DavBackend
from nextcloud_mcp.apps.files.uploads import Transfers
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

#: a literal percent sequence, a non-Latin-1 character, and characters that mean something in a URL
ODD_NAMES = ("50%20off.md", "日本 \u2013 résumé.md", "a#b?c&d=e+f;g.md", "x%2Fy (1) [2] {3} @:~.md")


async def test_odd_names_survive_every_files_tool(mcp_as: McpFactory, tmp_path: Path) -> None:
    async with mcp_as("alice") as client:
        for name in ODD_NAMES:
            path = f"/Odd %25 dir/{name}"
            written = structured(await client.call_tool("nc_files_write_file", {"path": path, "text": name}))
            assert written["path"] == path
            read = structured(await client.call_tool("nc_files_read_file", {"path": path}))
            assert read["text"] == name
            local = tmp_path / f"{len(name)}.bin"
            down = structured(
                await client.call_tool("nc_files_download_file", {"path": path, "local_path": str(local)})
            )
            assert down["bytes"] == len(name.encode())
            moved = structured(await client.call_tool("nc_files_move_file", {"path": path, "target": f"/{name}"}))
            assert moved["path"] == f"/{name}"
        listed = structured(await client.call_tool("nc_files_list_files", {}))
        assert {f"/{n}" for n in ODD_NAMES} <= {i["path"] for i in listed["items"]}
        structured(await client.call_tool("nc_files_delete_file", {"path": f"/{ODD_NAMES[0]}"}))
        trash = structured(await client.call_tool("nc_files_list_trash", {}))["items"]
        assert [t["path"] for t in trash] == [f"/{ODD_NAMES[0]}"]
        restored = await client.call_tool("nc_files_restore_trash", {"name": trash[0]["name"]})
        assert not restored.is_error, error_text(restored)
        assert structured(await client.call_tool("nc_files_read_file", {"path": ODD_NAMES[0]}))["text"] == ODD_NAMES[0]


async def test_move_refusals_name_sabres_causes(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        structured(await client.call_tool("nc_files_create_folder", {"path": "/Docs/Sub"}))
        structured(await client.call_tool("nc_files_write_file", {"path": "/a.txt", "text": "x"}))
        inside = await client.call_tool("nc_files_move_file", {"path": "/Docs", "target": "/Docs/Sub/Docs"})
        text = error_text(inside)
        assert inside.is_error and "cannot be moved or copied into itself" in text, text
        assert "does not exist" not in text
        under_file = await client.call_tool("nc_files_copy_file", {"path": "/Docs", "target": "/a.txt/Docs"})
        text = error_text(under_file)
        assert under_file.is_error and "/a.txt is a file" in text and "nothing was changed" in text, text


async def _big(tmp_path: Path, size: int = 11 * 1024 * 1024) -> Path:
    local = tmp_path / "big.bin"
    local.write_bytes(os.urandom(size))
    return local


async def test_chunked_upload_replaces_only_the_version_named_by_etag(
    mcp_as: McpFactory, fake: FakeNextcloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The final MOVE carries `If: <target> (["etag"])`: a change after the early check still refuses it."""
    local = await _big(tmp_path)
    async with mcp_as("alice") as client:
        first = structured(await client.call_tool("nc_files_write_file", {"path": "/big.bin", "text": "v1"}))

        async def no_early_check(self: Transfers, rel: str, etag: str | None) -> None:
            """The target changes between the early check and the final MOVE."""
            DavBackend.of(fake.fake_state).write_bytes("alice", rel, b"someone else's v2")

        monkeypatch.setattr(Transfers, "_check_target", no_early_check)
        stale = await client.call_tool(
            "nc_files_upload_file", {"local_path": str(local), "path": "/big.bin", "etag": first["etag"]}
        )
        text = error_text(stale)
        assert stale.is_error and "changed since you read it" in text, text
        assert structured(await client.call_tool("nc_files_read_file", {"path": "/big.bin"}))["text"] == (
            "someone else's v2"
        )
        assert DavBackend.of(fake.fake_state).uploads == {}, "the upload's parts are removed"
        created = await client.call_tool("nc_files_upload_file", {"local_path": str(local), "path": "/new.bin"})
        text = error_text(created)
        assert created.is_error and "/new.bin already exists" in text, text
