"""News (`news` app): feeds, folders and articles, over its REST API v1.3.

News publishes no capability (nextcloud/news 28.7.0 registers none in lib/AppInfo/Application.php), so it is
found by its version route (appinfo/routes.php `utility_api#version` at `/api/v1-3/version`,
lib/Controller/UtilityApiController.php, answering `{"version": "28.7.0"}`).
"""

from __future__ import annotations

from nextcloud_mcp.core.app import App, Probe

__all__ = ["APP"]


def _never(_: object) -> bool:
    return False


APP = App(
    "news",
    "news",
    _never,
    ("nextcloud_mcp.apps.news.tools",),
    probe=Probe("/index.php/apps/news/api/v1-3/version", "version"),
    summary="News feeds: folders, feeds, articles (unread, starred, since a time), mark read or starred.",
)
