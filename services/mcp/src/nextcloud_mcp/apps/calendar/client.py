"""Calendars over CalDAV (RFC 4791): collections, objects, and the user's default zone.

Collections are the children of the discovered `calendar-home-set` whose `resourcetype` has `cal:calendar` and
that have no `nx:deleted-at` (nextcloud/server apps/dav/lib/CalDAV/CalendarHome.php also lists inbox, outbox,
trashbin, subscriptions and deleted calendars, typed `nx:deleted-calendar` by CalDavBackend::addResourceTypeToCalendar
and listed by `trash.py`). Read-only comes from `current-user-privilege-set` (RFC 3744 §5.4; shared read-only
calendars lack `d:write-content`). Event logic (icalendar) lives in `events.py`, imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx2
from pydantic import BaseModel

from nextcloud_mcp.apps.calendar.access import as_seen_by, read_only_error
from nextcloud_mcp.apps.calendar.dav import (
    ObjectDav,
    failed_props,
    response_etag,
    sabre_message,
    schedule_response,
    uids_of,
)
from nextcloud_mcp.apps.calendar.ical_time import UserZone, zone
from nextcloud_mcp.apps.calendar.refs import is_name, match
from nextcloud_mcp.core.caldav import CAL, CS, ICAL, NCAL, NSDECL, DavClient, DavResponse, check_name, require
from nextcloud_mcp.core.dav import OC, D
from nextcloud_mcp.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidInput,
    NextcloudError,
    NotFound,
    ProtocolError,
)
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.partial import after_write
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["CalObject", "CalendarClient", "CalendarInfo", "EventInfo", "calendar_client", "ical_stamp"]

_COLLECTION_PROPS = (
    "<d:resourcetype/><d:displayname/><x1:calendar-color/><c:supported-calendar-component-set/>"
    "<d:current-user-privilege-set/><cs:getctag/><c:calendar-timezone/><oc:owner-principal/><nx:deleted-at/>"
    "<nx:owner-displayname/>"
)
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_WRITE = frozenset({f"{{{D}}}write", f"{{{D}}}write-content", f"{{{D}}}all"})
_XML = {"Content-Type": "application/xml; charset=utf-8"}
_LISTER = {False: "nc_calendar_list_calendars", True: "nc_tasks_list_tasklists"}
_CHECK = "Nothing was changed; check the calendar with nc_calendar_list_calendars."
_SAVED = "It is saved; do not send it again. Read it with nc_calendar_get_event or nc_tasks_get_task (that id)."


class CalendarInfo(BaseModel):
    """A calendar collection as shown to the model; `etag` is its ctag (changes with any change in it)."""

    name: str  # the collection's URI segment (e.g. `personal`)
    display_name: str
    color: str | None = None
    components: list[str]
    read_only: bool
    timezone: str | None = None
    owner: str | None = None  # the sharer's user id; null for your own calendars
    owner_name: str | None = None
    etag: str | None = None


class EventInfo(BaseModel):
    """One event or one instance of a recurring event; times carry their offset, `tz` names the zone."""

    calendar: str
    event_id: str  # the resource name in the calendar
    etag: str | None = None
    uid: str
    title: str
    start: str
    end: str | None = None
    all_day: bool
    tz: str  # IANA zone, UTC, floating or date
    location: str | None = None
    description: str | None = None
    status: str | None = None
    attendees: list[str] = []
    reminders: list[int] = []  # minutes before the start
    rrule: str | None = None
    recurring: bool = False
    recurrence_id: str | None = None
    tz_source: str | None = None  # where the zone of a naive input came from (write results only)


@dataclass
class CalObject:
    """One calendar resource (`.ics`) with its etag."""

    calendar: str
    name: str
    etag: str | None
    data: bytes


def ical_stamp(value: datetime) -> str:
    """A UTC instant as iCalendar basic format (`20260329T070000Z`) for time-range filters."""
    return value.strftime("%Y%m%dT%H%M%SZ")


def _calendar_info(entry: DavResponse) -> CalendarInfo | None:
    rtype = entry.props.get(f"{{{D}}}resourcetype")
    if rtype is None or rtype.find(f"{{{CAL}}}calendar") is None or entry.text(f"{{{NCAL}}}deleted-at"):
        return None
    comps_el = entry.props.get(f"{{{CAL}}}supported-calendar-component-set")
    comps = [c.get("name", "") for c in comps_el] if comps_el is not None else ["VEVENT", "VTODO"]
    privs_el = entry.props.get(f"{{{D}}}current-user-privilege-set")
    if privs_el is None:
        read_only = False
    else:
        granted = {child.tag for priv in privs_el.findall(f"{{{D}}}privilege") for child in priv}
        read_only = not (granted & _WRITE)
    color = entry.text(f"{{{ICAL}}}calendar-color")
    owner = entry.props.get(f"{{{OC}}}owner-principal")
    ctag = entry.text(f"{{{CS}}}getctag")
    tz_text = entry.text(f"{{{CAL}}}calendar-timezone") or ""
    tzid = next((line[5:].strip() for line in tz_text.splitlines() if line.upper().startswith("TZID:")), None)
    return CalendarInfo(
        name=entry.name,
        display_name=entry.text(f"{{{D}}}displayname") or entry.name,
        color=color[:7] if color and len(color) == 9 else color,  # Nextcloud stores #RRGGBBAA at times
        components=[c for c in comps if c],
        read_only=read_only,
        timezone=tzid,
        owner=(owner.text or "").rstrip("/").rsplit("/", 1)[-1] if owner is not None and owner.text else None,
        owner_name=entry.text(f"{{{NCAL}}}owner-displayname"),
        etag=ctag.strip() if ctag else None,
    )


class CalendarClient:
    """Calendars, calendar objects and free/busy for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str) -> None:
        self.dav = DavClient(http, auth, key)
        self.objects = ObjectDav(http, auth)
        self._infos: list[CalendarInfo] | None = None

    async def home(self) -> str:
        """The encoded calendar home path, ending in '/'."""
        homes = await self.dav.homes()
        return quote(require(homes.calendar_home, "calendar home")).rstrip("/") + "/"

    async def collection_path(self, calendar: str) -> str:
        return await self.home() + quote(check_name(calendar, "Calendar"), safe="") + "/"

    async def object_path(self, calendar: str, name: str) -> str:
        return await self.collection_path(calendar) + quote(check_name(name, "Object name"), safe="")

    async def calendars(self, component: str | None = None) -> list[CalendarInfo]:
        """The user's calendars (own and shared), optionally only those supporting `component`."""
        if self._infos is None:  # a client lives for one tool call, so this cache never goes stale across calls
            entries = await self.dav.propfind(await self.home(), _COLLECTION_PROPS, depth=1)
            uid = (await self.dav.homes()).principal.rstrip("/").rsplit("/", 1)[-1]
            self._infos = [as_seen_by(info, uid) for info in (_calendar_info(e) for e in entries) if info is not None]
        infos = self._infos
        return [i for i in infos if component is None or component in i.components]

    async def calendar(self, ref: str, *, writable: bool = False, component: str | None = None) -> CalendarInfo:
        """One calendar by name or display name (case-insensitive); unknown names are refused with the valid
        ones, read-only calendars for writes before any write is sent."""
        infos = await self.calendars()
        lister = _LISTER[component == "VTODO"]
        info = match(infos, ref, lister)
        if info is None:
            valid = [i for i in infos if component is None or component in i.components]
            names = ", ".join(f"{i.name} ({i.display_name})" for i in valid) or "none"
            what = "task list" if component == "VTODO" else "calendar"
            raise NotFound(f"You have no {what} {ref!r}; yours are: {names}. Pass a name from {lister}.")
        if component == "VTODO" and component not in info.components:
            raise InvalidInput(
                f"The calendar {info.name!r} holds no tasks; pick a list from nc_tasks_list_tasklists or create one "
                "with nc_calendar_create_calendar and components ['VTODO']."
            )
        if component and component not in info.components:
            raise InvalidInput(f"The calendar {info.name!r} holds no {component} items; pick another from {lister}.")
        if writable and info.read_only:
            raise read_only_error(info, lister)
        return info

    async def user_zone(self, fallback: str | None) -> UserZone:
        """The zone naive times are read in: the principal's or default calendar's zone, the setting, or UTC."""
        homes = await self.dav.homes()
        candidates: list[tuple[str | None, str]] = [(homes.timezone, "calendar")]
        if homes.timezone is None:
            infos = await self.calendars()
            default = homes.default_calendar or "personal"
            own = sorted(infos, key=lambda i: i.name != default)  # TimezoneService: default calendar first
            candidates += [(i.timezone, "calendar") for i in own]
        candidates.append((fallback, "setting"))
        for name, source in candidates:
            if name:
                try:
                    zone(name)
                except InvalidInput:
                    continue
                return UserZone(name, source)
        return UserZone("UTC", "utc")

    async def create_calendar(self, name: str, display_name: str, color: str | None, components: list[str]) -> None:
        path = await self.collection_path(name)
        comps = "".join(f'<c:comp name="{escape(c)}"/>' for c in components)
        props = f"<d:displayname>{escape(display_name)}</d:displayname><c:supported-calendar-component-set>{comps}"
        props += "</c:supported-calendar-component-set>"
        if color:
            props += f"<x1:calendar-color>{escape(color)}</x1:calendar-color>"
        body = f"{_HEAD}<c:mkcalendar {NSDECL}><d:set><d:prop>{props}</d:prop></d:set></c:mkcalendar>"
        self._infos = None
        response = await self.objects.send("MKCALENDAR", path, content=body, headers=_XML, ok=(405,))
        if response.status_code == 405:
            message = sabre_message(response.content) or ""
            if "reserved" in message:  # sabre-io/dav lib/CalDAV/CalendarHome.php (reserved names)
                raise BadRequest(
                    f"Nextcloud refused the name {name!r}: {message.rstrip('.')}. Choose another name.",
                    method="MKCALENDAR",
                    path=path,
                    status=405,
                )
            raise Conflict(
                f"A calendar named {name!r} already exists (maybe in nc_calendar_list_trash); choose another name, "
                "or change that one with nc_calendar_update_calendar.",
                method="MKCALENDAR",
                path=path,
                status=405,
            )

    async def update_calendar(
        self, ref: str, display_name: str | None, color: str | None, etag: str | None
    ) -> CalendarInfo:
        """PROPPATCH the display name and colour after checking `etag` against the ctag read just before.

        Sabre cannot check `If-Match` on a collection: a calendar is no `IFile`, so it has no ETag and every
        If-Match fails (sabre-io/dav lib/DAV/Server.php::checkPreconditions). Its ctag changes with every change,
        property updates included (nextcloud/server apps/dav/lib/CalDAV/CalDavBackend.php::updateCalendar
        calls addChange), so the ctag read just before the PROPPATCH is the version checked.
        """
        info = await self.calendar(ref, writable=True)
        props = ""
        if display_name is not None:
            props += f"<d:displayname>{escape(display_name)}</d:displayname>"
        if color is not None:
            props += f"<x1:calendar-color>{escape(color)}</x1:calendar-color>"
        if not props:
            raise InvalidInput("Nothing to change: give display_name and/or color.")
        if etag and info.etag and etag.strip('"') != info.etag:
            raise Conflict(
                f"The calendar {info.name!r} changed since you read it (its etag is now {info.etag}); nothing was "
                "changed. Read it again with nc_calendar_list_calendars and pass the new etag.",
                status=412,
            )
        body = f"{_HEAD}<d:propertyupdate {NSDECL}><d:set><d:prop>{props}</d:prop></d:set></d:propertyupdate>"
        self._infos = None
        response = await self.objects.send(
            "PROPPATCH", await self.collection_path(info.name), content=body, headers=_XML
        )
        for entry in failed_props(response.content):
            raise Forbidden(f"Nextcloud refused to change {entry} of calendar {info.name!r}; nothing was changed.")
        return await self.calendar(info.name)

    async def delete_calendar(self, ref: str) -> str:
        info = await self.calendar(ref)
        self._infos = None
        await self.objects.send("DELETE", await self.collection_path(info.name), hint=_CHECK)
        return info.name

    async def query(
        self, calendar: str, component: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[CalObject]:
        """Objects holding `component`, limited to those overlapping [start, end) when given (calendar-query)."""
        rng = ""
        if start is not None or end is not None:
            attrs = (f' start="{ical_stamp(start)}"' if start else "") + (f' end="{ical_stamp(end)}"' if end else "")
            rng = f"<c:time-range{attrs}/>"
        return await self._report(calendar, component, rng)

    async def _report(self, calendar: str, component: str, inner: str) -> list[CalObject]:
        body = (
            f"{_HEAD}<c:calendar-query {NSDECL}><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter>"
            f'<c:comp-filter name="VCALENDAR"><c:comp-filter name="{component}">{inner}'
            "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
        )
        entries = await self.dav.report(await self.collection_path(calendar), body)
        out = []
        for entry in entries:
            data = entry.text(f"{{{CAL}}}calendar-data")
            if data is not None:
                out.append(CalObject(calendar, entry.name, entry.etag, data.encode()))
        return out

    async def by_uid(self, calendar: str, uid: str, component: str) -> CalObject | None:
        """The object whose `component` has this UID (a calendar-query REPORT with a UID prop-filter; RFC 4791
        §9.7.5 text-match is a substring match, so the UID is compared exactly here)."""
        match = (
            f'<c:prop-filter name="UID"><c:text-match collation="i;octet">{escape(uid)}</c:text-match></c:prop-filter>'
        )
        for obj in await self._report(calendar, component, match):
            if uid in uids_of(obj.data):
                return obj
        return None

    async def find_object(self, calendar: str, ref: str, component: str) -> CalObject:
        """An object by its resource name (`<x>.ics`, from the list tools) or by its UID."""
        named = is_name(ref)
        if named and ref.endswith(".ics"):
            found = await self._get(calendar, ref)
            if found is not None:
                return found
        by_uid = await self.by_uid(calendar, ref, component)
        if by_uid is not None:
            return by_uid
        if named and not ref.endswith(".ics"):
            found = await self._get(calendar, ref)
            if found is not None:
                return found
        what, lister = ("task", "nc_tasks_list_tasks") if component == "VTODO" else ("event", "nc_calendar_list_events")
        raise NotFound(
            f"No {what} {ref!r} in {calendar!r} (looked up as file name and as UID); use the {what}_id or uid "
            f"from {lister}."
        )

    async def _get(self, calendar: str, name: str) -> CalObject | None:
        path = await self.object_path(calendar, name)
        found = await self.objects.get(path)
        if found is None:
            return None
        data, etag = found
        if etag is None:
            entries = await self.dav.propfind(path, "<d:getetag/>", depth=0)
            etag = entries[0].etag if entries else None
        return CalObject(calendar, name, etag, data)

    async def get_object(self, calendar: str, name: str) -> CalObject:
        found = await self._get(calendar, name)
        if found is None:
            raise NotFound(f"No item {name!r} in {calendar!r}; it was deleted meanwhile.", method="GET", status=404)
        return found

    async def put_object(
        self, calendar: str, name: str, data: bytes, *, etag: str | None = None, create: bool = False, hint: str = ""
    ) -> str:
        """Write an object (`If-None-Match: *` to create, `If-Match` to replace) and return its new etag."""
        path = await self.object_path(calendar, name)
        response = await self.objects.put(path, data, etag=etag, create=create, hint=hint or _CHECK)
        if response.status_code == 412:
            what = "already exists" if create else "changed on the server since it was read"
            raise Conflict(f"The item {what}; nothing was written.", method="PUT", path=path, status=412)
        new = response_etag(response)
        if new is None:  # RFC 4791 §5.3.4: no ETag when the server changed what it stored
            try:
                found = await self.dav.propfind(path, "<d:getetag/>", depth=0)
            except NextcloudError as exc:  # the PUT worked: say so, or a retry writes it twice
                raise after_write(
                    exc, f"{name!r} was saved in {calendar!r}, but reading its etag failed:", _SAVED
                ) from None
            new = found[0].etag if found else None
        if new is None:
            raise ProtocolError("Nextcloud stored the item but reported no etag for it.", method="PUT", path=path)
        return new

    async def delete_object(self, calendar: str, name: str, etag: str | None) -> None:
        path = await self.object_path(calendar, name)
        response = await self.objects.delete(path, etag=etag, hint=_CHECK)
        if response.status_code == 412:
            raise Conflict(
                "The item changed on the server since it was read; nothing was deleted.",
                method="DELETE",
                path=path,
                status=412,
            )

    async def schedule_freebusy(self, data: bytes) -> list[tuple[str, str, str | None]]:
        """POST a VFREEBUSY request to the outbox: (recipient, request-status, calendar-data) per attendee."""
        homes = await self.dav.homes()
        outbox = quote(require(homes.outbox, "scheduling outbox"))
        body = await self.dav.post_calendar(outbox, data)
        return schedule_response(body)

    async def freebusy_query(self, calendar: str, start: datetime, end: datetime) -> bytes:
        """RFC 4791 §7.10 free-busy-query on one calendar: a VCALENDAR with one VFREEBUSY."""
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><c:free-busy-query {NSDECL}>'
            f'<c:time-range start="{ical_stamp(start)}" end="{ical_stamp(end)}"/></c:free-busy-query>'
        )
        response = await self.dav.send("REPORT", await self.collection_path(calendar), body)
        return response.content


def calendar_client(session: NextcloudSession) -> CalendarClient:
    """The session's CalendarClient."""
    return session.client(CalendarClient, lambda: CalendarClient(session.http, session.auth, session.key))
