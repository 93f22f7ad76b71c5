"""The calendar trash bin (Nextcloud >= 22): deleting an event, a task or a calendar is soft.

=========================================================  =========================================================
``DELETE /calendars/{uid}/{cal}/{obj}``                    the object leaves the calendar (reports, ``sync-collection``
                                                           say it is deleted) and goes to the trash
``DELETE /calendars/{uid}/{cal}/``                         the calendar is marked deleted (``nc:deleted-calendar``);
                                                           ``X-NC-CalDAV-No-Trashbin: 1`` deletes it for good
``/calendars/{uid}/trashbin/``                             ``nc:trash-bin``, ``nc:trash-bin-retention-duration``
``/calendars/{uid}/trashbin/objects/{id}.ics``             REPORT ``calendar-query`` (Depth 1) on ``objects/`` lists
                                                           them; GET, PROPFIND, DELETE (for good)
``MOVE … Destination: …/trashbin/restore/{any}``           restores a deleted object or a deleted calendar
=========================================================  =========================================================

Sources (nextcloud/server, apps/dav/lib/CalDAV/): ``CalDavBackend::deleteCalendarObject`` (soft unless the app value
``calendarRetentionObligation`` is ``'0'``: ``deleted_at = time()``, URI renamed ``<name>-deleted.<ext>``, a change of
type 3 recorded), ``::restoreCalendarObject`` (URI back by ``str_replace('-deleted.ics', '.ics')``, Forbidden when
taken), ``::deleteCalendar`` / ``::restoreCalendar`` (``deleted_at`` on the calendar row; the birthday calendar and a
disabled trash bin delete for good), ``::createCalendarObject`` (a trashed object with the new object's UID is deleted
once more), ``::getDeletedCalendarObjectsByPrincipal`` (objects of deleted calendars are not listed),
``Calendar::delete`` (``X-NC-CalDAV-No-Trashbin`` through ``Trashbin/Plugin::beforeMethod``), ``Trashbin/*.php``,
``RetentionService`` (30 days by default; ``cleanUp`` purges older entries: the fake does it on the next CalDAV
request, Nextcloud in a background job). Radicale holds live objects only; the trash keeps the deleted bytes.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote, unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.caldav import trashprops
from fake_nextcloud.apps.caldav.engine import SCRIPT_NAMES, CalDavEngine
from fake_nextcloud.apps.caldav.errors import engine_error
from fake_nextcloud.apps.caldav.trashprops import Deleted
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.core.errors import not_implemented
from fake_nextcloud.core.php import php_int
from fake_nextcloud.core.state import FakeState, User
from fake_nextcloud.core.urls import webroot

__all__ = ["NAME", "CalendarTrash", "Deleted", "created", "dav_header", "enabled", "handle", "listing"]

NAME = "trashbin"  # Trashbin/TrashbinHome.php NAME
SINCE = 22  # the trash bin came with Nextcloud 22 (apps/dav/lib/CalDAV/Trashbin, 2021)
RETENTION_KEY = "calendarRetentionObligation"  # RetentionService::RETENTION_CONFIG_KEY
DEFAULT_RETENTION = 30 * 24 * 60 * 60  # RetentionService::DEFAULT_RETENTION_SECONDS
BIRTHDAY = "contact_birthdays"  # BirthdayService::BIRTHDAY_CALENDAR_URI: deleted for good (deleteCalendar)
_NO_TRASHBIN = "x-nc-caldav-no-trashbin"
_UID = re.compile(r"^UID(?:;[^:\r\n]*)?:(.*?)\r?$", re.MULTILINE)
_COMPONENT = re.compile(r"^BEGIN:(VEVENT|VTODO|VJOURNAL)\r?$", re.MULTILINE)


class CalendarTrash:
    """Deleted objects and the ``deleted_at`` of deleted calendars, per instance (``state.backend``)."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.objects: dict[int, Deleted] = {}
        self.calendars: dict[tuple[str, str], int] = {}  # (owner uid, calendar uri) -> deleted_at
        self._calendar_ids: dict[tuple[str, str], int] = {}
        self._next_id = 1
        self._lock = threading.Lock()

    @classmethod
    def of(cls, state: FakeState) -> CalendarTrash:
        return state.backend("caldav-trashbin", cls)

    def storage_used(self, uid: str) -> int:
        return 0  # calendar data does not count against the files quota

    def new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id - 1

    def calendar_id(self, owner: str, calendar: str) -> int:
        """A stand-in for the calendar's row id (only used in messages)."""
        with self._lock:
            return self._calendar_ids.setdefault((owner, calendar), len(self._calendar_ids) + 1)

    def visible(self, owner: str) -> list[Deleted]:
        """getDeletedCalendarObjectsByPrincipal: the owner's deleted objects whose calendar is not deleted."""
        return [o for o in self.objects.values() if o.owner == owner and (owner, o.calendar) not in self.calendars]

    def by_name(self, owner: str, name: str) -> Deleted | None:
        """DeletedCalendarObjectsCollection::getChild: ``preg_match('/(\\d+)\\.ics/')``, then the principal's row."""
        match = re.search(r"(\d+)\.ics", name)
        found = self.objects.get(int(match.group(1))) if match else None
        return found if found is not None and found.owner == owner else None

    def by_uri(self, owner: str, calendar: str, uri: str) -> Deleted | None:
        return next((o for o in self.objects.values() if (o.owner, o.calendar, o.uri) == (owner, calendar, uri)), None)


