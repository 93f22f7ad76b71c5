"""The schema cache: current, identical to the SDK's own build, lazy tools validate like eager ones, and the
server starts without importing a single tool module."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from nextcloud_mcp import catalogue
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.registry import SCHEMA_FILE, register, render_cache
from nextcloud_mcp.server import build_server
from nextcloud_mcp.tools import TOOLSETS

pytestmark = pytest.mark.anyio
ENV = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "pw"}


def test_the_schema_cache_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_cache(), "run scripts/gen-docs"


async def test_cached_tools_list_equals_the_eager_build() -> None:
    lazy = build_server(load_settings(environ=ENV))
    eager: MCPServer[object] = MCPServer(name="eager")
    for toolset in TOOLSETS:
        for spec in toolset.tools:
            register(eager, spec, eager=True)
    dump = [t.model_dump(mode="json", exclude_none=True) for t in await lazy.list_tools()]
    assert dump == [t.model_dump(mode="json", exclude_none=True) for t in await eager.list_tools()]
    assert all(isinstance(t.fn, catalogue.LazyFn) for t in lazy._tool_manager.list_tools())


async def test_a_lazy_tool_validates_arguments_on_its_first_call() -> None:
    server = build_server(load_settings(environ=ENV))
    async with Client(server) as client:
        result = await client.call_tool("nc_notes_get", {"note_id": "not a number"})
    assert result.is_error
    assert "note_id" in str(result.content[0])


def test_start_up_imports_no_tool_or_app_client_module() -> None:
    code = (
        "import sys; from nextcloud_mcp.config import load_settings; from nextcloud_mcp.server import build_server;"
        f"build_server(load_settings(environ={ENV!r}));"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('nextcloud_mcp.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    loaded = [
        m
        for m in out
        if m == "nextcloud_mcp.tools" or m.startswith(("nextcloud_mcp.tools.", "nextcloud_mcp.nextcloud."))
    ]
    assert loaded == ["nextcloud_mcp.nextcloud.core", "nextcloud_mcp.nextcloud.http", "nextcloud_mcp.nextcloud.notes"]


async def test_a_stale_cache_falls_back_to_the_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue.entries.cache_clear()
    monkeypatch.setattr(catalogue, "fingerprint", lambda: "edited sources")
    try:
        server = build_server(load_settings(environ=ENV))
        tools = server._tool_manager.list_tools()
        assert len(tools) == sum(len(ts.tools) for ts in TOOLSETS)
        assert not any(isinstance(t.fn, catalogue.LazyFn) for t in tools)
    finally:
        catalogue.entries.cache_clear()
