"""Bookmarks (`bookmarks` app): bookmarks, folders and tags, over its REST API v2.

The app publishes a capability (nextcloud/bookmarks lib/Capabilities.php, ``bookmarks``), so the toolset is offered
when the user's capabilities carry it.
"""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "bookmarks",
    "bookmarks",
    publishes("bookmarks"),
    ("nextcloud_mcp.apps.bookmarks.tools",),
    summary="Bookmarks: search by words, tags or URL; create, update, delete; folders and tags.",
)