def enabled(state: FakeState) -> bool:
    return state.version[0] >= SINCE


def retention(state: FakeState) -> int:
    """RetentionService::getDuration: ``max((int) app value, 0)``, 30 days when unset."""
    return max(php_int(state.config.app_value("dav", RETENTION_KEY, str(DEFAULT_RETENTION))), 0)


def _soft(state: FakeState) -> bool:
    """CalDavBackend: deletes are for good when ``getAppValue('dav', 'calendarRetentionObligation') === '0'``."""
    return state.config.app_value("dav", RETENTION_KEY) != "0"


def dav_header(state: FakeState, header: str) -> str:
    """``nc-calendar-trashbin`` among the DAV features (Trashbin/Plugin::getFeatures), after the scheduling
    plugin's (apps/dav/lib/Server.php adds the trash bin plugin after Schedule\\Plugin)."""
    if not enabled(state):
        return header
    return header.replace("calendar-availability", "calendar-availability, nc-calendar-trashbin", 1)


def deleted_uri(name: str) -> str:
    """deleteCalendarObject: ``pathinfo`` filename + ``-deleted`` + ``.extension`` when there is one."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return f"{name}-deleted"
    return f"{stem}-deleted.{ext}" if ext else f"{stem}-deleted"


def _ical_uid(data: bytes) -> str:
    text = re.sub(r"\r?\n[ \t]", "", data.decode("utf-8", "replace"))
    match = _UID.search(text)
    return match.group(1).strip() if match else ""


def _component(data: bytes) -> str:
    match = _COMPONENT.search(data.decode("utf-8", "replace"))
    return match.group(1).lower() if match else ""


def _collection(uid: str, calendar: str) -> str:
    return f"/{quote(uid)}/{quote(calendar)}/"


def _done(status: int) -> Response:
    return Response(status_code=status, headers={"Content-Length": "0"})


# -- the hooks of routes.py --------------------------------------------------------------------------------------


async def handle(engine: CalDavEngine, request: Request, user: User, parts: list[str]) -> Response | None:
    """Answer a calendar-home request the trash bin owns (``parts`` start with the user id), else ``None``."""
    state = engine.state
    if not enabled(state):
        return None
    trash = CalendarTrash.of(state)
    await _expire(engine, trash)
    method = request.method
    if len(parts) >= 2 and parts[1] == NAME:
        if method in ("MKCOL", "MKCALENDAR") and len(parts) == 2:
            return None  # the home's child exists: routes answers 405 (sabre-io/dav Server::createCollection)
        return await _in_trashbin(engine, trash, request, user, parts[2:])
    target = _restore_target(state, request, user)
    if method == "MOVE" and target is not None and len(parts) in (2, 3):
        return await _restore_node(engine, trash, user, parts)
    own = (user.uid, parts[1]) not in engine.read_only if len(parts) >= 2 else False
    if method == "DELETE" and len(parts) == 2 and own and parts[1] != BIRTHDAY:
        return await _delete_calendar(engine, trash, request, user, parts[1])
    if method == "DELETE" and len(parts) == 3 and own and parts[1] != BIRTHDAY and _soft(state):
        return await _delete_object(engine, trash, request, user, parts)
    return None


def created(engine: CalDavEngine, user: User, parts: list[str], body: bytes) -> None:
    """After a new object was stored: CalDavBackend::createCalendarObject deletes a trashed object of the same
    calendar with the same UID "as if it was a new object", calling deleteCalendarObject without force, so with
    the trash bin on the entry is trashed once more (URI ``x-deleted-deleted.ics``, ``deleted_at`` now)."""
    if not enabled(engine.state) or len(parts) != 3:
        return
    trash, uid = CalendarTrash.of(engine.state), _ical_uid(body)
    for item in [o for o in trash.objects.values() if (o.owner, o.calendar) == (user.uid, parts[1])]:
        if uid and item.uid == uid:
            if _soft(engine.state):
                item.uri, item.deleted_at = deleted_uri(item.uri), engine.state.time()
            else:
                trash.objects.pop(item.id, None)


def listing(
    engine: CalDavEngine, request: Request, user: User, parts: list[str], body: bytes, answer: Response
) -> Response:
    """A PROPFIND answer of the calendar home with the trash bin among its children and deleted calendars shown as
    ``nc:deleted-calendar`` with ``nc:deleted-at`` (CalendarHome::getChildren, CalDavBackend::getCalendarsForUser,
    Calendar::__construct)."""
    if not enabled(engine.state) or request.method != "PROPFIND" or answer.status_code != 207 or len(parts) > 2:
        return answer
    trash = CalendarTrash.of(engine.state)
    deleted = {cal: at for (owner, cal), at in trash.calendars.items() if owner == user.uid}
    home = len(parts) == 1 and request.headers.get("depth", "infinity") != "0"
    if not deleted and not home:
        return answer
    rewritten = trashprops.mark_listing(
        bytes(answer.body), user.uid, deleted, body, retention(engine.state) if home else None
    )
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
    return Response(rewritten, status_code=207, headers=headers)


# -- deleting ----------------------------------------------------------------------------------------------------


async def _delete_object(
    engine: CalDavEngine, trash: CalendarTrash, request: Request, user: User, parts: list[str]
) -> Response | None:
    """deleteCalendarObject without force: the row is kept, renamed, with ``deleted_at``; a change of type 3 makes
    ``sync-collection`` report it deleted. Preconditions and missing objects are left to routes (Radicale)."""
    path = "/" + "/".join(quote(p) for p in parts)
    found = await engine.request("calendars", "GET", path, user.uid)
    if found.status != 200 or request.headers.get("if-none-match"):
        return None
    etag = next((v for k, v in found.headers.items() if k.lower() == "etag"), "")
    if_match = request.headers.get("if-match", "").strip()
    if if_match and if_match != "*" and etag not in [t.strip() for t in if_match.split(",")]:
        return None  # Server::checkPreconditions fails before the node is touched (routes answers the 412)
    uri = deleted_uri(parts[2])
    if trash.by_uri(user.uid, parts[1], uri) is not None:
        calendar_id = trash.calendar_id(user.uid, parts[1])
        raise DavError(
            403,
            "Forbidden",
            f"A calendar object with URI {uri} already exists in calendar {calendar_id}, therefore this object "
            "can't be moved into the trashbin",
        )
    result = await engine.request("calendars", "DELETE", path, user.uid)
    if not result.ok:
        raise await engine_error(engine, "calendars", request, user, parts, result, b"")
    item = Deleted(
        trash.new_id(),
        user.uid,
        parts[1],
        uri,
        found.body,
        etag,
        _component(found.body),
        _ical_uid(found.body),
        engine.state.time(),
    )
    trash.objects[item.id] = item
    return _done(204)


async def _delete_calendar(
    engine: CalDavEngine, trash: CalendarTrash, request: Request, user: User, calendar: str
) -> Response | None:
    """Calendar::delete → deleteCalendar(id, !useTrashbin): marked deleted (again: ``deleted_at`` renewed), or
    deleted for good with ``X-NC-CalDAV-No-Trashbin: 1`` or a disabled trash bin."""
    if not await engine.exists("calendars", user.uid, _collection(user.uid, calendar)):
        return None  # routes answers the 404
    if request.headers.get(_NO_TRASHBIN) == "1" or not _soft(engine.state):
        await _purge_calendar(engine, trash, user.uid, calendar)
    else:
        trash.calendars[(user.uid, calendar)] = engine.state.time()
    return _done(204)


async def _purge_calendar(engine: CalDavEngine, trash: CalendarTrash, owner: str, calendar: str) -> None:
    """deleteCalendar with force: the calendar, its objects (deleted ones too) and its changes go."""
    await engine.request("calendars", "DELETE", _collection(owner, calendar), owner)
    trash.calendars.pop((owner, calendar), None)
    for item in [o for o in trash.objects.values() if (o.owner, o.calendar) == (owner, calendar)]:
        trash.objects.pop(item.id, None)
    engine.read_only.pop((owner, calendar), None)


async def _expire(engine: CalDavEngine, trash: CalendarTrash) -> None:
    """RetentionService::cleanUp: entries deleted before ``now - duration`` are deleted for good."""
    before = engine.state.time() - retention(engine.state)
    for (owner, calendar), at in list(trash.calendars.items()):
        if at < before:
            await _purge_calendar(engine, trash, owner, calendar)
    for item in [o for o in trash.objects.values() if o.deleted_at < before]:
        trash.objects.pop(item.id, None)


# -- the trash bin's own nodes and restoring ---------------------------------------------------------------------


async def _in_trashbin(
    engine: CalDavEngine, trash: CalendarTrash, request: Request, user: User, sub: list[str]
) -> Response:
    method, body = request.method, await request.body()
    depth = request.headers.get("depth", "infinity")
    if len(sub) == 2 and sub[0] == "objects":
        item = trash.by_name(user.uid, sub[1])
        if item is None:
            raise DavError(404, "NotFound", "")  # DeletedCalendarObjectsCollection::getChild
        if method == "MOVE" and _restore_target(engine.state, request, user) is not None:
            return await _restore_object(engine, trash, item)
        if method == "DELETE":  # DeletedCalendarObject::delete: deleteCalendarObject(…, force: true)
            trash.objects.pop(item.id, None)
            return _done(204)
        if method in ("GET", "HEAD"):
            return trashprops.get(item, head=method == "HEAD")
        if method == "PROPFIND":
            return trashprops.object_propfind(user.uid, item, body)
        if method == "PUT":
            raise DavError(403, "Forbidden", "")  # DeletedCalendarObject::put
        return not_implemented(method, request.url.path)
    if len(sub) > 1 or (sub and sub[0] not in ("objects", "restore")):
        raise DavError(404, "NotFound", "")  # TrashbinHome / RestoreTarget / the collection ::getChild
    if method == "PROPFIND":
        if (sub == ["objects"] and depth != "0") or (not sub and depth not in ("0", "1")):
            raise DavError(501, "NotImplemented", "")  # DeletedCalendarObjectsCollection::getChildren
        return trashprops.node_propfind(user.uid, sub, body, depth, retention(engine.state))
    if method == "REPORT" and sub == ["objects"]:
        return trashprops.report(user.uid, trash.visible(user.uid), body, depth)
    if method == "PUT":
        raise DavError(409, "Conflict", "PUT is not allowed on non-files.")  # sabre-io/dav CorePlugin::httpPut
    if method in ("MKCOL", "MKCALENDAR"):
        # TrashbinHome::createDirectory; the collections below throw a bare Forbidden
        raise DavError(403, "Forbidden", "" if sub else "Permission denied to create a directory in the trashbin")
    if method == "DELETE":
        raise DavError(403, "Forbidden", "" if sub else "Permission denied to delete the trashbin")
    if method == "PROPPATCH" and not sub:
        raise DavError(403, "Forbidden", "not implemented")  # TrashbinHome::propPatch
    return not_implemented(method, request.url.path)


def _restore_target(state: FakeState, request: Request, user: User) -> list[str] | None:
    """The Destination's path below the calendars root when it is ``{uid}/trashbin/restore/{name}``: the
    RestoreTarget of Trashbin/RestoreTarget.php. Another user's → DavAclPlugin NotFound."""
    header = request.headers.get("destination", "")
    prefix = webroot() + SCRIPT_NAMES["calendars"] + "/"
    path = urlsplit(header).path
    if request.method != "MOVE" or not path.startswith(prefix):
        return None
    parts = [unquote(p) for p in path[len(prefix) :].split("/") if p]
    if len(parts) != 4 or parts[1:3] != [NAME, "restore"]:
        return None
    if parts[0] != user.uid:
        raise DavError(404, "NotFound", "Node with name 'restore' could not be found")
    return parts


