"""Helpers for the CalDAV/CardDAV tests of the fake: XML bodies and multistatus parsing."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx2

from support.fake_support import ALICE

D, S = "{DAV:}", "{http://sabredav.org/ns}"
C, CR = "{urn:ietf:params:xml:ns:caldav}", "{urn:ietf:params:xml:ns:carddav}"
CS, X1, OC = "{http://calendarserver.org/ns/}", "{http://apple.com/ns/ical/}", "{http://owncloud.org/ns}"
NX = "{http://nextcloud.com/ns}"  # apps/dav/lib/DAV/Sharing/Plugin.php NS_NEXTCLOUD (owner-displayname, trash bin)
DAV = "/remote.php/dav"
NS = (
    'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"'
    ' xmlns:cs="http://calendarserver.org/ns/" xmlns:x1="http://apple.com/ns/ical/" xmlns:oc="http://owncloud.org/ns"'
    ' xmlns:nx="http://nextcloud.com/ns"'
)


def propfind(*props: str) -> bytes:
    """A PROPFIND body asking for ``props`` (prefixed names such as ``d:displayname``)."""
    inner = "".join(f"<{p}/>" for p in props)
    return f'<?xml version="1.0"?><d:propfind {NS}><d:prop>{inner}</d:prop></d:propfind>'.encode()


def xml(response: httpx2.Response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own fake's output


def responses(response: httpx2.Response) -> dict[str, ET.Element]:
    """href -> the ``d:prop`` of its 200 propstat (an empty element when there is none)."""
    assert response.status_code == 207, response.text
    out: dict[str, ET.Element] = {}
    for resp in xml(response).iter(f"{D}response"):
        href = resp.findtext(f"{D}href") or ""
        prop = ET.Element(f"{D}prop")
        for propstat in resp.iter(f"{D}propstat"):
            if "200" in (propstat.findtext(f"{D}status") or ""):
                for found in propstat.iter(f"{D}prop"):
                    prop.extend(list(found))
        out[href] = prop
    return out


def hrefs_of(prop: ET.Element, name: str) -> list[str]:
    element = prop.find(name)
    assert element is not None, f"{name} missing"
    return [h.text or "" for h in element.iter(f"{D}href")]


def error(response: httpx2.Response) -> tuple[str, str]:
    root = xml(response)
    assert root.tag == f"{D}error", response.text
    return root.findtext(f"{S}exception") or "", root.findtext(f"{S}message") or ""


def ics(uid: str, *lines: str, component: str = "VEVENT", prelude: str = "") -> str:
    """A one-component VCALENDAR (``lines`` inside the component, ``prelude`` before it)."""
    body = "\r\n".join([f"UID:{uid}", *lines])
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{prelude}BEGIN:{component}\r\n{body}\r\n"
        f"END:{component}\r\nEND:VCALENDAR\r\n"
    )


def event(uid: str, start: str, end: str, *extra: str) -> str:
    """A VEVENT from ``start`` to ``end`` (UTC ``YYYYMMDDTHHMMSSZ``), summary = uid."""
    return ics(uid, "DTSTAMP:20231101T000000Z", f"DTSTART:{start}", f"DTEND:{end}", f"SUMMARY:{uid}", *extra)


async def put_ics(
    client: httpx2.AsyncClient,
    url: str,
    body: str,
    headers: dict[str, str] | None = None,
    *,
    auth: tuple[str, str] = ALICE,
) -> httpx2.Response:
    """PUT iCalendar text as ``auth``."""
    return await client.put(
        url, content=body.encode(), auth=auth, headers={"Content-Type": "text/calendar", **(headers or {})}
    )


async def seed_calendars(client: httpx2.AsyncClient, user: str, *calendars: dict[str, object]) -> dict[str, object]:
    """``POST /__testbed__/seed/calendars`` (must answer 201)."""
    response = await client.post("/__testbed__/seed/calendars", json={"user": user, "calendars": list(calendars)})
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()
    return data


def calendar_query(start: str, end: str, component: str = "VEVENT") -> bytes:
    """A calendar-query REPORT body with a time-range on ``component``."""
    return (
        '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        '<d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">'
        f'<c:comp-filter name="{component}"><c:time-range start="{start}" end="{end}"/></c:comp-filter>'
        "</c:comp-filter></c:filter></c:calendar-query>"
    ).encode()


async def report(client: httpx2.AsyncClient, url: str, body: bytes, auth: tuple[str, str] = ALICE) -> httpx2.Response:
    """REPORT with ``Depth: 1``."""
    return await client.request("REPORT", url, content=body, auth=auth, headers={"Depth": "1"})
