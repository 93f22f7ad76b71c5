"""Activity (`activity` app, OCS API v2): the stream of what happened to the user's files, shares, calendars,
cards… (their own actions and those of others)."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, publishes

__all__ = ["APP"]

APP = App(
    "activity",
    "activity",
    publishes("activity"),
    ("nextcloud_mcp.apps.activity.tools",),
    summary="The activity stream: what happened to your files, shares, calendars and boards, and who did it.",
)
