"""Calendar tools (`nc_calendar_*`): calendars, events with zones and recurrence, free/busy.

Times follow docs/calendar.md: offsets kept, naive times in `tz` or the user's zone (named in the
output), dates are all-day. Event logic is imported on first call (icalendar stays out of start-up).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.calendar.client import CalendarClient, CalendarInfo, calendar_client
from nextcloud_mcp.apps.calendar.common import default_zone
from nextcloud_mcp.apps.calendar.ical_time import UserZone, format_value, parse_instant, parse_time, zone
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import Item, ToolSpec, compact, session, tool

if TYPE_CHECKING:
    from nextcloud_mcp.apps.calendar.events import EventOps
    from nextcloud_mcp.apps.calendar.ical import EventFields

__all__ = ["TOOLS", "event_fields"]

Name = Annotated[str, Field(max_length=255)]  # checked by caldav.check_name
When = str  # checked by ical_time.parse_time
Zone = str
Scope = Literal["this", "following", "all"]
Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")]


class CalendarList(BaseModel):
    calendars: list[Item]
    tz: str
    tz_source: str


class CalendarResult(BaseModel):
    calendar: Item


class EventList(BaseModel):
    events: list[Item]
    start: str = ""
    end: str = ""
    truncated: bool = False


class EventChange(BaseModel):
    events: list[Item]


class EventResult(BaseModel):
    event: Item


class Done(BaseModel):
    name: str
    result: str


class FreeBusy(BaseModel):
    attendees: list[Item]
    suggested: list[str] | None
    tz: str


def _fmt(value: datetime, zone_name: str) -> str:
    return format_value(value.astimezone(zone(zone_name)))


async def _calendars(client: CalendarClient, calendar: str | None, component: str = "VEVENT") -> list[CalendarInfo]:
    if calendar is not None:
        return [await client.calendar(calendar, component=component)]
    return await client.calendars(component)


async def _default_calendar(client: CalendarClient, calendar: str | None, component: str = "VEVENT") -> str:
    if calendar is not None:
        return calendar
    usable = [c for c in await client.calendars(component) if not c.read_only]
    if not usable:
        raise InvalidInput(f"You have no writable calendar for {component}; create one first.")
    return sorted(usable, key=lambda c: c.name != "personal")[0].name


def _events(client: CalendarClient) -> EventOps:
    """Event operations on `client` (imports icalendar and recurring_ical_events on first use)."""
    from nextcloud_mcp.apps.calendar.events import EventOps

    return EventOps(client)


@tool(
    "nc_calendar_list_calendars",
    "List calendars",
    "List calendars (colour, components, read-only) and the zone used for times given without one.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_list_calendars(ctx: Context) -> CalendarList:
    client = calendar_client(session(ctx))
    zone = await default_zone(ctx, client)
    calendars = [compact(c) | {"read_only": c.read_only} for c in await client.calendars()]
    return CalendarList(calendars=calendars, tz=zone.name, tz_source=zone.source)


@tool("nc_calendar_create_calendar", "Create a calendar", "Create a calendar.", app="calendar", read_only=False)
async def calendar_create_calendar(
    ctx: Context,
    name: Name,
    display_name: Annotated[str, Field(min_length=1, max_length=255)],
    color: Color | None = None,
    components: list[Literal["VEVENT", "VTODO"]] = ["VEVENT"],  # noqa: B006 (pydantic copies defaults)
) -> CalendarResult:
    client = calendar_client(session(ctx))
    await client.create_calendar(name, display_name, color, list(components) or ["VEVENT"])
    return CalendarResult(calendar=compact(await client.calendar(name)))


@tool(
    "nc_calendar_update_calendar",
    "Update a calendar",
    "Rename or recolour a calendar.",
    app="calendar",
    read_only=False,
    idempotent=True,
)
async def calendar_update_calendar(
    ctx: Context,
    name: Name,
    display_name: Annotated[str | None, Field(max_length=255)] = None,
    color: Color | None = None,
) -> CalendarResult:
    client = calendar_client(session(ctx))
    await client.update_calendar(name, display_name, color)
    return CalendarResult(calendar=compact(await client.calendar(name)))


@tool(
    "nc_calendar_delete_calendar",
    "Delete a calendar",
    "Delete a calendar and all its events.",
    app="calendar",
    read_only=False,
    destructive=True,
)
async def calendar_delete_calendar(ctx: Context, name: Name) -> Done:
    await calendar_client(session(ctx)).delete_calendar(name)
    return Done(name=name, result="deleted")


async def _range(
    ctx: Context, client: CalendarClient, start: str | None, end: str | None, days: int
) -> tuple[UserZone, datetime, datetime]:
    zone = await default_zone(ctx, client)
    lo = parse_instant(start, zone, where="start") if start else datetime.now(UTC).replace(microsecond=0)
    hi = parse_instant(end, zone, where="end") if end else lo + timedelta(days=days)
    if hi <= lo:
        raise InvalidInput("end must be after start.")
    if hi - lo > timedelta(days=3700):
        raise InvalidInput("The range is longer than ten years; narrow it.")
    return zone, lo, hi


@tool(
    "nc_calendar_list_events",
    "List or search events",
    "Events in a range with repeats expanded; default now to +30 days, or ±1 year when query filters by text.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_list_events(
    ctx: Context,
    start: When | None = None,
    end: When | None = None,
    query: Annotated[str | None, Field(max_length=200)] = None,
    calendar: Name | None = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 100,
) -> EventList:
    client = calendar_client(session(ctx))
    if query and start is None:  # a search looks a year back (and, below, a year ahead) unless told otherwise
        start = (datetime.now(UTC) - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    zone, lo, hi = await _range(ctx, client, start, end, 730 if query and end is None else 30)
    events = await _events(client).in_range(await _calendars(client, calendar), lo, hi, query)
    return EventList(
        events=[compact(e) for e in events[:limit]],
        start=_fmt(lo, zone.name),
        end=_fmt(hi, zone.name),
        truncated=len(events) > limit,
    )


@tool(
    "nc_calendar_get_event",
    "Get an event",
    "Get an event (the series for a repeating one) with its etag.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_get_event(ctx: Context, calendar: Name, event_id: Name) -> EventResult:
    return EventResult(event=compact(await _events(calendar_client(session(ctx))).get(calendar, event_id)))


def event_fields(
    zone: UserZone,
    *,
    title: str | None = None,
    start: str | None = None,
    end: str | None = None,
    tz: str | None = None,
    location: str | None = None,
    description: str | None = None,
    attendees: list[str] | None = None,
    reminders: list[int] | None = None,
    rrule: str | None = None,
    organizer: str | None = None,
) -> tuple[EventFields, str]:
    """The `EventFields` for a create/update and the source of the zone used for naive times."""
    from nextcloud_mcp.apps.calendar.ical import EventFields

    for email in attendees or []:
        if not _EMAIL.match(email):
            raise InvalidInput(f"Attendee {email!r} is not an e-mail address.")
    if any(not 0 <= m <= 40320 for m in reminders or []):
        raise InvalidInput("reminders are minutes before the start, between 0 and 40320 (four weeks).")
    s = parse_time(start, tz, zone, where="start") if start else None
    e = parse_time(end, tz, zone, where="end") if end else None
    naive = any(v and "T" in v and not _has_offset(v) for v in (start, end))
    source = ("explicit" if tz else zone.source) if naive else "input"
    fields = EventFields(
        summary=title,
        start=s,
        end=e,
        location=location,
        description=description,
        attendees=attendees,
        reminders=reminders,
        rrule=rrule,
        organizer=organizer,
    )
    return fields, source


def _has_offset(value: str) -> bool:
    tail = value[10:]
    return tail.endswith(("Z", "z")) or "+" in tail or "-" in tail


Emails = list[str]
Reminders = list[int]
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s]+$")


async def _organizer(client: CalendarClient) -> str | None:
    homes = await client.dav.homes()
    mail = [a for a in homes.addresses if a.lower().startswith("mailto:")]
    return next(iter(mail or homes.addresses), None)


@tool(
    "nc_calendar_create_event",
    "Create an event",
    "Create an event. Times ISO 8601 (date = all-day, end exclusive); reminders in minutes; rrule e.g. FREQ=DAILY",
    app="calendar",
    read_only=False,
)
async def calendar_create_event(
    ctx: Context,
    title: Annotated[str, Field(min_length=1)],
    start: When,
    end: When | None = None,
    tz: Zone | None = None,
    calendar: Name | None = None,
    location: str | None = None,
    description: str | None = None,
    attendees: Emails | None = None,
    reminders: Reminders | None = None,
    rrule: str | None = None,
) -> EventResult:
    client = calendar_client(session(ctx))
    zone = await default_zone(ctx, client)
    fields, source = event_fields(
        zone,
        title=title,
        start=start,
        end=end,
        tz=tz,
        location=location,
        description=description,
        attendees=attendees,
        reminders=reminders,
        rrule=rrule,
        organizer=await _organizer(client) if attendees else None,
    )
    created = await _events(client).create(await _default_calendar(client, calendar), fields)
    return EventResult(event=compact(created) | {"tz_source": source})


@tool(
    "nc_calendar_update_event",
    "Update an event",
    "Change an event (etag-checked). Repeating: scope this/following needs recurrence_id from list_events.",
    app="calendar",
    read_only=False,
    destructive=True,
)
async def calendar_update_event(
    ctx: Context,
    calendar: Name,
    event_id: Name,
    etag: str | None = None,
    scope: Scope = "all",
    recurrence_id: When | None = None,
    title: str | None = None,
    start: When | None = None,
    end: When | None = None,
    tz: Zone | None = None,
    location: str | None = None,
    description: str | None = None,
    attendees: Emails | None = None,
    reminders: Reminders | None = None,
    rrule: str | None = None,
) -> EventChange:
    client = calendar_client(session(ctx))
    zone = await default_zone(ctx, client)
    organizer = await _organizer(client) if attendees else None
    sources: list[str] = []

    def make_fields(read_zone: UserZone) -> EventFields:
        fields, source = event_fields(
            read_zone,
            title=title,
            start=start,
            end=end,
            tz=tz,
            location=location,
            description=description,
            attendees=attendees,
            reminders=reminders,
            rrule=rrule,
            organizer=organizer,
        )
        sources.append(source)
        return fields

    changed = await _events(client).update(
        calendar, event_id, make_fields, etag=etag, scope=scope, recurrence_id=recurrence_id, user_zone=zone
    )
    source = sources[0] if sources else "input"
    return EventChange(events=[compact(e) | {"tz_source": source} for e in changed])


@tool(
    "nc_calendar_delete_event",
    "Delete an event",
    "Delete an event; for a repeating one, scope this/following with recurrence_id deletes instances.",
    app="calendar",
    read_only=False,
    destructive=True,
)
async def calendar_delete_event(
    ctx: Context,
    calendar: Name,
    event_id: Name,
    etag: str | None = None,
    scope: Scope = "all",
    recurrence_id: When | None = None,
) -> Done:
    client = calendar_client(session(ctx))
    zone = await default_zone(ctx, client)
    result = await _events(client).delete(
        calendar, event_id, etag=etag, scope=scope, recurrence_id=recurrence_id, user_zone=zone
    )
    return Done(name=event_id, result=result)


@tool(
    "nc_calendar_free_busy",
    "Free/busy and a meeting slot",
    "Busy times of users (ids or emails) and the first common free slot of duration minutes in working hours.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_free_busy(
    ctx: Context,
    attendees: Annotated[list[str], Field(min_length=1, max_length=50)],
    start: When,
    end: When,
    duration: Annotated[int, Field(ge=5, le=1440)] = 30,
    working_hours: str = "09:00-17:00",
) -> FreeBusy:
    from nextcloud_mcp.apps.calendar.scheduling import free_busy

    client = calendar_client(session(ctx))
    zone, lo, hi = await _range(ctx, client, start, end, 7)
    result = await free_busy(client, attendees, lo, hi, zone.name)
    return FreeBusy.model_validate(result.suggest(timedelta(minutes=duration), working_hours, zone.name, lo, hi))


TOOLS: list[ToolSpec] = [
    calendar_list_calendars,
    calendar_create_calendar,
    calendar_update_calendar,
    calendar_delete_calendar,
    calendar_list_events,
    calendar_get_event,
    calendar_create_event,
    calendar_update_event,
    calendar_delete_event,
    calendar_free_busy,
]
