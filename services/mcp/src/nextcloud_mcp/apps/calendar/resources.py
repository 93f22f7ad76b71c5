"""Calendars as MCP resources (`nextcloud://calendars/{calendar}/events{?start,end}`, declared in `__init__.py`):
the events of a time range as one iCalendar document, the event calendars for `resources/list`, and calendar
names for argument completion."""

from __future__ import annotations

from collections.abc import Mapping

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.calendar import EVENTS
from nextcloud_mcp.apps.calendar.client import CalendarInfo, CalObject, calendar_client
from nextcloud_mcp.apps.calendar.common import time_range
from nextcloud_mcp.core.errors import ProtocolError
from nextcloud_mcp.core.resource import LISTED_PER_APP, Listed
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.core.tool import session

__all__ = ["calendars", "event_calendars", "names", "read_events"]

DAYS = 30  # the default range, as nc_calendar_list_events


async def read_events(ctx: Context, calendar: str, start: str | None = None, end: str | None = None) -> str:
    """Every event overlapping [start, end): the stored objects (a repeating event whole, with its rule), merged
    into one VCALENDAR with each time zone once."""
    client = calendar_client(session(ctx))
    info = await client.calendar(calendar, component="VEVENT")
    _, lo, hi = await time_range(ctx, client, start, end, DAYS)
    return _merged(info, await client.query(info.name, "VEVENT", lo, hi))


def _merged(info: CalendarInfo, objects: list[CalObject]) -> str:
    from nextcloud_mcp.apps.calendar.ical import new_calendar, parse_ics, serialize

    cal = new_calendar()
    cal.add("x-wr-calname", info.display_name)
    zones: set[str] = set()
    for obj in objects:
        try:
            parsed = parse_ics(obj.data, f"event {obj.name}")
        except ProtocolError:  # as nc_calendar_list_events: an object Nextcloud stored broken is left out
            continue
        for comp in parsed.subcomponents:
            if comp.name == "VTIMEZONE":
                tzid = str(comp.get("TZID"))
                if tzid in zones:
                    continue
                zones.add(tzid)
            cal.add_component(comp)
    return serialize(cal).decode()


async def event_calendars(session: NextcloudSession) -> list[Listed]:
    """The calendars holding events, each as its next 30 days."""
    infos = await calendar_client(session).calendars("VEVENT")
    return [
        Listed(
            uri=EVENTS.uri(calendar=info.name),
            name=info.display_name,
            title=f"{info.display_name}: the next {DAYS} days",
            description=f"Events of the next {DAYS} days; add ?start=…&end=… for another range",
            mime_type=EVENTS.mime_type,
        )
        for info in infos[:LISTED_PER_APP]
    ]


async def calendars(session: NextcloudSession, prefix: str, context: Mapping[str, str]) -> list[str]:
    """Event calendars by name and by display name."""
    return names(await calendar_client(session).calendars("VEVENT"))


def names(infos: list[CalendarInfo]) -> list[str]:
    """Display names and names, each once (case-insensitively); both name a calendar in the tools."""
    seen: dict[str, str] = {}
    for info in infos:
        for value in (info.display_name, info.name):
            seen.setdefault(value.casefold(), value)
    return list(seen.values())
