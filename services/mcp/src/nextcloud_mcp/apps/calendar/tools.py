"""Calendar tools (`nc_calendar_*`) for calendars and free/busy; the event tools are in `event_tools.py`.

A calendar is named by its id (`personal`) or its display name (`Personal`, any case); an unknown name is
refused with the valid ones. A calendar's `etag` is its ctag: Sabre has no If-Match for collections, so
`nc_calendar_update_calendar` compares the ctag read just before its PROPPATCH (see `client.update_calendar`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.apps.calendar.common import time_range
from nextcloud_mcp.apps.calendar.params import CalendarRef, Color, Obj
from nextcloud_mcp.core.caldav import NSDECL
from nextcloud_mcp.core.confirm import Confirm, Confirmation, Deletion, Loss, confirmed, count
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.partial import after_write
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

_WHEN = "Range start, ISO 8601 or date (naive: your zone)."


class FreeBusy(BaseModel):
    attendees: list[Item]
    suggested: list[str] | None
    tz: str


@tool(
    "nc_calendar_list_calendars",
    "List calendars",
    "List your calendars (own and shared) with their etag.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_list_calendars(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Item]:
    infos = await calendar_client(session(ctx)).calendars()
    return page([info.model_dump() for info in infos], limit, cursor)


@tool("nc_calendar_create_calendar", "Create a calendar", "Create a calendar.", app="calendar", read_only=False)
async def calendar_create_calendar(
    ctx: Context,
    name: Annotated[str, Field(max_length=255, description="New id, e.g. work.")],
    display_name: Annotated[str, Field(min_length=1, max_length=255, description="Name shown, e.g. Work.")],
    color: Color = None,
    components: Annotated[
        list[Literal["VEVENT", "VTODO"]],
        Field(min_length=1, description="VEVENT: events, VTODO: tasks."),
    ] = ["VEVENT"],  # noqa: B006 (pydantic copies defaults)
) -> Obj:
    client = calendar_client(session(ctx))
    await client.create_calendar(name, display_name, color, sorted(set(components)))
    try:
        return Obj.model_validate((await client.calendar(name)).model_dump())
    except NextcloudError as exc:
        raise after_write(
            exc,
            f"The calendar {name!r} was created, but reading it back failed:",
            "It exists; do not create it again. See it with nc_calendar_list_calendars.",
        ) from None


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
    calendar: CalendarRef,
    etag: Etag = None,
    force: Force = False,
    display_name: Annotated[str | None, Field(min_length=1, max_length=255, description="New display name.")] = None,
    color: Color = None,
) -> Obj:
    require_etag(etag, force, what="calendar", get_tool="nc_calendar_list_calendars")
    info = await calendar_client(session(ctx)).update_calendar(calendar, display_name, color, etag)
    return Obj.model_validate(info.model_dump())


_ITEMS = {"VEVENT": ("event", "events"), "VTODO": ("task", "tasks"), "VJOURNAL": ("journal entry", "journal entries")}


async def _calendar_loss(ctx: Context, calendar: str) -> Loss:
    """The calendar and how many items of each kind it holds (a calendar-query for etags only, no data)."""
    client = calendar_client(session(ctx))
    info = await client.calendar(calendar)
    path, contents = await client.collection_path(info.name), []
    for component in info.components:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><c:calendar-query {NSDECL}><d:prop><d:getetag/></d:prop>'
            f'<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="{component}"/></c:comp-filter>'
            "</c:filter></c:calendar-query>"
        )
        noun, plural = _ITEMS.get(component, (component, f"{component} items"))
        contents.append(count(len(await client.dav.report(path, body)), noun, plural))
    return Loss(
        f"the calendar {info.display_name!r} ({info.name})",
        tuple(contents),
        undo="Nextcloud keeps deleted calendars in its trash bin for a while (the Calendar app restores them).",
    )


_CONFIRM_CALENDAR = confirmed("nc_calendar_delete_calendar", _calendar_loss)


@tool(
    "nc_calendar_delete_calendar",
    "Delete a calendar",
    "Delete a calendar and its events (kept in nc_calendar_list_trash).",
    app="calendar",
    read_only=False,
    destructive=True,
)
async def calendar_delete_calendar(
    ctx: Context,
    calendar: CalendarRef,
    confirmation: Annotated[Confirmation, _CONFIRM_CALENDAR],
    confirm: Confirm = False,
) -> Deletion:
    done = confirmation.require(confirm)
    await calendar_client(session(ctx)).delete_calendar(calendar)
    return done


@tool(
    "nc_calendar_get_free_busy",
    "Free/busy",
    "Busy times of users and the first slot in which all are free.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_get_free_busy(
    ctx: Context,
    attendees: Annotated[
        list[str],
        Field(min_length=1, max_length=50, description="User ids, display names or e-mail addresses."),
    ],
    start: Annotated[str, Field(max_length=40, description=_WHEN)],
    end: Annotated[str, Field(max_length=40, description="Range end.")],
    duration: Annotated[int, Field(ge=5, le=1440, description="Slot minutes.")] = 30,
    working_hours: Annotated[
        str, Field(max_length=20, description="Local slot hours, Mon-Fri, e.g. 09:00-17:00.")
    ] = "09:00-17:00",
) -> FreeBusy:
    from nextcloud_mcp.apps.calendar.scheduling import free_busy

    client = calendar_client(session(ctx))
    zone, lo, hi = await time_range(ctx, client, start, end, 7)
    result = await free_busy(client, attendees, lo, hi, zone.name)
    return FreeBusy.model_validate(result.suggest(timedelta(minutes=duration), working_hours, zone.name, lo, hi))


TOOLS: list[ToolSpec] = [
    calendar_list_calendars,
    calendar_create_calendar,
    calendar_update_calendar,
    calendar_delete_calendar,
    calendar_get_free_busy,
]
