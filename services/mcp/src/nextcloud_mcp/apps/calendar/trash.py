"""The calendar trash bin (Nextcloud >= 22) over CalDAV: deleted events, tasks and calendars.

Deleting an object or a calendar is soft there (nextcloud/server apps/dav/lib/CalDAV/CalDavBackend.php
`deleteCalendarObject`, `deleteCalendar`). The trash bin is the home's child `trashbin/`
(apps/dav/lib/CalDAV/Trashbin/TrashbinHome.php, `nx:trash-bin`, `nx:trash-bin-retention-duration` in seconds):

- deleted objects: a `calendar-query` REPORT (Depth 1) on `trashbin/objects/` lists them all, whatever the filter
  (Trashbin/DeletedCalendarObjectsCollection.php `calendarQuery`), as `<id>.ics` with `nx:calendar-uri` and
  `nx:deleted-at`; objects of a deleted calendar are not listed (`getDeletedCalendarObjectsByPrincipal`);
- deleted calendars stay children of the home, typed `nx:deleted-calendar`, with `nx:deleted-at`;
- restore: MOVE the object or the calendar to `trashbin/restore/<any>` (Trashbin/RestoreTarget.php, as the Calendar
  app's cdav-library `CalendarTrashBin.restore` does); an object goes back under its old name, which must be free
  (`restoreCalendarObject`: Forbidden "... already exists");
- delete for good: DELETE the trashed object (DeletedCalendarObject.php `delete` forces it), or DELETE the deleted
  calendar with `X-NC-CalDAV-No-Trashbin: 1` (Trashbin/Plugin.php `beforeMethod`; without it the calendar is only
  marked deleted again).

Entries older than the retention are purged by Nextcloud (RetentionService `cleanUp`); `expires` says when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from nextcloud_mcp.apps.calendar.client import CalendarClient
from nextcloud_mcp.apps.calendar.dav import sabre_message, uids_of
from nextcloud_mcp.core.caldav import CAL, NCAL, NSDECL, DavResponse, check_name
from nextcloud_mcp.core.contract import iso
from nextcloud_mcp.core.dav import D
from nextcloud_mcp.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ProtocolError

__all__ = ["TrashClient", "TrashEntry"]

_HOME_PROPS = (
    "<d:resourcetype/><d:displayname/><nx:deleted-at/><nx:trash-bin-retention-duration/>"
    "<c:supported-calendar-component-set/>"
)
_QUERY = (
    f'<?xml version="1.0" encoding="UTF-8"?><c:calendar-query {NSDECL}><d:prop><d:getetag/><c:calendar-data/>'
    '<nx:calendar-uri/><nx:deleted-at/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter>'
    "</c:calendar-query>"
)
_KINDS = {"VEVENT": "event", "VTODO": "task", "VJOURNAL": "journal"}
_LIST = "nc_calendar_list_trash"
_NO_TRASH = (
    "This Nextcloud has no calendar trash bin (it came with Nextcloud 22): deleted events, tasks and calendars "
    "are gone for good."
)


@dataclass
class TrashEntry:
    """One deleted object (`name` = `<id>.ics`) or deleted calendar (`name` = its name)."""

    name: str
    kind: str  # event, task, journal or calendar
    calendar: str
    title: str
    uid: str | None
    start: str | None
    due: str | None
    deleted: str | None
    expires: str | None
    path: str  # request path of the trashed node

    def item(self) -> dict[str, Any]:
        """The list item shown to the model (every key, docs/calendar.md "Output items")."""
        keys = ("name", "kind", "calendar", "title", "uid", "start", "due", "deleted", "expires")
        return {key: getattr(self, key) for key in keys}


def _when(text: str | None) -> datetime | None:
    """`nx:deleted-at`: ATOM for objects and calendars (Trashbin/Plugin.php, Calendar.php); a Unix time from
    servers that send the raw column."""
    value = (text or "").strip()
    try:
        return datetime.fromtimestamp(int(value), UTC) if value.isdigit() else datetime.fromisoformat(value)
    except ValueError:
        return None


def _expiry(deleted: datetime | None, retention: int | None) -> str | None:
    return iso(deleted + timedelta(seconds=retention)) if deleted is not None and retention else None


def _summary(data: bytes) -> tuple[str, str, str | None, str | None]:
    """(kind, title, start, due) of a trashed object; unreadable data gives what it can."""
    from nextcloud_mcp.apps.calendar.ical import parse_ics, prop_dt, text
    from nextcloud_mcp.apps.calendar.ical_time import format_value

    try:
        cal = parse_ics(data, "deleted item")
        comp = next(c for c in cal.subcomponents if c.name in _KINDS)
        start, due = prop_dt(comp, "DTSTART"), prop_dt(comp, "DUE")
    except (ProtocolError, StopIteration):
        return "event", "", None, None
    return (
        _KINDS.get(str(comp.name), "event"),
        text(comp, "SUMMARY") or "",
        format_value(start) if start is not None else None,
        format_value(due) if due is not None else None,
    )


class TrashClient:
    """The caller's calendar trash bin, over the calendar client's DAV connection."""

    def __init__(self, calendar: CalendarClient) -> None:
        self._cal = calendar

    @property
    def calendar(self) -> CalendarClient:
        return self._cal

    async def entries(self) -> list[TrashEntry]:
        """Deleted calendars and objects, most recently deleted first."""
        home = await self._cal.home()
        listing = await self._cal.dav.propfind(home, _HOME_PROPS, depth=1)
        trash = next((e for e in listing if _typed(e, "trash-bin")), None)
        if trash is None:
            raise NotFound(_NO_TRASH)
        retention = _int(trash.text(f"{{{NCAL}}}trash-bin-retention-duration"))
        out = [self._calendar_entry(e, retention) for e in listing if _is_deleted_calendar(e)]
        path = quote(trash.href.rstrip("/") + "/objects/")
        for entry in await self._cal.dav.report(path, _QUERY):
            data = entry.text(f"{{{CAL}}}calendar-data")
            kind, title, start, due = _summary(data.encode()) if data else ("event", "", None, None)
            deleted = _when(entry.text(f"{{{NCAL}}}deleted-at"))
            uids = sorted(uids_of(data.encode())) if data else []
            out.append(
                TrashEntry(
                    name=entry.name,
                    kind=kind,
                    calendar=entry.text(f"{{{NCAL}}}calendar-uri") or "",
                    title=title,
                    uid=uids[0] if uids else None,
                    start=start,
                    due=due,
                    deleted=iso(deleted),
                    expires=_expiry(deleted, retention),
                    path=quote(entry.href),
                )
            )
        out.sort(key=lambda e: e.deleted or "", reverse=True)
        return out

    @staticmethod
    def _calendar_entry(entry: DavResponse, retention: int | None) -> TrashEntry:
        deleted = _when(entry.text(f"{{{NCAL}}}deleted-at"))
        return TrashEntry(
            name=entry.name,
            kind="calendar",
            calendar=entry.name,
            title=entry.text(f"{{{D}}}displayname") or entry.name,
            uid=None,
            start=None,
            due=None,
            deleted=iso(deleted),
            expires=_expiry(deleted, retention),
            path=quote(entry.href.rstrip("/") + "/"),
        )

    async def find(self, ref: str) -> TrashEntry:
        """A trash entry by its name, else a deleted calendar by display name or an object by UID (unique)."""
        entries = await self.entries()
        hits = [e for e in entries if e.name == ref] or [
            e
            for e in entries
            if (e.kind == "calendar" and e.title.casefold() == ref.strip().casefold()) or (e.uid and e.uid == ref)
        ]
        if len(hits) == 1:
            return hits[0]
        if hits:
            names = ", ".join(f"{e.name} ({e.kind} {e.title!r})" for e in hits)
            raise InvalidInput(f"Several trash entries match {ref!r}: {names}. Pass one name from {_LIST}.")
        shown = ", ".join(f"{e.name} ({e.kind} {e.title!r})" for e in entries[:20]) or "none, the trash is empty"
        raise NotFound(f"Nothing named {ref!r} is in the calendar trash; its entries: {shown}. See {_LIST}.")

    async def restore(self, entry: TrashEntry) -> None:
        """MOVE to `trashbin/restore/…`: 201 (sabre-io/dav CorePlugin::httpMove)."""
        home = await self._cal.home()
        target = f"{self._cal.dav.base_url}{home}trashbin/restore/{quote(check_name(entry.name, 'Name'), safe='')}"
        response = await self._cal.objects.send(
            "MOVE", entry.path, headers={"Destination": target, "Overwrite": "F"}, ok=(403,), hint=_hint()
        )
        if response.status_code == 403:
            message = (sabre_message(response.content) or "").rstrip(".")
            if "already exists" in message:
                raise Conflict(
                    f"The {entry.kind} cannot go back to {entry.calendar!r}: Nextcloud says {message!r} (its old "
                    "file name is taken by another item). Delete or rename that item, then restore again.",
                    method="MOVE",
                    path=entry.path,
                    status=403,
                )
            raise Forbidden(
                f"Nextcloud refused to restore {entry.name!r}: {message or 'not allowed'}. {_hint()}",
                method="MOVE",
                path=entry.path,
                status=403,
            )

    async def purge(self, entry: TrashEntry) -> None:
        """Delete for good: the trashed object, or the deleted calendar with `X-NC-CalDAV-No-Trashbin: 1`."""
        headers = {"X-NC-CalDAV-No-Trashbin": "1"} if entry.kind == "calendar" else None
        await self._cal.objects.send("DELETE", entry.path, headers=headers, hint=_hint())


def _hint() -> str:
    return f"Nothing was changed; check the trash with {_LIST}."


def _typed(entry: DavResponse, name: str) -> bool:
    rtype = entry.props.get(f"{{{D}}}resourcetype")
    return rtype is not None and rtype.find(f"{{{NCAL}}}{name}") is not None


def _is_deleted_calendar(entry: DavResponse) -> bool:
    """A home child in the trash: typed `nx:deleted-calendar`, or (defensively) a calendar with `nx:deleted-at`."""
    if _typed(entry, "deleted-calendar"):
        return True
    rtype = entry.props.get(f"{{{D}}}resourcetype")
    calendar = rtype is not None and rtype.find(f"{{{CAL}}}calendar") is not None
    return calendar and bool(entry.text(f"{{{NCAL}}}deleted-at"))


def _int(text: str | None) -> int | None:
    try:
        return int(text.strip()) if text else None
    except ValueError:
        return None
