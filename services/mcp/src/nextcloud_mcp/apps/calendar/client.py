"""Calendars over CalDAV (RFC 4791): collections, objects, and the user's default zone.

Collections are the children of the discovered `calendar-home-set` whose `resourcetype` has
`cal:calendar` (nextcloud/server apps/dav/lib/CalDAV/CalendarHome.php also lists inbox, outbox,
trashbin and subscriptions, which are skipped). Read-only comes from `current-user-privilege-set`
(RFC 3744 §5.4; shared read-only calendars lack `d:write-content`). Event logic (icalendar) lives in
`events.py` and is imported on first use, so start-up does not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx2
from pydantic import BaseModel

from nextcloud_mcp.apps.calendar.ical_time import UserZone, zone
from nextcloud_mcp.core.caldav import CAL, ICAL, NSDECL, DavClient, DavResponse, check_name, require
from nextcloud_mcp.core.dav import OC, D, parse_xml
from nextcloud_mcp.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["CalObject", "CalendarClient", "CalendarInfo", "EventInfo", "calendar_client", "ical_stamp"]

_COLLECTION_PROPS = (
    "<d:resourcetype/><d:displayname/><x1:calendar-color/><c:supported-calendar-component-set/>"
    "<d:current-user-privilege-set/><cs:getctag/><c:calendar-timezone/><oc:owner-principal/>"
)
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_WRITE = frozenset({f"{{{D}}}write", f"{{{D}}}write-content", f"{{{D}}}all"})


class CalendarInfo(BaseModel):
    """A calendar collection as shown to the model."""

    name: str  # the collection's URI segment (e.g. `personal`)
    display_name: str
    color: str | None = None
    components: list[str]
    read_only: bool
    timezone: str | None = None
    owner: str | None = None


class EventInfo(BaseModel):
    """One event or one instance of a recurring event; times carry their offset, `tz` names the zone."""

    calendar: str
    event_id: str  # the resource name in the calendar
    etag: str | None = None
    uid: str
    summary: str
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
    if rtype is None or rtype.find(f"{{{CAL}}}calendar") is None:
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
    )


class CalendarClient:
    """Calendars, calendar objects and free/busy for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str) -> None:
        self.dav = DavClient(http, auth, key)
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
            self._infos = [info for info in (_calendar_info(e) for e in entries) if info is not None]
        infos = self._infos
        return [i for i in infos if component is None or component in i.components]

    async def calendar(self, name: str, *, writable: bool = False, component: str | None = None) -> CalendarInfo:
        """One calendar by name; refuses read-only ones for writes before any write is sent."""
        for info in await self.calendars():
            if info.name == name:
                if writable and info.read_only:
                    raise Forbidden(f"The calendar {name!r} is read-only for you; nothing was changed.")
                if component and component not in info.components:
                    raise InvalidInput(f"The calendar {name!r} does not hold {component} items.")
                return info
        raise NotFound(f"No calendar {name!r}; call the list tool for the names.")

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
        response = await self.dav.send("MKCALENDAR", path, body, ok=(405,))
        if response.status_code == 405:
            raise Conflict(f"A calendar named {name!r} already exists.", method="MKCALENDAR", path=path, status=405)

    async def update_calendar(self, name: str, display_name: str | None, color: str | None) -> None:
        await self.calendar(name, writable=True)
        props = ""
        if display_name is not None:
            props += f"<d:displayname>{escape(display_name)}</d:displayname>"
        if color is not None:
            props += f"<x1:calendar-color>{escape(color)}</x1:calendar-color>"
        if not props:
            raise InvalidInput("Nothing to change: give display_name and/or color.")
        body = f"{_HEAD}<d:propertyupdate {NSDECL}><d:set><d:prop>{props}</d:prop></d:set></d:propertyupdate>"
        self._infos = None
        response = await self.dav.send("PROPPATCH", await self.collection_path(name), body)
        for entry in _failed_props(response.content):
            raise Forbidden(f"Nextcloud refused to change {entry} of calendar {name!r}.")

    async def delete_calendar(self, name: str) -> None:
        await self.calendar(name)
        self._infos = None
        await self.dav.delete(await self.collection_path(name))

    async def query(
        self, calendar: str, component: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[CalObject]:
        """Objects holding `component`, limited to those overlapping [start, end) when given (calendar-query)."""
        rng = ""
        if start is not None or end is not None:
            attrs = (f' start="{ical_stamp(start)}"' if start else "") + (f' end="{ical_stamp(end)}"' if end else "")
            rng = f"<c:time-range{attrs}/>"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><c:calendar-query {NSDECL}><d:prop><d:getetag/><c:calendar-data/>'
            f'</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="{component}">{rng}'
            "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
        )
        entries = await self.dav.report(await self.collection_path(calendar), body)
        out = []
        for entry in entries:
            data = entry.text(f"{{{CAL}}}calendar-data")
            if data is not None:
                out.append(CalObject(calendar, entry.name, entry.etag, data.encode()))
        return out

    async def get_object(self, calendar: str, name: str) -> CalObject:
        data, etag = await self.dav.get(await self.object_path(calendar, name))
        if etag is None:
            found = await self.dav.propfind(await self.object_path(calendar, name), "<d:getetag/>", depth=0)
            etag = found[0].etag if found else None
        return CalObject(calendar, name, etag, data)

    async def put_object(
        self, calendar: str, name: str, data: bytes, *, etag: str | None = None, create: bool = False
    ) -> str:
        return await self.dav.put(
            await self.object_path(calendar, name), data, "text/calendar", etag=etag, create=create
        )

    async def delete_object(self, calendar: str, name: str, etag: str | None) -> None:
        await self.dav.delete(await self.object_path(calendar, name), etag=etag)

    async def schedule_freebusy(self, data: bytes) -> list[tuple[str, str, str | None]]:
        """POST a VFREEBUSY request to the outbox: (recipient, request-status, calendar-data) per attendee."""
        homes = await self.dav.homes()
        outbox = quote(require(homes.outbox, "scheduling outbox"))
        body = await self.dav.post_calendar(outbox, data)
        return _schedule_response(body)

    async def freebusy_query(self, calendar: str, start: datetime, end: datetime) -> bytes:
        """RFC 4791 §7.10 free-busy-query on one calendar: a VCALENDAR with one VFREEBUSY."""
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><c:free-busy-query {NSDECL}>'
            f'<c:time-range start="{ical_stamp(start)}" end="{ical_stamp(end)}"/></c:free-busy-query>'
        )
        response = await self.dav.send("REPORT", await self.collection_path(calendar), body)
        return response.content


def _failed_props(body: bytes) -> list[str]:
    if not body.strip():
        return []
    tree = parse_xml(body, "a PROPPATCH answer")
    failed = []
    for propstat in tree.iter(f"{{{D}}}propstat"):
        if " 200 " not in (propstat.findtext(f"{{{D}}}status") or "") + " ":
            failed += [child.tag.rsplit("}", 1)[-1] for child in propstat.find(f"{{{D}}}prop") or []]
    return failed


def _schedule_response(body: bytes) -> list[tuple[str, str, str | None]]:
    tree = parse_xml(body, "a scheduling answer")
    out = []
    for resp in tree.iter(f"{{{CAL}}}response"):
        recipient = resp.find(f"{{{CAL}}}recipient")
        who = (recipient.findtext(f"{{{D}}}href") or recipient.text or "") if recipient is not None else ""
        out.append(
            (who.strip(), resp.findtext(f"{{{CAL}}}request-status") or "", resp.findtext(f"{{{CAL}}}calendar-data"))
        )
    return out


def calendar_client(session: NextcloudSession) -> CalendarClient:
    """The session's CalendarClient."""
    return session.client(CalendarClient, lambda: CalendarClient(session.http, session.auth, session.key))
