"""The scheduling inbox and outbox of a calendar home, and RFC 6638 free/busy requests through the outbox
(``POST /remote.php/dav/calendars/{uid}/outbox/`` with a VFREEBUSY REQUEST), which Nextcloud's calendar app uses
to show other users' availability: sabre-io/dav lib/CalDAV/Schedule/Plugin.php::outboxRequest,
handleFreeBusyRequest and getFreeBusyForEmail. Busy periods come from Radicale's ``free-busy-query`` on each of
the recipient's calendars (recurrences expanded, ``TRANSP:TRANSPARENT`` and cancelled events skipped, tentative
ones as ``BUSY-TENTATIVE``), merged as vobject's FreeBusyGenerator merges them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.caldav.engine import CalDavEngine
from fake_nextcloud.apps.caldav.ns import CAL, DAV
from fake_nextcloud.apps.caldav.props import calendar_home, principal_href, privilege_set, resourcetype
from fake_nextcloud.apps.caldav.validation import Component, ParseError, parse
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import PropValue, multistatus, parse_propfind, q, xml_response
from fake_nextcloud.core.state import User

__all__ = ["scheduling"]

_PRODID = "-//Sabre//Sabre VObject 4.5.6//EN"


async def scheduling(engine: CalDavEngine, request: Request, user: User, box: str, rest: list[str]) -> Response:
    """PROPFIND on ``inbox``/``outbox``; POST on ``outbox``."""
    if rest:
        raise DavError(404, "NotFound", f"Node with name '{rest[0]}' could not be found")
    url = f"{calendar_home(user.uid)}{box}/"
    if request.method == "PROPFIND":
        props: dict[str, PropValue] = {
            q(DAV, "resourcetype"): resourcetype(q(DAV, "collection"), q(CAL, f"schedule-{box}")),
            q(DAV, "current-user-privilege-set"): privilege_set(False),
        }
        return multistatus([(url, props)], parse_propfind(await request.body()))
    if request.method == "POST" and box == "outbox":
        return await _outbox(engine, user, await request.body())
    raise DavError(501, "NotImplemented", f"There was no handler found for this {request.method!r} method")


def _utc(component: Component, name: str) -> str:
    """A DATE-TIME property as ``YYYYMMDDTHHMMSSZ`` (TZID parameter honoured, floating times taken as UTC)."""
    prop = next((p for p in component.props if p.name == name), None)
    if prop is None:
        raise DavError(400, "BadRequest", "DTSTART and DTEND must both be specified")
    value = prop.value.strip()
    params = prop.raw.split(":", 1)[0].upper()
    try:
        if len(value) == 8:
            moment = datetime.strptime(value, "%Y%m%d").replace(tzinfo=UTC)
        elif value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            zone = UTC
            if "TZID=" in params:
                tzid = prop.raw.split(":", 1)[0].split("TZID=", 1)[1].split(";", 1)[0].strip('"')
                try:
                    zone = ZoneInfo(tzid)  # type: ignore[assignment]
                except (ZoneInfoNotFoundError, ValueError):
                    zone = UTC
            moment = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=zone)
    except ValueError:
        raise DavError(400, "BadRequest", f"The supplied value ({value}) is not a correct DATE-TIME") from None
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


async def _outbox(engine: CalDavEngine, user: User, body: bytes) -> Response:
    try:
        calendar = parse(body.decode("utf-8", "replace"))
    except ParseError as exc:
        raise DavError(
            400, "BadRequest", f"The request body must be a valid iCalendar object. Parse error: {exc}"
        ) from None
    component = next((c for c in calendar.children if c.name != "VTIMEZONE"), None)
    if component is None:
        raise DavError(400, "BadRequest", "We expected at least one VTODO, VJOURNAL, VFREEBUSY or VEVENT component")
    method = (calendar.first("METHOD") or "").upper()
    if not method:
        raise DavError(400, "BadRequest", "A METHOD property must be specified in iTIP messages")
    if component.name != "VFREEBUSY" or method != "REQUEST":
        raise DavError(501, "NotImplemented", "We only support VFREEBUSY (REQUEST) on this endpoint")
    organizer = component.first("ORGANIZER") or ""
    addresses = ([f"mailto:{user.email}"] if user.email else []) + [principal_href(user.uid)]
    if organizer not in addresses:
        raise DavError(
            403,
            "Forbidden",
            "The organizer in the request did not match any of the addresses for the owner of this inbox",
        )
    attendees = [p.value for p in component.props if p.name == "ATTENDEE"]
    if not attendees:
        raise DavError(400, "BadRequest", "You must at least specify 1 attendee")
    start, end = _utc(component, "DTSTART"), _utc(component, "DTEND")
    organizer_line = next(p.raw for p in component.props if p.name == "ORGANIZER")
    root = ET.Element(q(CAL, "schedule-response"))
    for attendee in attendees:
        email = attendee[7:] if attendee.startswith("mailto:") else attendee
        response = ET.SubElement(root, q(CAL, "response"))
        recipient = ET.SubElement(response, q(CAL, "recipient"))
        ET.SubElement(recipient, q(DAV, "href")).text = f"mailto:{email}"
        target = _user_by_email(engine, email)
        if target is None:
            ET.SubElement(response, q(CAL, "request-status")).text = "3.7;Could not find principal"
            continue
        ET.SubElement(response, q(CAL, "request-status")).text = "2.0;Success"
        periods = await _busy(engine, target, start, end)
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{_PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:REPLY",
            "BEGIN:VFREEBUSY",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            f"DTSTAMP:{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(engine.state.time()))}",
            *(f"FREEBUSY;FBTYPE={fbtype}:{s}/{e}" for s, e, fbtype in periods),
            f"ATTENDEE:mailto:{email}",
            f"UID:{component.first('UID') or ''}",
            organizer_line,
            "END:VFREEBUSY",
            "END:VCALENDAR",
        ]
        # Schedule\Plugin::handleFreeBusyRequest: str_replace("\r\n", "\n", serialize())
        ET.SubElement(response, q(CAL, "calendar-data")).text = "\n".join(lines) + "\n"
    return xml_response(root, 200)


def _user_by_email(engine: CalDavEngine, email: str) -> User | None:
    """The principal search by ``{http://sabredav.org/ns}email-address`` (apps/dav Principal::searchPrincipals)."""
    lowered = email.lower()
    return next((u for u in engine.state.users.values() if u.email and u.email.lower() == lowered), None)


async def _busy(engine: CalDavEngine, target: User, start: str, end: str) -> list[tuple[str, str, str]]:
    await engine.ensure(target)
    uid = target.uid
    listing = await engine.request("calendars", "PROPFIND", f"/{quote(uid)}/", uid, {"Depth": "1"}, b"")
    root = ET.fromstring(listing.body)  # noqa: S314 - produced by the in-process Radicale
    query = (
        '<?xml version="1.0"?><C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f'<C:time-range start="{start}" end="{end}"/></C:free-busy-query>'
    ).encode()
    periods: list[tuple[str, str, str]] = []
    home = f"/remote.php/dav/calendars/{quote(uid)}/"
    for response in root.findall(q(DAV, "response")):
        href = response.findtext(q(DAV, "href")) or ""
        if href == home or response.find(f".//{q(CAL, 'calendar')}") is None:
            continue
        path = "/" + href[len("/remote.php/dav/calendars/") :]
        result = await engine.request("calendars", "REPORT", path, uid, {"Depth": "1"}, query)
        if result.status != 200:
            continue
        for prop in parse(result.body.decode("utf-8")).children[0].props if result.body else []:
            if prop.name != "FREEBUSY":
                continue
            params = prop.raw.split(":", 1)[0].upper()
            fbtype = params.split("FBTYPE=", 1)[1].split(";", 1)[0] if "FBTYPE=" in params else "BUSY"
            for period in prop.value.split(","):
                s, _, e = period.partition("/")
                periods.append((s, e, fbtype))
    return _merge(periods)


def _merge(periods: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Overlapping periods of one type become one (sabre-io/vobject lib/FreeBusyData.php::add)."""
    merged: list[tuple[str, str, str]] = []
    for fbtype in sorted({p[2] for p in periods}):
        ranges = sorted((s, e) for s, e, t in periods if t == fbtype)
        current: list[str] | None = None
        for s, e in ranges:
            if current is not None and s <= current[1]:
                current[1] = max(current[1], e)
                continue
            if current is not None:
                merged.append((current[0], current[1], fbtype))
            current = [s, e]
        if current is not None:
            merged.append((current[0], current[1], fbtype))
    return sorted(merged)
