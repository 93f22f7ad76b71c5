"""The calendar events the semantic index holds (`core.indexing`): the VEVENT objects of the caller's calendars,
their own and those shared with them, versioned by the CalDAV `getetag`; an object id is `<calendar>/<event_id>`,
what `nc_calendar_get_event` takes.

Listing, checking and reading are shared with the tasks source (`listing.py`: one etag-only calendar-query per
calendar, the trash bin, deleted calendars, subscriptions and "Contact birthdays" left out); `text` GETs one
changed event. A recurring event is one object, indexed once (its master: summary, place, description, first start
and end, the rule). At most MAX_EVENTS events per user are indexed, the most recently changed ones. The VEVENT
comp-filter leaves tasks (VTODO) out: they are the tasks app's (apps/tasks/index.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from nextcloud_mcp.apps.calendar.listing import list_objects, newest, object_version, read_object
from nextcloud_mcp.core.errors import ProtocolError
from nextcloud_mcp.core.indexing import Indexable, Listing, Titled, Unindexable
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE", "event_text", "newest"]

MAX_EVENTS = 5000


def event_text(view: Mapping[str, object], calendar: str) -> str:
    """What is indexed of an event: its title, when (and how it repeats), where, which calendar, its description."""
    when = str(view.get("start") or "")
    if view.get("end"):
        when += f" to {view['end']}"
    lines = [
        str(view.get("title") or ""),
        f"When: {when}" + (f" (repeats: {view['rrule']})" if view.get("rrule") else ""),
    ]
    if view.get("location"):
        lines.append(f"Where: {view['location']}")
    lines.append(f"Calendar: {calendar}")
    description = str(view.get("description") or "").strip()
    return "\n".join(lines) + (f"\n\n{description}" if description else "")


class CalendarSource:
    app = "calendar"
    opens = "nc_calendar_get_event calendar={0} event_id={1}"

    async def objects(self, session: NextcloudSession) -> Listing:
        return await list_objects(session, "VEVENT", what="calendar", limit=MAX_EVENTS)

    async def text(self, session: NextcloudSession, item: Indexable) -> Titled | None:
        from nextcloud_mcp.apps.calendar.ical import event_view, master, parse_ics  # icalendar, on first use

        calendar, _, name = item.id.partition("/")
        obj = await read_object(session, item.id)
        if obj is None:
            return None
        try:
            view = event_view(master(parse_ics(obj.data, f"event {name!r}")))
        except ProtocolError as exc:
            raise Unindexable(exc.message) from exc
        return Titled(str(view.get("title") or name), event_text(view, str(item.hint or calendar)))

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        return await object_version(session, object_id)


SOURCE = CalendarSource()
