"""Collectives (`collectives` app): team wikis whose pages are Markdown files, over its OCS API v1.0 + WebDAV.

Collectives publishes no capability (nextcloud/collectives v4.4.3 registers none in lib/AppInfo/Application.php),
so it is found by its collectives listing (`collective#index`, appinfo/routes.php), which answers 200 with an OCS
envelope when the app is enabled for the caller and 404 (OCS 998) when it is not.
"""

from __future__ import annotations

from nextcloud_mcp.core.app import App, Probe
from nextcloud_mcp.core.instance import Capabilities

__all__ = ["APP"]


def _never(_: Capabilities) -> bool:
    return False  # no capability block: the probe decides


APP = App(
    "collectives",
    "collectives",
    _never,
    ("nextcloud_mcp.apps.collectives.tools",),
    probe=Probe("/ocs/v2.php/apps/collectives/api/v1.0/collectives?format=json", "version"),
    summary="Collectives: the page tree, read and write Markdown pages, trash and restore, search, tags.",
)
