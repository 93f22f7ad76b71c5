"""Files (`files` app over `dav`): WebDAV browsing, reading and writing, trash, versions, favourites, comments."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always

__all__ = ["APP"]

APP = App("files", "files", always, ("nextcloud_mcp.apps.files.tools", "nextcloud_mcp.apps.files.more_tools"))
