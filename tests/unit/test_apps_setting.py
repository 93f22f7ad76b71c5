"""`MCP_APPS`: only the chosen apps' tools are registered (smaller tools/list, faster start)."""

from __future__ import annotations

import pytest

from nextcloud_mcp.config import load_settings
from nextcloud_mcp.errors import ConfigError
from nextcloud_mcp.server import build_server
from nextcloud_mcp.tools import TOOLSETS

pytestmark = pytest.mark.anyio
BASE = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "pw"}


async def test_only_the_chosen_apps_are_registered() -> None:
    server = build_server(load_settings(environ={**BASE, "MCP_APPS": " notes , files"}))
    names = {tool.name for tool in await server.list_tools()}
    expected = {spec.name for ts in TOOLSETS if ts.app in ("notes", "files") for spec in ts.tools}
    assert names == expected
    assert any(n.startswith("nc_notes_") for n in names) and any(n.startswith("nc_files_") for n in names)


async def test_unset_means_every_app() -> None:
    server = build_server(load_settings(environ=BASE))
    assert len(await server.list_tools()) == sum(len(ts.tools) for ts in TOOLSETS)


def test_an_unknown_app_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"MCP_APPS names unknown apps \['nots'\]; known apps: .*notes"):
        build_server(load_settings(environ={**BASE, "MCP_APPS": "nots"}))
