"""The calendar events the semantic index holds (`core.indexing`): the VEVENT objects of the caller's calendars,
their own and those shared with them, versioned by the CalDAV `getetag`; an object id is `<calendar>/<event_id>`,
what `nc_calendar_get_event` takes.

Listing is one calendar-query REPORT per calendar asking for `getetag` and `getlastmodified` only, no
calendar-data (RFC 4791 §7.8), so an unchanged calendar costs one request and no event is downloaded; its bare
VEVENT comp-filter needs no post-filter, so Nextcloud answers it from the `componenttype` column without parsing
any object (nextcloud/server apps/dav/lib/CalDAV/CalDavBackend.php::calendarQuery). `text` GETs one changed event.

The calendars are those `CalendarClient.calendars` lists (resourcetype `cal:calendar`, no `nx:deleted-at`): the
trash bin, deleted calendars and subscriptions are not among them. The "Contact birthdays" calendar is skipped:
Nextcloud generates it from the contacts (apps/dav/lib/CalDAV/BirthdayService.php), so it holds no text of its own.
A recurring event is one object, indexed once (its master: summary, place, description, first start and end, the
rule). At most MAX_EVENTS events per user are indexed, the most recently changed ones. Tasks (VTODO) are not
indexed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from nextcloud_mcp.apps.calendar.access import BIRTHDAYS
from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.core.caldav import NSDECL, DavResponse
from nextcloud_mcp.core.dav import D
from nextcloud_mcp.core.errors import Forbidden, InvalidInput, NextcloudError, NotFound, ProtocolError
from nextcloud_mcp.core.indexing import Indexable, Listing, Titled, Unindexable
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE", "event_text", "newest"]

MAX_EVENTS = 5000
_ETAGS = (
    f'<?xml version="1.0" encoding="UTF-8"?><c:calendar-query {NSDECL}><d:prop><d:getetag/><d:getlastmodified/>'
    '</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter>'
    "</c:calendar-query>"
)
_EPOCH = datetime.fromtimestamp(0, UTC)


def _modified(entry: DavResponse) -> datetime:
    raw = entry.text(f"{{{D}}}getlastmodified")
    try:
        return parsedate_to_datetime(raw) if raw else _EPOCH
    except (TypeError, ValueError):
        return _EPOCH


def newest(found: list[tuple[datetime, Indexable]], limit: int) -> list[Indexable]:
    """The `limit` most recently changed events (ties keep the calendars' order)."""
    ranked = sorted(enumerate(found), key=lambda pair: (pair[1][0], -pair[0]), reverse=True)
    return [item for _, (_, item) in ranked[:limit]]


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
        client = calendar_client(session)
        listing = Listing()
        found: list[tuple[datetime, Indexable]] = []
        for info in await client.calendars("VEVENT"):  # none listable: NextcloudError, the index keeps all
            if info.name == BIRTHDAYS:
                continue
            try:
                entries = await client.dav.report(await client.collection_path(info.name), _ETAGS)
            except NextcloudError as exc:
                listing.errors.append(f"calendar {info.name}: {exc}")
                listing.kept.append(f"{info.name}/")
                continue
            for entry in entries:
                if entry.href.endswith("/") or not entry.etag:
                    continue
                oid = f"{info.name}/{entry.name}"
                found.append((_modified(entry), Indexable(oid, entry.etag, entry.name, info.display_name)))
        listing.items = {item.id: item for item in newest(found, MAX_EVENTS)}
        return listing

    async def text(self, session: NextcloudSession, item: Indexable) -> Titled | None:
        from nextcloud_mcp.apps.calendar.ical import event_view, master, parse_ics  # icalendar, on first use

        calendar, _, name = item.id.partition("/")
        try:
            obj = await calendar_client(session).get_object(calendar, name)
        except (NotFound, Forbidden):
            return None
        try:
            view = event_view(master(parse_ics(obj.data, f"event {name!r}")))
        except ProtocolError as exc:
            raise Unindexable(exc.message) from exc
        title = str(view.get("title") or name)
        return Titled(title, event_text(view, str(item.hint or calendar)))

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        calendar, _, name = object_id.partition("/")
        client = calendar_client(session)
        try:
            entries = await client.dav.propfind(await client.object_path(calendar, name), "<d:getetag/>", depth=0)
        except (NotFound, Forbidden, InvalidInput):  # deleted, or the calendar is no longer shared with the caller
            return None
        return entries[0].etag if entries else None


SOURCE = CalendarSource()
