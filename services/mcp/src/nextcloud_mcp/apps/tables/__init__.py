"""Tables (`tables` app): tables, views, columns and rows, over its OCS API v2 and REST API v1."""

from __future__ import annotations

from nextcloud_mcp.core.app import App
from nextcloud_mcp.core.instance import Capabilities

__all__ = ["APP"]


def _available(caps: Capabilities) -> bool:
    block = caps.app("tables")
    return block is not None and block.get("enabled", True) is not False


APP = App(
    "tables",
    "tables",
    _available,
    ("nextcloud_mcp.apps.tables.tools", "nextcloud_mcp.apps.tables.row_tools"),
    summary="Tables: tables, columns and rows.",
)
