"""What the calendar and tasks sources of the semantic index share (`apps/calendar/index.py`,
`apps/tasks/index.py`): listing one component's objects of every calendar with their etags, checking one object's
etag, reading one object.

Listing is one calendar-query REPORT per calendar asking for `getetag` and `getlastmodified` only, no calendar-data
(RFC 4791 §7.8), so an unchanged calendar costs one request and no object is downloaded. Its filter is a bare
VCALENDAR → `component` comp-filter: Nextcloud answers it from the `componenttype` column without parsing any object
and needs no post-filter (nextcloud/server apps/dav/lib/CalDAV/CalDavBackend.php::calendarQuery), and it returns
objects of that component only, so a calendar holding both events and tasks gives its VEVENTs to the calendar source
and its VTODOs to the tasks source, never one object to both.

The calendars are those `CalendarClient.calendars(component)` lists (resourcetype `cal:calendar`, no
`nx:deleted-at`): the trash bin, deleted calendars and subscriptions are not among them. The "Contact birthdays"
calendar is skipped: Nextcloud generates it from the contacts (apps/dav/lib/CalDAV/BirthdayService.php), so it
holds no text of its own. At most `limit` objects are kept, the most recently changed ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from nextcloud_mcp.apps.calendar.access import BIRTHDAYS
from nextcloud_mcp.apps.calendar.client import CalObject, calendar_client
from nextcloud_mcp.core.caldav import NSDECL, DavResponse
from nextcloud_mcp.core.dav import D
from nextcloud_mcp.core.errors import Forbidden, InvalidInput, NextcloudError, NotFound
from nextcloud_mcp.core.indexing import Indexable, Listing
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["etags_query", "list_objects", "newest", "object_version", "read_object"]

_EPOCH = datetime.fromtimestamp(0, UTC)


def etags_query(component: str) -> str:
    """The calendar-query REPORT body listing the `component` objects' etags and modification times."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><c:calendar-query {NSDECL}><d:prop><d:getetag/><d:getlastmodified/>'
        f'</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="{component}"/></c:comp-filter>'
        "</c:filter></c:calendar-query>"
    )


def _modified(entry: DavResponse) -> datetime:
    raw = entry.text(f"{{{D}}}getlastmodified")
    try:
        return parsedate_to_datetime(raw) if raw else _EPOCH
    except (TypeError, ValueError):
        return _EPOCH


def newest(found: list[tuple[datetime, Indexable]], limit: int) -> list[Indexable]:
    """The `limit` most recently changed objects (ties keep the calendars' order)."""
    ranked = sorted(enumerate(found), key=lambda pair: (pair[1][0], -pair[0]), reverse=True)
    return [item for _, (_, item) in ranked[:limit]]


async def list_objects(session: NextcloudSession, component: str, *, what: str, limit: int) -> Listing:
    """The `component` objects of the caller's calendars, id `<calendar>/<object name>`, hint the calendar's display
    name. A calendar that cannot be listed is named in the errors (`what` says what it is) and keeps its objects;
    none listable at all raises `NextcloudError` (the index keeps everything)."""
    client = calendar_client(session)
    listing = Listing()
    found: list[tuple[datetime, Indexable]] = []
    query = etags_query(component)
    for info in await client.calendars(component):
        if info.name == BIRTHDAYS:
            continue
        try:
            entries = await client.dav.report(await client.collection_path(info.name), query)
        except NextcloudError as exc:
            listing.errors.append(f"{what} {info.name}: {exc}")
            listing.kept.append(f"{info.name}/")
            continue
        for entry in entries:
            if entry.href.endswith("/") or not entry.etag:
                continue
            oid = f"{info.name}/{entry.name}"
            found.append((_modified(entry), Indexable(oid, entry.etag, entry.name, info.display_name)))
    listing.items = {item.id: item for item in newest(found, limit)}
    return listing


async def read_object(session: NextcloudSession, object_id: str) -> CalObject | None:
    """The object `<calendar>/<name>`, or None when it is gone or no longer readable."""
    calendar, _, name = object_id.partition("/")
    try:
        return await calendar_client(session).get_object(calendar, name)
    except (NotFound, Forbidden):
        return None


async def object_version(session: NextcloudSession, object_id: str) -> str | None:
    """The current etag of `<calendar>/<name>` (one PROPFIND), None when the caller can no longer read it."""
    calendar, _, name = object_id.partition("/")
    client = calendar_client(session)
    try:
        entries = await client.dav.propfind(await client.object_path(calendar, name), "<d:getetag/>", depth=0)
    except (NotFound, Forbidden, InvalidInput):  # deleted, or the calendar is no longer shared with the caller
        return None
    return entries[0].etag if entries else None
