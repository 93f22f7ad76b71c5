"""What the calendar trash bin's nodes answer (``trashbin``): properties, the ``calendar-query`` REPORT on
``trashbin/objects/`` and the rewrite of calendar-home listings.

Properties (nextcloud/server apps/dav/lib/CalDAV/Trashbin/): TrashbinHome::getProperties gives ``d:resourcetype``
``d:collection`` + ``nc:trash-bin``; Plugin::propFind answers ``nc:trash-bin-retention-duration`` on the home and
``nc:deleted-at`` (``DateTimeInterface::ATOM``) and ``nc:calendar-uri`` on a DeletedCalendarObject, only when they
are asked for (``PropFind::handle`` adds nothing to an allprop request). A DeletedCalendarObject is a Sabre
ICalendarObject: ``d:getetag``, ``d:getcontenttype`` (DeletedCalendarObject::getContentType), ``d:getcontentlength``
and, when asked, ``cal:calendar-data`` (sabre-io/dav lib/CalDAV/Plugin.php::propFind). A deleted calendar carries
``nc:deleted-at`` (CalDavBackend::propertyMap, turned into ATOM by Calendar::__construct) and the resource type
``d:collection`` + ``nc:deleted-calendar`` instead of ``cal:calendar`` (CalDavBackend::addResourceTypeToCalendar).
``nc`` here is ``http://nextcloud.com/ns`` (DAV\\Sharing\\Plugin::NS_NEXTCLOUD), written with the prefix ``x2``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from starlette.responses import Response

from fake_nextcloud.apps.caldav.errors import PreconditionError
from fake_nextcloud.apps.caldav.ns import CAL, DAV, NCAL
from fake_nextcloud.apps.caldav.props import calendar_home, encode_path, resourcetype
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import PropValue, in_context, parse_body, parse_propfind, q
from fake_nextcloud.core.urls import webroot

__all__ = ["Deleted", "get", "mark_listing", "node_propfind", "object_propfind", "report"]

DELETED_AT = q(NCAL, "deleted-at")
CALENDAR_URI = q(NCAL, "calendar-uri")
RETENTION = q(NCAL, "trash-bin-retention-duration")
_RESOURCETYPE = q(DAV, "resourcetype")
#: Properties a node answers only when asked for by name (Plugin::propFind, CalDAV Plugin::propFind).
_NAMED_ONLY = frozenset({DELETED_AT, CALENDAR_URI, RETENTION, q(CAL, "calendar-data")})


@dataclass
class Deleted:
    """A ``calendarobjects`` row with ``deleted_at`` set: ``uri`` is the renamed URI (``x-deleted.ics``)."""

    id: int
    owner: str
    calendar: str
    uri: str
    data: bytes
    etag: str  # quoted, as getCalendarObjectById answers it
    component: str  # lower case (``strtolower(componenttype)``)
    uid: str
    deleted_at: int


def atom(timestamp: int) -> str:
    """PHP ``DateTimeImmutable::setTimestamp(...)->format(DATE_ATOM)`` in Nextcloud's UTC default zone."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _xml(root: ET.Element) -> bytes:
    """Sabre's XMLWriter output: the webroot in hrefs, a carriage return as ``&#13;``."""
    serialized: bytes = ET.tostring(in_context(root), encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0"?>\n' + serialized.replace(b"\r", b"&#13;")


def _multistatus(root: ET.Element) -> Response:
    return Response(_xml(root), status_code=207, media_type="application/xml; charset=utf-8")


def _response(url: str, props: dict[str, PropValue], requested: list[str] | None) -> ET.Element:
    """One ``d:response`` (sabre-io/dav PropFind::getResultForMultiStatus): 200 props, then 404 ones."""
    response = ET.Element(q(DAV, "response"))
    ET.SubElement(response, q(DAV, "href")).text = url
    names = [n for n in props if n not in _NAMED_ONLY] if requested is None else requested
    found = [(n, props[n]) for n in names if n in props]
    missing: list[tuple[str, PropValue]] = [(n, None) for n in names if n not in props]
    for status, items in (("200 OK", found), ("404 Not Found", missing)):
        if items:
            propstat = ET.SubElement(response, q(DAV, "propstat"))
            prop = ET.SubElement(propstat, q(DAV, "prop"))
            for name, value in items:
                if isinstance(value, ET.Element):
                    prop.append(value)
                else:
                    ET.SubElement(prop, name).text = value
            ET.SubElement(propstat, q(DAV, "status")).text = f"HTTP/1.1 {status}"
    return response


def _trashbin(uid: str) -> str:
    return f"{calendar_home(uid)}trashbin/"


def _object_url(uid: str, item: Deleted) -> str:
    return f"{_trashbin(uid)}objects/{item.id}.ics"


def _object_props(item: Deleted) -> dict[str, PropValue]:
    content_type = "text/calendar; charset=utf-8" + (f"; component={item.component}" if item.component else "")
    return {
        _RESOURCETYPE: resourcetype(),
        q(DAV, "getetag"): item.etag,
        q(DAV, "getcontenttype"): content_type,
        q(DAV, "getcontentlength"): str(len(item.data)),
        q(CAL, "calendar-data"): item.data.decode("utf-8", "replace"),
        DELETED_AT: atom(item.deleted_at),
        CALENDAR_URI: item.calendar,
    }


def _node_props(sub: list[str], retention: int) -> dict[str, PropValue]:
    if not sub:
        return {_RESOURCETYPE: resourcetype(q(DAV, "collection"), q(NCAL, "trash-bin")), RETENTION: str(retention)}
    return {_RESOURCETYPE: resourcetype(q(DAV, "collection"))}  # RestoreTarget, DeletedCalendarObjectsCollection


def node_propfind(uid: str, sub: list[str], body: bytes, depth: str, retention: int) -> Response:
    """PROPFIND on the trash bin (Depth 1 adds ``restore/`` and ``objects/``), ``restore/`` or ``objects/``."""
    requested = parse_propfind(body)
    root = ET.Element(q(DAV, "multistatus"))
    base = _trashbin(uid)
    root.append(_response(base + "".join(f"{s}/" for s in sub), _node_props(sub, retention), requested))
    if not sub and depth == "1":
        for child in ("restore", "objects"):  # TrashbinHome::getChildren
            root.append(_response(f"{base}{child}/", _node_props([child], retention), requested))
    return _multistatus(root)


def object_propfind(uid: str, item: Deleted, body: bytes) -> Response:
    root = ET.Element(q(DAV, "multistatus"))
    root.append(_response(_object_url(uid, item), _object_props(item), parse_propfind(body)))
    return _multistatus(root)


def get(item: Deleted, *, head: bool) -> Response:
    """DeletedCalendarObject::get (the stored calendar data), with CorePlugin::httpGet's headers."""
    headers = {
        "Content-Type": str(_object_props(item)[q(DAV, "getcontenttype")]),
        "ETag": item.etag,
        "Content-Length": str(len(item.data)),
    }
    return Response(b"" if head else item.data, status_code=200, headers=headers)


def report(uid: str, items: Iterable[Deleted], body: bytes, depth: str) -> Response:
    """REPORT on ``trashbin/objects/``: ``calendar-query`` lists every deleted object whatever the filter
    (DeletedCalendarObjectsCollection::calendarQuery ignores it), and only with ``Depth: 1`` (sabre-io/dav
    CalDAV/Plugin::calendarQueryReport); ``calendar-multiget`` answers the hrefs asked for."""
    root = parse_body(body)
    if root is None:
        raise DavError(400, "BadRequest", "The request body had an invalid XML body.")
    prop = root.find(q(DAV, "prop"))
    requested = None if prop is None else [child.tag for child in prop]
    answer = ET.Element(q(DAV, "multistatus"))
    if root.tag == q(CAL, "calendar-query"):
        for item in items if depth == "1" else ():
            answer.append(_response(_object_url(uid, item), _object_props(item), requested))
        return _multistatus(answer)
    if root.tag == q(CAL, "calendar-multiget"):
        by_url = {_object_url(uid, item): item for item in items}
        for element in root.iter(q(DAV, "href")):
            url = encode_path(unquote(urlsplit((element.text or "").strip()).path).removeprefix(webroot()))
            found = by_url.get(url)
            if found is not None:
                answer.append(_response(url, _object_props(found), requested))
            else:
                missing = ET.SubElement(answer, q(DAV, "response"))
                ET.SubElement(missing, q(DAV, "href")).text = url
                ET.SubElement(missing, q(DAV, "status")).text = "HTTP/1.1 404 Not Found"
        return _multistatus(answer)
    message = "The {DAV:}sync-collection REPORT is not supported on this url." if "sync-collection" in root.tag else ""
    raise PreconditionError(403, "Sabre\\DAV\\Exception\\ReportNotSupported", message, q(DAV, "supported-report"))


def mark_listing(body: bytes, uid: str, deleted: dict[str, int], request: bytes, retention: int | None) -> bytes:
    """The home's (or a calendar's) PROPFIND answer with deleted calendars marked and, when ``retention`` is given
    (a home listing with Depth > 0), the trash bin appended after the other children."""
    root = ET.fromstring(body)  # noqa: S314 - the fake's own answer
    requested = parse_propfind(request)
    base = webroot()
    marked = {f"{base}{calendar_home(uid)}{encode_path(cal)}/": at for cal, at in deleted.items()}
    for response in root.findall(q(DAV, "response")):
        at = marked.get(response.findtext(q(DAV, "href")) or "")
        if at is not None:
            _mark_deleted(response, atom(at), requested)
    if retention is not None:
        entry = _response(f"{base}{_trashbin(uid)}", _node_props([], retention), requested)
        root.append(entry)
    serialized: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0"?>\n' + serialized.replace(b"\r", b"&#13;")


def _mark_deleted(response: ET.Element, deleted_at: str, requested: list[str] | None) -> None:
    ok: ET.Element | None = None
    for propstat in response.findall(q(DAV, "propstat")):
        prop = propstat.find(q(DAV, "prop"))
        if prop is None:
            continue
        if "200" in (propstat.findtext(q(DAV, "status")) or ""):
            ok = prop
            continue
        for child in prop.findall(DELETED_AT):  # Radicale knows no such property: 404
            prop.remove(child)
        if not list(prop):
            response.remove(propstat)
    kind = ok.find(_RESOURCETYPE) if ok is not None else None
    if kind is not None:
        kind.clear()
        ET.SubElement(kind, q(DAV, "collection"))
        ET.SubElement(kind, q(NCAL, "deleted-calendar"))
    if requested is not None and DELETED_AT not in requested:
        return
    if ok is None:
        propstat = ET.Element(q(DAV, "propstat"))
        ok = ET.SubElement(propstat, q(DAV, "prop"))
        ET.SubElement(propstat, q(DAV, "status")).text = "HTTP/1.1 200 OK"
        response.insert(1, propstat)
    ET.SubElement(ok, DELETED_AT).text = deleted_at
