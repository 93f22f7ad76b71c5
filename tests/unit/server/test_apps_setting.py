"""`MCP_APPS`: only the chosen apps' tools are registered (smaller tools/list, faster start)."""

from __future__ import annotations

import pytest

from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.catalogue import build_catalogue

pytestmark = pytest.mark.anyio
BASE = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "pw"}


async def test_only_the_chosen_apps_are_registered() -> None:
    server = build_server(load_settings(environ={**BASE, "MCP_APPS": " notes , files"}))
    names = {tool.name for tool in await server.list_tools()}
    catalogue, _ = build_catalogue()
    expected = {t.name for t in catalogue.tools if catalogue.apps[t.name].toolset in ("notes", "files")}
    assert names == expected
    assert any(n.startswith("nc_notes_") for n in names) and any(n.startswith("nc_files_") for n in names)


async def test_unset_means_every_app() -> None:
    server = build_server(load_settings(environ=BASE))
    assert len(await server.list_tools()) == len(build_catalogue()[0].tools)


def test_an_unknown_app_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"MCP_APPS names unknown apps \['nots'\]; known apps: .*notes"):
        build_server(load_settings(environ={**BASE, "MCP_APPS": "nots"}))
