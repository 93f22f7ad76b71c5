"""Implicit scheduling on PUT (RFC 6638), as far as clients can see it: when the user is the ORGANIZER of an
event with other attendees, Sabre's Schedule plugin (sabre-io/dav lib/CalDAV/Schedule/Plugin.php
::calendarObjectChange -> processICalendarChange) creates iTIP messages, delivers them, writes each
attendee's ``SCHEDULE-STATUS`` into the stored event and marks the data modified -- so the PUT answer has
**no ETag** ("etag comes back empty" for events with attendees). Delivery: local users get the event in their
calendar holding that UID or else in their ``personal`` calendar (``scheduleLocalDelivery``, status ``1.2``);
other addresses count as sent by e-mail (apps/dav lib/CalDAV/Schedule/IMipPlugin.php, status ``1.1``).
Replies, cancellations and the scheduling inbox copy are not reproduced.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from fake_nextcloud.apps.caldav.engine import CalDavEngine
from fake_nextcloud.apps.caldav.ns import CAL, DAV
from fake_nextcloud.apps.caldav.props import principal_href
from fake_nextcloud.apps.caldav.validation import Prop, parse
from fake_nextcloud.apps.dav.xmlio import q
from fake_nextcloud.core.state import User

__all__ = ["deliver", "organizer_change"]

_PARAM = re.compile(r';(SCHEDULE-STATUS|SCHEDULE-FORCE-SEND)=(?:"[^"]*"|[^;:]*)', re.IGNORECASE)


def _address(prop: Prop) -> str:
    return prop.value.strip().lower()


def _params(prop: Prop) -> str:
    return _head(prop.raw).upper()


def _head(raw: str) -> str:
    """The name and parameters of a content line (up to the first ``:`` outside quotes)."""
    quoted = False
    for index, char in enumerate(raw):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return raw[:index]
    return raw


def _with_status(prop: Prop, status: str | None) -> Prop:
    head = _head(prop.raw)
    value = prop.raw[len(head) + 1 :]
    head = _PARAM.sub("", head)
    if status is not None:
        head += f";SCHEDULE-STATUS={status}"
    return Prop(prop.name, f"{head}:{value}")


def organizer_change(data: bytes, user: User, users: list[User]) -> tuple[bytes, bool, list[User]]:
    """The data as stored after scheduling, whether scheduling modified it, and the local recipients."""
    root = parse(data.decode("utf-8"))
    events = [c for c in root.children if c.name == "VEVENT"]
    if not events:
        return data, False, []
    master = events[0]
    organizer = next((p for p in master.props if p.name == "ORGANIZER"), None)
    addresses = {f"mailto:{user.email}".lower()} if user.email else set()
    addresses.add(principal_href(user.uid).lower())
    if organizer is None or _address(organizer) not in addresses:
        return data, False, []
    recipients: list[str] = []
    for event in events:
        for prop in event.props:
            if prop.name != "ATTENDEE" or _address(prop) == _address(organizer) or _address(prop) in recipients:
                continue
            if "SCHEDULE-AGENT=CLIENT" in _params(prop):
                continue
            recipients.append(_address(prop))
    if not recipients:
        return data, False, []
    by_email = {f"mailto:{u.email}".lower(): u for u in users if u.email and u.uid != user.uid}
    local = [by_email[r] for r in recipients if r in by_email]
    # processICalendarChange: SCHEDULE-STATUS on the first VEVENT's attendees (1.2 local, 1.1 sent by iMip)
    master.props = [
        _with_status(p, "1.2" if _address(p) in by_email else "1.1")
        if p.name == "ATTENDEE" and _address(p) in recipients
        else p
        for p in master.props
    ]
    return ("\r\n".join(root.serialize()) + "\r\n").encode("utf-8"), True, local


def _attendee_copy(data: bytes) -> tuple[bytes, str]:
    root = parse(data.decode("utf-8"))
    uid = ""
    for child in root.children:
        child.props = [_with_status(p, None) if p.name in ("ATTENDEE", "ORGANIZER") else p for p in child.props]
        uid = uid or (child.first("UID") or "")
    return ("\r\n".join(root.serialize()) + "\r\n").encode("utf-8"), uid


async def _holder(engine: CalDavEngine, target: User, uid: str) -> str | None:
    """The path of ``target``'s object with ``uid`` (any calendar), if there is one."""
    listing = await engine.request("calendars", "PROPFIND", f"/{quote(target.uid)}/", target.uid, {"Depth": "1"})
    query = (
        '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
        '<D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        '<C:prop-filter name="UID"><C:text-match collation="i;octet" match-type="equals">'
        f"{escape(uid)}</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()
    prefix = "/remote.php/dav/calendars"
    for response in ET.fromstring(listing.body).findall(q(DAV, "response")):  # noqa: S314 - Radicale's output
        if response.find(f".//{q(CAL, 'calendar')}") is None:
            continue
        path = (response.findtext(q(DAV, "href")) or "")[len(prefix) :]
        found = await engine.request("calendars", "REPORT", path, target.uid, {"Depth": "1"}, query)
        if found.status == 207:
            for href in ET.fromstring(found.body).iter(q(DAV, "href")):  # noqa: S314 - Radicale's output
                return (href.text or "")[len(prefix) :]
    return None


async def deliver(engine: CalDavEngine, recipients: list[User], data: bytes) -> None:
    """sabre-io/dav Schedule\\Plugin::scheduleLocalDelivery for REQUEST messages: update the recipient's copy of
    the event, or create it in the recipient's default calendar (apps/dav: ``personal``)."""
    copy, uid = _attendee_copy(data)
    for target in recipients:
        await engine.ensure(target)
        path = await _holder(engine, target, uid)
        if path is None:
            path = f"/{quote(target.uid)}/personal/sabredav-{uuid.uuid4()}.ics"
        await engine.request("calendars", "PUT", path, target.uid, {"Content-Type": "text/calendar"}, copy)
