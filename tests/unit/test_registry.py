"""The schema cache: current, identical to the SDK's own build, and lazy tools validate like eager ones."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

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
    assert all(type(t.fn_metadata).__name__ == "_LazyMetadata" for t in lazy._tool_manager.list_tools())


async def test_a_lazy_tool_validates_arguments_on_its_first_call() -> None:
    server = build_server(load_settings(environ=ENV))
    async with Client(server) as client:
        result = await client.call_tool("nc_notes_get", {"note_id": "not a number"})
    assert result.is_error
    assert "note_id" in str(result.content[0])
