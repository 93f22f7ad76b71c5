"""Cookbook (`cookbook` app): recipes, categories and keywords, over its REST API v1.

Cookbook publishes a capability only since 0.11.5 (nextcloud/cookbook 2329e55a, lib/AppInfo/Capabilities.php
registered in lib/AppInfo/Application.php); older versions are found by their version route
(appinfo/routes.php `util_api#getApiVersion` at `/api/version`, lib/Controller/UtilApiController.php, which
answers `{"cookbook_version": [0, 11, 4], "api_version": {...}}`).
"""

from __future__ import annotations

from nextcloud_mcp.core.app import App, Probe, publishes

__all__ = ["APP"]

APP = App(
    "cookbook",
    "cookbook",
    publishes("cookbook"),
    ("nextcloud_mcp.apps.cookbook.tools", "nextcloud_mcp.apps.cookbook.meta_tools"),
    probe=Probe("/index.php/apps/cookbook/api/version", "cookbook_version"),
    summary="Recipes: list, read, create, update, import from a URL; categories and keywords.",
)
