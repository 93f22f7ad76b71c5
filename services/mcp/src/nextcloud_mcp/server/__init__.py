"""The MCP server: assembly (`build`), the tool catalogue and its cache, the per-caller policy, shared state."""

from __future__ import annotations

from nextcloud_mcp.server.build import NextcloudServer, build_http_app, build_server

__all__ = ["NextcloudServer", "build_http_app", "build_server"]
