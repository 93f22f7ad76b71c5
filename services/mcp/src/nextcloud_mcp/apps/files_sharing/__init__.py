"""Shares (`files_sharing` app, OCS Share API): share files and folders with people, groups and links."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "files_sharing",
    "shares",
    publishes("files_sharing"),
    ("nextcloud_mcp.apps.files_sharing.tools",),
    summary="Shares of files and folders: links, users, groups; accept incoming shares.",
)
