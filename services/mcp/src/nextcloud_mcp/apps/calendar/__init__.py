"""Calendar (`calendar` app over CalDAV): calendars, events with time zones and recurrence, free/busy, the trash."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always
from nextcloud_mcp.core.resource import Resources, Template

__all__ = ["APP", "EVENTS"]

EVENTS = Template(
    "nextcloud://calendars/{calendar}/events{?start,end}",
    "calendar-events",
    "Calendar events",
    "Events of a calendar (name or display name, nc_calendar_list_calendars) in [start, end) as iCalendar; "
    "start: ISO 8601 or a date, default now; end: default 30 days later.",
    "text/calendar",
    "nc_calendar_list_events",
    "read_events",
    complete={"calendar": "calendar"},
)
RESOURCES = Resources(
    "nextcloud_mcp.apps.calendar.resources", (EVENTS,), listing="event_calendars", values={"calendar": "calendars"}
)
APP = App(
    "calendar",
    "calendar",
    always,
    (
        "nextcloud_mcp.apps.calendar.tools",
        "nextcloud_mcp.apps.calendar.event_tools",
        "nextcloud_mcp.apps.calendar.trash_tools",
    ),
    resources=RESOURCES,
    summary="Calendars and events, free/busy, the calendar trash bin.",
    index="nextcloud_mcp.apps.calendar.index",
)
