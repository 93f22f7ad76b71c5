"""Notifications (`notifications` app, OCS): list, read and dismiss the user's notifications."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "notifications",
    "notifications",
    publishes("notifications"),
    ("nextcloud_mcp.apps.notifications.tools",),
    summary="Notifications: list, read with their actions, dismiss one or all.",
)
