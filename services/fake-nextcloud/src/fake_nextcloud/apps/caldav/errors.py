"""Sabre/Nextcloud errors of the CalDAV/CardDAV routes: exceptions that carry a precondition element in their XML
body (``Exception::serialize``), and Radicale's error answers turned into the exceptions Nextcloud throws."""

from __future__ import annotations

from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.caldav.engine import SCRIPT_NAMES, CalDavEngine, EngineResponse, Kind
from fake_nextcloud.apps.caldav.ns import CAL, CARD, DAV, SABRE
from fake_nextcloud.apps.caldav.props import encode_path
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import q, xml_response
from fake_nextcloud.core.state import User

__all__ = ["PreconditionError", "component_type_error", "engine_error", "invalid_sync_token"]

#: The first release assumed to ship apps/dav/lib/Exception/UidConflict.php (nextcloud/server 8e0b501e, 2026):
#: 409 with ``no-uid-conflict``; earlier CalDavBackend::createCalendarObject / CardDavBackend::createCard throw
#: BadRequest (400) with the same message. The release is not verified, hence the version switch.
UID_CONFLICT_SINCE = 34


class PreconditionError(DavError):
    """A ``DavError`` whose ``d:error`` body also holds the element ``precondition`` (Clark notation), with an
    optional ``d:href`` inside."""

    def __init__(self, status: int, exception: str, message: str, precondition: str, href: str | None = None) -> None:
        super().__init__(status, exception, message)
        self.precondition = precondition
        self.href = href

    def response(self) -> Response:
        """``Sabre\\DAV\\Server::exec`` error document plus the precondition element."""
        root = ET.Element(q(DAV, "error"))
        ET.SubElement(root, q(SABRE, "exception")).text = self.exception
        ET.SubElement(root, q(SABRE, "message")).text = self.message
        element = ET.SubElement(root, self.precondition)
        if self.href is not None:
            ET.SubElement(element, q(DAV, "href")).text = self.href
        return xml_response(root, self.status)


def component_type_error(message: str) -> PreconditionError:
    """sabre-io/dav lib/CalDAV/Exception/InvalidComponentType.php (Forbidden + ``cal:supported-calendar-component``)."""
    return PreconditionError(
        403, "Sabre\\CalDAV\\Exception\\InvalidComponentType", message, q(CAL, "supported-calendar-component")
    )


def invalid_sync_token() -> PreconditionError:
    """sabre-io/dav lib/DAV/Sync/Plugin.php::syncCollection: InvalidSyncToken (Forbidden + ``d:valid-sync-token``)."""
    return PreconditionError(
        403, "Sabre\\DAV\\Exception\\InvalidSyncToken", "Invalid or unknown sync token", q(DAV, "valid-sync-token")
    )


def _object_path(parts: list[str]) -> str:
    return "/" + "/".join(quote(p) for p in parts)


async def engine_error(
    engine: CalDavEngine,
    kind: Kind,
    request: Request,
    user: User,
    parts: list[str],
    result: EngineResponse,
    body: bytes,
) -> DavError:
    """Radicale's error answer (plain text or an RFC precondition) as the Sabre exception Nextcloud would throw."""
    status, method = result.status, request.method
    if status == 403 and b"valid-sync-token" in result.body:
        return invalid_sync_token()
    if status == 409 and b"no-uid-conflict" in result.body:
        return await _uid_conflict(engine, kind, user, parts, body)
    if status == 412:
        # sabre-io/dav lib/DAV/Server.php::checkPreconditions
        if request.headers.get("if-none-match") and not request.headers.get("if-match"):
            message = "An If-None-Match header was specified, but the ETag matched (or * was specified)."
        elif len(parts) >= 3 and not await engine.exists(kind, user.uid, _object_path(parts)):
            message = "An If-Match header was specified and the resource did not exist"
        else:
            message = "An If-Match header was specified, but none of the specified ETags matched."
        return DavError(412, "PreconditionFailed", message)
    if status in (404, 409) or (status == 403 and method != "MKCOL"):
        if len(parts) >= 3 and await engine.exists(kind, user.uid, f"/{quote(user.uid)}/{quote(parts[1])}/"):
            # sabre-io/dav lib/CalDAV/Calendar.php::getChild, lib/CardDAV/AddressBook.php::getChild
            return DavError(404, "NotFound", "Calendar object not found" if kind == "calendars" else "Card not found")
        name = parts[1] if len(parts) >= 2 else parts[0]
        # sabre-io/dav lib/CalDAV/CalendarHome.php::getChild, lib/CardDAV/AddressBookHome.php::getChild
        node_type = "Node" if kind == "calendars" else "Addressbook"
        return DavError(404, "NotFound", f"{node_type} with name '{name}' could not be found")
    exception = {400: "BadRequest", 403: "Forbidden", 405: "MethodNotAllowed", 415: "UnsupportedMediaType"}
    text = result.body.decode("utf-8", "replace").strip() or "Error"
    return DavError(status, exception.get(status, "ServiceUnavailable"), text)


def _uid_of(body: bytes) -> str:
    for line in body.decode("utf-8", "replace").splitlines():
        if line.upper().startswith("UID:") or line.upper().startswith("UID;"):
            return line.split(":", 1)[1].strip()
    return ""


async def _uid_conflict(engine: CalDavEngine, kind: Kind, user: User, parts: list[str], body: bytes) -> DavError:
    """A second object with a UID already used in the collection: apps/dav CalDavBackend::createCalendarObject and
    CardDavBackend::createCard refuse it."""
    if kind == "calendars":
        message = "Calendar object with uid already exists in this calendar collection."
    else:
        message = "VCard object with uid already exists in this addressbook collection."
    if engine.state.version[0] < UID_CONFLICT_SINCE:
        return DavError(400, "BadRequest", message)
    uid = _uid_of(body)
    collection = f"/{quote(user.uid)}/{quote(parts[1])}/"
    if kind == "calendars":
        query = (
            '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
        )
    else:
        query = (
            '<?xml version="1.0"?><CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
            '<D:prop><D:getetag/></D:prop><CR:filter><CR:prop-filter name="UID"><CR:text-match match-type="equals">'
            f"{escape(uid)}</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>"
        )
    found = await engine.request(kind, "REPORT", collection, user.uid, {"Depth": "1"}, query.encode())
    existing = await _holder(engine, kind, user, found, uid)
    precondition = q(CAL if kind == "calendars" else CARD, "no-uid-conflict")
    href = encode_path(unquote(f"{SCRIPT_NAMES[kind]}{collection}{existing}"))
    return PreconditionError(409, "OCA\\DAV\\Exception\\UidConflict", message, precondition, href)


async def _holder(engine: CalDavEngine, kind: Kind, user: User, found: EngineResponse, uid: str) -> str:
    """The name of the object holding ``uid`` among the REPORT answer's hrefs."""
    if found.status != 207:
        return ""
    hrefs = [h.text or "" for h in ET.fromstring(found.body).iter(q(DAV, "href"))]  # noqa: S314 - Radicale's output
    for href in hrefs:
        path = href[len(SCRIPT_NAMES[kind]) :]
        data = await engine.request(kind, "GET", path, user.uid)
        if _uid_of(data.body) == uid:
            return href.rsplit("/", 1)[-1]
    return ""