async def _restore_node(engine: CalDavEngine, trash: CalendarTrash, user: User, parts: list[str]) -> Response:
    """RestoreTarget::moveInto restores an IRestorable (a Calendar: restoreCalendar, also for a live one); any other
    node is copied into it, which RestoreTarget::createFile refuses (Forbidden)."""
    exists = await engine.exists(
        "calendars", user.uid, "/" + "/".join(quote(p) for p in parts) + "/" * (len(parts) == 2)
    )
    if not exists:
        message = f"Node with name '{parts[1]}' could not be found" if len(parts) == 2 else "Calendar object not found"
        raise DavError(404, "NotFound", message)
    if len(parts) == 3 or parts[1] in ("inbox", "outbox"):
        raise DavError(403, "Forbidden", "")
    trash.calendars.pop((user.uid, parts[1]), None)  # CalDavBackend::restoreCalendar: deleted_at = null
    return _done(201)


async def _restore_object(engine: CalDavEngine, trash: CalendarTrash, item: Deleted) -> Response:
    """DeletedCalendarObject::restore → CalDavBackend::restoreCalendarObject: back under its URI without the
    ``-deleted`` (a change of type 1, so ``sync-collection`` reports it added); 201 (CorePlugin::httpMove)."""
    target = item.uri.replace("-deleted.ics", ".ics")
    path = f"{_collection(item.owner, item.calendar)}{quote(target)}"
    if await engine.exists("calendars", item.owner, path):
        raise DavError(
            403,
            "Forbidden",
            f"Can not restore calendar {item.id} because a calendar object with the URI {target} already exists",
        )
    headers = {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"}
    result = await engine.request("calendars", "PUT", path, item.owner, headers, item.data)
    if not result.ok:
        raise DavError(result.status, "BadRequest", result.body.decode("utf-8", "replace").strip())
    trash.objects.pop(item.id, None)
    return _done(201)
