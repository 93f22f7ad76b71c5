"""Event tools (`nc_calendar_*_event(s)`): list/search with repeats expanded, get, create, scoped update/delete.

Times follow docs/calendar.md: offsets kept, naive times in `tz` or the user's zone (named in the output),
dates are all-day. An event is named by its resource name (`event_id`) or its UID. create and update return
the object get returns; an update of a repeating event returns the object that carries the change (the series,
the instance for scope `this`, the new series for `following`). Event logic is imported on first call
(icalendar stays out of start-up).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.calendar.client import CalendarClient, calendar_client
from nextcloud_mcp.apps.calendar.common import default_zone, time_range
from nextcloud_mcp.apps.calendar.ical_time import UserZone, parse_time
from nextcloud_mcp.apps.calendar.params import CalendarRef, Emails, EventRef, IfEtag, Obj, Reminders, Scope, Zone
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, require_etag
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

if TYPE_CHECKING:
    from nextcloud_mcp.apps.calendar.events import EventOps
    from nextcloud_mcp.apps.calendar.ical import EventFields

__all__ = ["TOOLS", "event_fields"]

Title = Annotated[str | None, Field(max_length=1000, description="Event title.")]
Location = Annotated[str | None, Field(max_length=1000, description="Location.")]
Notes = Annotated[str | None, Field(max_length=100000, description="Notes.")]
When = Annotated[str | None, Field(max_length=40)]
RecurrenceId = Annotated[
    str | None, Field(max_length=40, description="Instance's recurrence_id (nc_calendar_list_events).")
]
_START = "2026-07-01T09:00 (naive: tz or your zone), with Z/+02:00, or a date (all-day)."
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s]+$")
_CURSOR = re.compile(r"^(\d+):(\d+):(\d+)$")


class EventDeleted(BaseModel):
    event_id: str
    result: str


def _events(client: CalendarClient) -> EventOps:
    """Event operations on `client` (imports icalendar and recurring_ical_events on first use)."""
    from nextcloud_mcp.apps.calendar.events import EventOps

    return EventOps(client)


async def _default_calendar(client: CalendarClient, calendar: str | None) -> str:
    """The calendar a new event goes to: the one named, else the user's default calendar (the principal's
    `schedule-default-calendar-URL`, nextcloud/server apps/dav/lib/CalDAV/Schedule/Plugin.php
    propFindDefaultCalendarUrl: the `defaultCalendar` setting, else `personal`), else `personal`, else the only
    writable one; never the first of the listing, which is an accident of ordering."""
    if calendar is not None:
        return calendar
    usable = [c for c in await client.calendars("VEVENT") if not c.read_only]
    if not usable:
        raise InvalidInput("You have no writable calendar for events; create one with nc_calendar_create_calendar.")
    default = (await client.dav.homes()).default_calendar
    for wanted in (default, "personal"):
        if wanted and any(c.name == wanted for c in usable):
            return wanted
    if len(usable) == 1:
        return usable[0].name
    names = ", ".join(f"{c.name} ({c.display_name})" for c in usable)
    raise InvalidInput(f"You have no default calendar; pass calendar, one of: {names} (nc_calendar_list_calendars).")


def _cursor(cursor: str) -> tuple[int, datetime, datetime]:
    """A cursor of this tool: the offset and the range of the first page (so "now" does not move between pages)."""
    match = _CURSOR.match(cursor)
    if not match:
        raise InvalidInput(f"cursor {cursor!r} is not a next_cursor this tool returned; omit it to start over.")
    offset, lo, hi = (int(g) for g in match.groups())
    return offset, datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)


@tool(
    "nc_calendar_list_events",
    "List or search events",
    "Events in a range, repeats expanded; query searches their text.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_list_events(
    ctx: Context,
    start: Annotated[When, Field(description="Range start (ISO 8601 or date); default now.")] = None,
    end: Annotated[When, Field(description="Range end; default +30 days (search: ±1 year).")] = None,
    query: Annotated[str | None, Field(max_length=200, description="Text in title, location or description.")] = None,
    calendar: Annotated[
        str | None, Field(max_length=255, description="Only this calendar (name or display name).")
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Item]:
    client = calendar_client(session(ctx))
    if cursor:
        offset, lo, hi = _cursor(cursor)
    else:
        if query and start is None:  # a search looks a year back (and, below, a year ahead) unless told otherwise
            start = (datetime.now(UTC) - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
        _, lo, hi = await time_range(ctx, client, start, end, 730 if query and end is None else 30)
        offset = 0
    calendars = (
        [await client.calendar(calendar, component="VEVENT")] if calendar is not None else await client.calendars()
    )
    events = await _events(client).in_range([c for c in calendars if "VEVENT" in c.components], lo, hi, query)
    chunk = events[offset : offset + limit]
    more = offset + len(chunk) < len(events)
    return Page[Item](
        items=[e.model_dump(exclude={"tz_source"}) for e in chunk],
        next_cursor=f"{offset + len(chunk)}:{int(lo.timestamp())}:{int(hi.timestamp())}" if more else None,
        total=len(events),
    )


@tool(
    "nc_calendar_get_event",
    "Get an event",
    "Get an event (a repeating one as its series) with its etag.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_get_event(ctx: Context, calendar: CalendarRef, event_id: EventRef) -> Obj:
    event = await _events(calendar_client(session(ctx))).get(calendar, event_id)
    return Obj.model_validate(event.model_dump())


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


async def _organizer(client: CalendarClient) -> str | None:
    homes = await client.dav.homes()
    mail = [a for a in homes.addresses if a.lower().startswith("mailto:")]
    return next(iter(mail or homes.addresses), None)


@tool(
    "nc_calendar_create_event",
    "Create an event",
    "Create an event; a date start makes it all-day.",
    app="calendar",
    read_only=False,
)
async def calendar_create_event(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, max_length=1000, description="Event title.")],
    start: Annotated[str, Field(max_length=40, description=_START)],
    end: Annotated[When, Field(description="Exclusive end, like start; default 1 hour (1 day for a date).")] = None,
    tz: Zone = None,
    calendar: Annotated[
        str | None,
        Field(max_length=255, description="Calendar name or display name; default: your default one (personal)."),
    ] = None,
    location: Location = None,
    description: Notes = None,
    attendees: Emails = None,
    reminders: Reminders = None,
    rrule: Annotated[str | None, Field(max_length=500, description="RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")] = None,
) -> Obj:
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
    return Obj.model_validate(created.model_dump() | {"tz_source": source})


@tool(
    "nc_calendar_update_event",
    "Update an event",
    "Change an event; returns it, its changed instance (this) or the new series (following).",
    app="calendar",
    read_only=False,
    destructive=True,
)
async def calendar_update_event(
    ctx: Context,
    calendar: CalendarRef,
    event_id: EventRef,
    etag: Etag = None,
    force: Force = False,
    scope: Scope = "all",
    recurrence_id: RecurrenceId = None,
    title: Title = None,
    start: Annotated[When, Field(description="New start (naive: in the event's zone).")] = None,
    end: Annotated[When, Field(description="New end; default: same duration.")] = None,
    tz: Zone = None,
    location: Location = None,
    description: Notes = None,
    attendees: Emails = None,
    reminders: Reminders = None,
    rrule: Annotated[str | None, Field(max_length=500, description="RRULE; '' stops repeating.")] = None,
) -> Obj:
    require_etag(etag, force, what="event", get_tool="nc_calendar_get_event")
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
    return Obj.model_validate(changed.model_dump() | {"tz_source": sources[0] if sources else "input"})


@tool(
    "nc_calendar_delete_event",
    "Delete an event",
    "Delete an event (kept in nc_calendar_list_trash) or, by scope, instances of a repeating one.",
    app="calendar",
    read_only=False,
    destructive=True,
)
async def calendar_delete_event(
    ctx: Context,
    calendar: CalendarRef,
    event_id: EventRef,
    etag: IfEtag = None,
    scope: Scope = "all",
    recurrence_id: RecurrenceId = None,
) -> EventDeleted:
    client = calendar_client(session(ctx))
    zone = await default_zone(ctx, client)
    name, result = await _events(client).delete(
        calendar, event_id, etag=etag, scope=scope, recurrence_id=recurrence_id, user_zone=zone
    )
    return EventDeleted(event_id=name, result=result)


TOOLS: list[ToolSpec] = [
    calendar_list_events,
    calendar_get_event,
    calendar_create_event,
    calendar_update_event,
    calendar_delete_event,
]
