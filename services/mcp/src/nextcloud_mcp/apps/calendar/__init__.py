"""Calendar (`calendar` app over CalDAV): calendars, events with time zones and recurrence, free/busy, the trash."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always

__all__ = ["APP"]

APP = App(
    "calendar",
    "calendar",
    always,
    (
        "nextcloud_mcp.apps.calendar.tools",
        "nextcloud_mcp.apps.calendar.event_tools",
        "nextcloud_mcp.apps.calendar.trash_tools",
    ),
)
