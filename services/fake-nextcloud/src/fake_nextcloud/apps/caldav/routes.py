"""CalDAV/CardDAV requests under ``/remote.php/dav`` (called from apps/dav/routes.py ``DavApp``).

=====================================================  =============================================================
``PROPFIND /remote.php/dav/``                          root: ``d:current-user-principal``, principal collections
``/remote.php/dav/principals/users/{uid}/``            PROPFIND: the principal (homes, ``calendar-user-address-set``,
                                                       ``schedule-outbox-URL``, ...); any user's principal is readable
``/remote.php/dav/calendars/{uid}/[{cal}/[{obj}]]``    Radicale: PROPFIND, PROPPATCH, REPORT (calendar-query,
                                                       calendar-multiget, sync-collection, free-busy-query),
                                                       MKCALENDAR, MKCOL, PUT, GET, HEAD, DELETE, MOVE
``/remote.php/dav/calendars/{uid}/outbox/``            POST: RFC 6638 VFREEBUSY REQUEST (``schedule``)
``/remote.php/dav/addressbooks/users/{uid}/…``         Radicale: the same for address books (addressbook-query, ...)
=====================================================  =============================================================

What Nextcloud/Sabre adds around Radicale, each cited where it is done: default ``personal`` calendar and
``contacts`` address book, reserved names, other users' homes answering 404 (DavAclPlugin), read-only
calendars, Sabre validation of iCalendar/vCard data (``validation``), no ``ETag`` after a repaired write,
Sabre XML error bodies, objects answered as stored (``cardstore``), owners of collections (``ownership``), the
generated "Contact birthdays" calendar (``birthdays``) and system address book (``sysaddressbook``), limits on
``sync-collection`` (``synclimit``), the calendar trash bin (``trashbin``: soft deletes, ``trashbin/``, restores).
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.caldav import (
    birthdays,
    carddav,
    itip,
    schedule,
    synclimit,
    sysaddressbook,
    trashbin,
    validation,
)
from fake_nextcloud.apps.caldav.engine import SCRIPT_NAMES, CalDavEngine, EngineResponse, Kind
from fake_nextcloud.apps.caldav.errors import PreconditionError, engine_error
from fake_nextcloud.apps.caldav.ns import CAL, DAV
from fake_nextcloud.apps.caldav.ownership import Owners
from fake_nextcloud.apps.caldav.props import (
    DAV_ROOT,
    encode_path,
    home_extras,
    multiget_below_webroot,
    principal_collection_set,
    principal_href,
    principal_props,
    resourcetype,
    rewrite_multistatus,
)
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.apps.dav.xmlio import PropValue, multistatus, parse_propfind, q
from fake_nextcloud.core.events import Event
from fake_nextcloud.core.state import FakeState, User
from fake_nextcloud.core.urls import base_url, webroot

__all__ = ["COLLECTIONS", "dispatch", "handles"]

COLLECTIONS = ("calendars", "addressbooks", "principals")
#: apps/dav/lib/CalDAV/CalendarHome.php::createExtendedCollection: BirthdayService::BIRTHDAY_CALENDAR_URI,
#: TrashbinHome::NAME, and ExternalCalendar::doesViolateReservedName (prefix ``app-generated--``). ``trashbin``
#: (like ``inbox``, ``outbox``, ``notifications``) is a child of every calendar home, so Sabre's
#: Server::createCollection answers "already exists" before the reserved-name check is reached.
RESERVED_CALENDARS = ("contact_birthdays",)
HOME_CHILDREN = ("inbox", "outbox", "notifications", "trashbin")
RESERVED_PREFIX = {"calendars": "app-generated--", "addressbooks": "z-app-generated--"}
#: Features announced by the Sabre plugins Nextcloud loads (sabre-io/dav Plugin::getFeatures of each).
DAV_HEADER = (
    "1, 3, extended-mkcol, access-control, calendarserver-principal-property-search, calendar-access,"
    " calendar-auto-schedule, calendar-availability, addressbook, nc-calendar-search"
)


def handles(path: str) -> bool:
    """Whether ``path`` (below ``/remote.php``) belongs here; the root only for PROPFIND/OPTIONS (the caller
    checks the method, SEARCH on the root stays with files)."""
    parts = [p for p in path.split("/") if p]
    return len(parts) >= 2 and parts[0] == "dav" and parts[1] in COLLECTIONS


async def dispatch(state: FakeState, request: Request, user: User, path: str) -> Response:
    """``path`` is below ``/remote.php/dav`` (``""`` for the root)."""
    try:
        return await _dispatch(state, request, user, path)
    except PreconditionError as exc:
        return exc.response()


async def _dispatch(state: FakeState, request: Request, user: User, path: str) -> Response:
    engine = CalDavEngine.of(state)
    await engine.ensure(user)
    await sysaddressbook.ensure(
        engine, user, base_url(state.config, request.url.scheme, request.headers.get("host", ""))
    )
    if request.method == "OPTIONS":
        return Response(status_code=200, headers={"DAV": trashbin.dav_header(state, DAV_HEADER), "Content-Length": "0"})
    parts = [p for p in path.split("/") if p]
    if not parts:
        return await _root(request, user)
    if parts[0] == "principals":
        return await _principals(state, request, user, parts[1:])
    if parts[0] == "calendars":
        return await _home(engine, request, user, "calendars", parts[1:])
    if parts[1:2] != ["users"]:
        if len(parts) == 1 and request.method == "PROPFIND":
            return _collection(f"{DAV_ROOT}/addressbooks/", await request.body())
        raise DavError(404, "NotFound", f"Node with name '{parts[1] if len(parts) > 1 else ''}' could not be found")
    return await _home(engine, request, user, "addressbooks", parts[2:])


def _collection(url: str, body: bytes) -> Response:
    props: dict[str, PropValue] = {q(DAV, "resourcetype"): resourcetype(q(DAV, "collection"))}
    return multistatus([(url, props)], parse_propfind(body))


async def _root(request: Request, user: User) -> Response:
    if request.method != "PROPFIND":
        raise DavError(501, "NotImplemented", f"There was no handler found for this {request.method!r} method")
    requested = parse_propfind(await request.body())
    own = principal_props(user, user)
    props: dict[str, PropValue] = {
        q(DAV, "resourcetype"): resourcetype(q(DAV, "collection")),
        q(DAV, "current-user-principal"): own[q(DAV, "current-user-principal")],
        # apps/dav/lib/Server.php: $acl->principalCollectionSet
        q(DAV, "principal-collection-set"): principal_collection_set(),
    }
    entries = [(f"{DAV_ROOT}/", props)]
    if request.headers.get("depth", "1") != "0":
        for name in ("principals", "calendars", "addressbooks", "files"):
            entries.append((f"{DAV_ROOT}/{name}/", {q(DAV, "resourcetype"): resourcetype(q(DAV, "collection"))}))
    return multistatus(entries, requested)


async def _principals(state: FakeState, request: Request, user: User, parts: list[str]) -> Response:
    if request.method != "PROPFIND":
        raise DavError(501, "NotImplemented", f"There was no handler found for this {request.method!r} method")
    body = await request.body()
    if not parts:
        return _collection(f"{DAV_ROOT}/principals/", body)
    if parts[0] != "users":
        raise DavError(404, "NotFound", f"Node with name '{parts[0]}' could not be found")
    if len(parts) == 1:
        return _collection(f"{DAV_ROOT}/principals/users/", body)
    target = state.user(parts[1])
    if target is None or len(parts) > 2:
        # sabre-io/dav lib/DAVACL/AbstractPrincipalCollection.php::getChild
        raise DavError(404, "NotFound", f"Principal with name {parts[1]} not found")
    return multistatus([(principal_href(target.uid), principal_props(target, user))], parse_propfind(body))


def _deny(state: FakeState, kind: Kind, parts: list[str]) -> DavError:
    """Another user's home or anything below it: apps/dav/lib/Connector/Sabre/DavAclPlugin.php::checkPrivileges
    turns the ACL failure into NotFound "<type> with name '<name>' could not be found" (no enumeration)."""
    if state.user(parts[0]) is None:
        return DavError(404, "NotFound", f"Principal with name {parts[0]} not found")
    book_type = "Calendar" if kind == "calendars" else "Addressbook"
    node_type = book_type if len(parts) == 2 else "Node"
    return DavError(404, "NotFound", f"{node_type} with name '{parts[-1]}' could not be found")


async def _home(engine: CalDavEngine, request: Request, user: User, kind: Kind, parts: list[str]) -> Response:
    method = request.method
    if not parts:
        if method == "PROPFIND":
            return _collection(f"{SCRIPT_NAMES[kind]}/", await request.body())
        raise DavError(501, "NotImplemented", f"There was no handler found for this {method!r} method")
    if parts[0] != user.uid:
        raise _deny(engine.state, kind, parts)
    if kind == "addressbooks":  # z-server-generated--system is read-only (sysaddressbook.py)
        sysaddressbook.check_write(engine, method, request.headers.get("destination", ""), parts)
    if kind == "calendars" and (answer := await trashbin.handle(engine, request, user, parts)) is not None:
        return answer  # the trash bin (trashbin.py): soft deletes, trashbin/, restores
    if kind == "calendars" and len(parts) >= 2 and parts[1] in ("inbox", "outbox") and method != "MKCALENDAR":
        return await schedule.scheduling(engine, request, user, parts[1], parts[2:])
    if len(parts) == 1 and method not in ("PROPFIND", "REPORT"):
        raise _home_method(kind, method)
    if len(parts) == 2 and method == "PUT":
        if await engine.exists(kind, user.uid, f"/{quote(user.uid)}/{quote(parts[1])}/"):
            raise DavError(409, "Conflict", "PUT is not allowed on non-files.")  # sabre-io/dav CorePlugin::httpPut
        raise _home_method(kind, "PUT")
    body = await request.body()
    radicale_path = "/" + "/".join(quote(p) for p in parts) + ("/" if len(parts) < 3 else "")
    headers = _forward_headers(request)
    modified = False
    recipients: list[User] = []
    syncs = method == "REPORT" and b"sync-collection" in body and len(parts) == 2  # only collections sync
    sync = synclimit.read(engine, kind, body) if syncs else None
    if method == "REPORT" and b"sync-collection" in body:
        body = synclimit.radicale_body(engine, body, sync)
    elif method == "REPORT":
        body = multiget_below_webroot(body)
    if method in ("MKCALENDAR", "MKCOL"):
        body = await _mkcol_checks(engine, kind, user, parts, body)
    elif method in ("PUT", "DELETE", "MOVE") and len(parts) >= 3:
        await _check_writable(engine, method, user, parts)
        if method == "PUT":
            body, modified = await _validate(engine, request, kind, user, parts, body)
        if method == "PUT" and kind == "calendars":
            body, scheduled, recipients = itip.organizer_change(body, user, list(engine.state.users.values()))
            modified = modified or scheduled
        if method == "MOVE":
            headers["Destination"] = await _destination(engine, request, kind, user)
    result = await engine.request(kind, method, radicale_path, user.uid, headers, body)
    if result.status >= 400:
        raise await engine_error(engine, kind, request, user, parts, result, body)
    if kind == "calendars" and method == "PUT" and result.status == 201:
        trashbin.created(engine, user, parts, body)
        _publish_created(engine, user, parts, body)
    if kind == "addressbooks":  # the version negotiation of sabre-io/dav CardDAV Plugin (carddav.py)
        result = carddav.answer(engine, request, radicale_path, body, result)
    if recipients:
        await itip.deliver(engine, recipients, body)
    if method == "DELETE" and len(parts) == 2:
        engine.read_only.pop((user.uid, parts[1]), None)  # unsubscribed / unshared
        if kind == "calendars" and parts[1] == birthdays.URI:
            birthdays.calendar_deleted(engine.state, user.uid)
    if kind == "addressbooks" and method in ("PUT", "DELETE", "MOVE"):  # CardCreated/Updated/DeletedEvent
        await birthdays.on_write(engine, user.uid, method, parts, headers.get("Destination", ""))
    allprop = method == "PROPFIND" and parse_propfind(body) is None
    answer = _respond(engine, request, kind, user, parts, result, modified=modified, allprop=allprop)
    if sync is not None:
        answer = synclimit.apply(engine, kind, user.uid, parts, sync, answer)
    return trashbin.listing(engine, request, user, parts, body, answer) if kind == "calendars" else answer


def _home_method(kind: Kind, method: str) -> DavError:
    """What sabre-io/dav lib/CalDAV/CalendarHome.php and lib/CardDAV/AddressBookHome.php throw for writes to
    the home itself."""
    if method == "PUT":
        return DavError(405, "MethodNotAllowed", "Creating new files in this collection is not supported")
    if method in ("MKCALENDAR", "MKCOL"):
        return DavError(405, "MethodNotAllowed", "The resource you tried to create already exists")
    if method == "DELETE" and kind == "calendars":
        return DavError(403, "Forbidden", "")
    if method == "DELETE":
        return DavError(405, "MethodNotAllowed", "")
    return DavError(501, "NotImplemented", f"There was no handler found for this {method!r} method")


def _forward_headers(request: Request) -> dict[str, str]:
    """The request headers Radicale needs (never ``Authorization`` or ``X-Remote-User``). A PROPFIND without
    ``Depth`` means infinity (RFC 4918 9.1; apps/dav Connector/Sabre/Server.php enables it), Radicale's default
    is 0; Radicale answers infinity like 1."""
    keep = ("depth", "if-match", "if-none-match", "content-type", "destination", "overwrite", "accept", "prefer")
    headers = {name: value for name, value in request.headers.items() if name in keep}
    if request.method == "PROPFIND":
        headers.setdefault("depth", "infinity")
    return headers


async def _destination(engine: CalDavEngine, request: Request, kind: Kind, user: User) -> str:
    """The ``Destination`` of a MOVE as a path for Radicale, checked as Sabre checks the target: outside the DAV
    base -> 403 (sabre-io/dav lib/DAV/Server.php::calculateUri), another user's home -> DavAclPlugin NotFound,
    a read-only calendar -> as a write into it."""
    header = request.headers.get("destination", "")
    if not header:
        raise DavError(400, "BadRequest", "The destination header was not supplied")
    path = urlsplit(header).path
    prefix = webroot() + SCRIPT_NAMES[kind] + "/"  # Sabre's base URI carries the webroot
    if not path.startswith(prefix):
        raise DavError(403, "Forbidden", f"Requested uri ({unquote(path)}) is out of base uri ({prefix})")
    parts = [unquote(p) for p in path[len(prefix) :].split("/") if p]
    if len(parts) != 3:
        raise DavError(409, "Conflict", "Parent node does not exist")
    if parts[0] != user.uid:
        raise _deny(engine.state, kind, parts)
    if kind == "calendars":
        await _check_writable(engine, "PUT", user, parts)
    return path[len(webroot()) :]  # Radicale is mounted at SCRIPT_NAMES, below the webroot


def _respond(
    engine: CalDavEngine,
    request: Request,
    kind: Kind,
    user: User,
    parts: list[str],
    result: EngineResponse,
    *,
    modified: bool,
    allprop: bool = False,
) -> Response:
    headers = {k: v for k, v in result.headers.items() if k.lower() not in ("content-length", "dav")}
    body = result.body
    if result.status == 207 and body:
        home = f"{SCRIPT_NAMES[kind]}/{encode_path(user.uid)}/"
        read_only = {
            f"{SCRIPT_NAMES['calendars']}/{encode_path(uid)}/{encode_path(uri)}/": ro.owner
            for (uid, uri), ro in engine.read_only.items()
            if uid == user.uid and kind == "calendars"
        }
        special = sysaddressbook.owners(engine.state, home) if kind == "addressbooks" else {}
        read_only |= dict.fromkeys(special)  # the system address book: read only (SystemAddressbook::getACL)
        owners = Owners(engine.state, user, home, calendars=kind == "calendars", shared=read_only, special=special)
        listing = kind == "calendars" and len(parts) == 1 and request.method == "PROPFIND"
        extra = home_extras(user) if listing else None
        if extra is not None and request.headers.get("depth", "infinity") == "0":
            extra = None
        body = rewrite_multistatus(
            body, user, home, read_only, engine.tokens, extra=extra, owners=owners, allprop=allprop
        )
        headers["Content-Type"] = "application/xml; charset=utf-8"
    if request.method == "PUT" and (modified or engine.flags.omit_etag):
        # sabre-io/dav lib/DAV/Server.php::createFile/updateFile: "If $modified is true, we must not send back
        # an ETag." (RFC 4791 5.3.4)
        headers.pop("ETag", None)
    if request.method == "DELETE":
        # sabre-io/dav lib/DAV/CorePlugin.php::httpDelete: 204, empty body (Radicale answers 200 with a body)
        return Response(status_code=204, headers={"Content-Length": "0"})
    if request.method == "HEAD":  # CorePlugin::httpHead: the GET's headers, Content-Length included
        length = {k: v for k, v in result.headers.items() if k.lower() == "content-length"}
        return Response(status_code=result.status, headers=headers | length)
    return Response(body, status_code=result.status, headers=headers)


async def _mkcol_checks(engine: CalDavEngine, kind: Kind, user: User, parts: list[str], body: bytes) -> bytes:
    if len(parts) > 2:
        # sabre-io/dav lib/CalDAV/Calendar.php / lib/CardDAV/AddressBook.php ::createDirectory
        where = "calendar objects" if kind == "calendars" else "addressbooks"
        raise DavError(405, "MethodNotAllowed", f"Creating collections in {where} is not allowed")
    name = parts[1]
    reserved = name.startswith(RESERVED_PREFIX[kind]) or (kind == "calendars" and name in RESERVED_CALENDARS)
    if reserved:
        raise DavError(405, "MethodNotAllowed", "The resource you tried to create has a reserved name")
    child = kind == "calendars" and name in HOME_CHILDREN
    if child or await engine.exists(kind, user.uid, f"/{quote(user.uid)}/{quote(name)}/"):
        # sabre-io/dav lib/DAV/Server.php::createCollection
        raise DavError(405, "MethodNotAllowed", "The resource you tried to create already exists")
    if kind == "calendars":
        return _default_components(body)
    return body


def _default_components(body: bytes) -> bytes:
    """apps/dav/lib/CalDAV/CalDavBackend.php::createCalendar: without ``supported-calendar-component-set`` a new
    calendar gets ``components = 'VEVENT,VTODO'``."""
    sccs = q(CAL, "supported-calendar-component-set")
    try:
        root = SafeET.fromstring(body) if body.strip() else ET.Element(q(CAL, "mkcalendar"))
    except Exception as exc:  # defusedxml raises ParseError or DefusedXmlException
        raise DavError(400, "BadRequest", f"The request body had an invalid XML body. ({exc})") from None
    if root.find(f".//{sccs}") is not None:
        return body
    prop = root.find(f"{q(DAV, 'set')}/{q(DAV, 'prop')}")
    if prop is None:
        prop = ET.SubElement(ET.SubElement(root, q(DAV, "set")), q(DAV, "prop"))
    components = ET.SubElement(prop, sccs)
    for name in ("VEVENT", "VTODO"):
        ET.SubElement(components, q(CAL, "comp"), {"name": name})
    serialized: bytes = ET.tostring(root, encoding="utf-8")
    return serialized


async def _check_writable(engine: CalDavEngine, method: str, user: User, parts: list[str]) -> None:
    """Writes into a read-only calendar (apps/dav/lib/Connector/Sabre/DavAclPlugin.php::checkPrivileges): where
    the node's owner is the current user (own read-only calendar, or an existing object of a calendar shared
    with the user) Sabre's ACL failure becomes Forbidden "Access denied"; where it is another user (binding or
    unbinding in a calendar shared by someone else) NotFound "Calendar with name '…' could not be found"."""
    read_only = engine.read_only.get((user.uid, parts[1]))
    if read_only is None:
        return
    if read_only.owner is None:
        raise DavError(403, "Forbidden", "Access denied")
    exists = await engine.exists("calendars", user.uid, "/" + "/".join(quote(p) for p in parts))
    if method == "PUT" and exists:
        raise DavError(403, "Forbidden", "Access denied")
    raise DavError(404, "NotFound", f"Calendar with name '{parts[1]}' could not be found")


async def _validate(
    engine: CalDavEngine, request: Request, kind: Kind, user: User, parts: list[str], body: bytes
) -> tuple[bytes, bool]:
    strict = "handling=strict" in request.headers.get("prefer", "").replace(" ", "")
    if kind == "addressbooks":
        return validation.validate_vcard(body, strict=strict)
    components = await _components(engine, user, parts[1])
    return validation.validate_icalendar(body, components, strict=strict, now=engine.state.time())


async def _components(engine: CalDavEngine, user: User, calendar: str) -> list[str]:
    body = (
        b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        b"<d:prop><c:supported-calendar-component-set/></d:prop></d:propfind>"
    )
    result = await engine.request(
        "calendars", "PROPFIND", f"/{quote(user.uid)}/{quote(calendar)}/", user.uid, {"Depth": "0"}, body
    )
    if result.status != 207:
        raise DavError(404, "NotFound", f"Node with name '{calendar}' could not be found")
    root = ET.fromstring(result.body)  # noqa: S314 - produced by the in-process Radicale
    names = [c.get("name", "") for c in root.iter(q(CAL, "comp"))]
    return names or ["VEVENT", "VTODO", "VJOURNAL"]


def _publish_created(engine: CalDavEngine, user: User, parts: list[str], body: bytes) -> None:
    """``CalendarObjectCreatedEvent`` (apps/dav/lib/CalDAV/CalDavBackend.php::createCalendarObject), which
    apps/dav/lib/Listener/ActivityUpdaterListener.php turns into activities (CalDAV/Activity/Backend.php
    ::onTouchCalendarObject). Data: calendar URI and id, object URI, component (VEVENT/VTODO) and SUMMARY."""
    text = body.decode("utf-8", "replace").replace("\r\n ", "").replace("\n ", "")
    component = "VTODO" if "BEGIN:VTODO" in text else "VEVENT"
    summary = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("SUMMARY")), "")
    calendar_id = trashbin.CalendarTrash.of(engine.state).calendar_id(user.uid, parts[1])
    data: dict[str, object] = {"owner": user.uid, "calendar": parts[1], "object": parts[2], "summary": summary}
    data |= {"component": component, "calendar_id": calendar_id}
    engine.state.events.publish(Event("dav", "calendar_object_created", user.uid, data))
