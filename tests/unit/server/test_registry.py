"""The schema cache (`server/catalogue.py`): written at the first start into the cache folder, read by later
starts, keyed by version and source hash (so an edit never meets a stale cache and nothing is committed);
lazy tools list and validate exactly like the SDK's own build; a warm start imports no tool or client module."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client

from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server import catalogue
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.registry import LazyTool

pytestmark = pytest.mark.anyio
ENV = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "pw"}


def _env(cache: Path | str) -> dict[str, str]:
    return {**ENV, "MCP_CACHE_DIR": str(cache)}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _files(folder: Path, pattern: str = "tools-*.json") -> list[Path]:
    return list(folder.rglob(pattern))


async def test_first_start_writes_the_cache_and_later_starts_list_the_same_tools_lazily(tmp_path: Path) -> None:
    cold = build_server(load_settings(environ=_env(tmp_path)))
    files = _files(tmp_path)
    assert [f.name for f in files] == [catalogue.cache_file(str(tmp_path)).name]  # type: ignore[union-attr]
    warm = build_server(load_settings(environ=_env(tmp_path)))
    assert not any(isinstance(t, LazyTool) for t in cold.catalogue.tools)
    assert all(isinstance(t, LazyTool) for t in warm.catalogue.tools)
    dump = [t.model_dump(mode="json", exclude_none=True) for t in await warm.list_tools()]
    assert dump == [t.model_dump(mode="json", exclude_none=True) for t in await cold.list_tools()]
    assert len(json.loads(files[0].read_bytes())) == len(dump)


async def test_a_lazy_tool_validates_arguments_on_its_first_call(tmp_path: Path) -> None:
    build_server(load_settings(environ=_env(tmp_path)))
    server = build_server(load_settings(environ=_env(tmp_path)))
    assert isinstance(server.catalogue.tools[0], LazyTool)
    async with Client(server) as client:
        result = await client.call_tool("nc_notes_get_note", {"note_id": "not a number"})
    assert result.is_error
    assert "note_id" in str(result.content[0])


def test_a_warm_start_imports_no_tool_or_app_client_module(tmp_path: Path) -> None:
    build_server(load_settings(environ=_env(tmp_path)))
    code = (
        "import sys; from nextcloud_mcp.config import load_settings;"
        "from nextcloud_mcp.server.build import build_server;"
        f"build_server(load_settings(environ={_env(tmp_path)!r}));"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('nextcloud_mcp.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    app_modules = [m for m in out if m.startswith("nextcloud_mcp.apps.") and m.count(".") > 2]
    assert app_modules == []  # only the apps' __init__ declarations
    assert "nextcloud_mcp.apps.notes" in out


def test_any_source_edit_names_another_cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment appended to a module changes the source hash, so the old cache is never read for it."""
    copy = tmp_path / "pkg"
    shutil.copytree(catalogue.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalogue, "PACKAGE", copy)
    catalogue.source_hash.cache_clear()
    try:
        before = catalogue.source_hash()
        with (copy / "core" / "http.py").open("a") as module:
            module.write("# a comment\n")
        catalogue.source_hash.cache_clear()
        assert catalogue.source_hash() != before
    finally:
        catalogue.source_hash.cache_clear()


async def test_a_cache_of_other_sources_is_ignored_and_replaced(tmp_path: Path) -> None:
    stale = _write(tmp_path / "tools-0.0.0-0123456789abcdef0123.json", "[]")
    server = build_server(load_settings(environ=_env(tmp_path)))
    assert len(await server.list_tools()) > 90
    assert not stale.exists()


async def test_without_a_writable_cache_folder_the_server_still_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = _write(tmp_path / "file", "")
    with caplog.at_level(logging.INFO, logger="nextcloud_mcp.server.catalogue"):
        server = build_server(load_settings(environ=_env(blocker / "cache")))
    assert len(await server.list_tools()) > 90
    assert "Cannot write the tool schema cache" in caplog.text


async def test_off_writes_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    server = build_server(load_settings(environ=_env("off")))
    assert len(await server.list_tools()) > 90
    assert not _files(tmp_path, "*.json")
