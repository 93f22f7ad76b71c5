"""Which apps feed the index for a caller: those declaring an `index` module (`App.index`), served by this server
(`MCP_APPS`) and available to the caller (their capabilities; all of them when Nextcloud cannot say)."""

from __future__ import annotations

import importlib

from nextcloud_mcp.apps import APPS
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.indexing import IndexSource
from nextcloud_mcp.core.instance import Capabilities

__all__ = ["INDEXED", "opens", "sources"]

INDEXED = tuple(app.toolset for app in APPS if app.index)


def _source(module: str) -> IndexSource:
    source: IndexSource = importlib.import_module(module).SOURCE
    return source


def sources(settings: Settings, caps: Capabilities | None) -> list[IndexSource]:
    chosen = set(settings.mcp_apps)
    return [
        _source(app.index)
        for app in APPS
        if app.index and (not chosen or app.toolset in chosen) and (caps is None or app.available(caps))
    ]


def opens(app: str, object_id: str) -> str:
    """The tool call that opens an indexed object of `app` (`{id}`, and `{0}`, `{1}`, … its `/`-separated parts)."""
    for declared in APPS:
        if declared.index and _source(declared.index).app == app:
            try:
                return _source(declared.index).opens.format(*object_id.split("/"), id=object_id)
            except IndexError:  # an id without the parts the format names (not one this source made)
                return ""
    return ""
