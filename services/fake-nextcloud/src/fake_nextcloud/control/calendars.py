"""Control API for calendars and address books (CalDAV/CardDAV, ``apps/caldav``).

=============================  ==================================================================================
``POST /seed/calendars``       ``{"user": login|uid, "calendars": [{"uri", "name"?, "components"?: ["VEVENT", ...],
                               "color"?, "read_only"?: bool, "shared_by"?: uid, "objects"?: [{"name"?, "data"}]}]}``
                               -> 201 ``{"calendars": [{"uri", "href", "read_only", "objects": [{"name", "href",
                               "etag"}]}]}``. A missing calendar is created (default components VEVENT+VTODO); an
                               existing one (``personal``) keeps its properties and gets the objects. ``read_only``
                               without ``shared_by`` is the user's own read-only calendar (writes 403, as a
                               subscription); with ``shared_by`` a calendar shared read-only by that user (Nextcloud
                               names those ``<uri>_shared_by_<owner>``). Object ``name`` defaults to ``<UID>.ics``.
``POST /seed/addressbooks``    ``{"user", "addressbooks": [{"uri", "name"?, "cards"?: [{"name"?, "data"}]}]}`` -> 201
                               the same shape (``cards`` instead of ``objects``); ``contacts`` exists already.
``POST /caldav``               ``{"omit_etag"?: bool, "birthday_calendars"?: bool, "system_addressbook"?: bool}`` ->
                               all three: no ``ETag`` on any CalDAV/CardDAV PUT; the app values
                               ``dav/generateBirthdayCalendar`` and ``dav/system_addressbook_exposed`` (``birthdays``,
                               ``sysaddressbook``)
=============================  ==================================================================================

``href`` values are what a client requests (under the instance's webroot, if any).

Seeded data goes to Radicale directly: the Sabre validation of client writes is not applied (Radicale still
rejects what it cannot parse, -> 400); seeded cards fill the birthday calendar as any card write does (CardDavBackend
events). Everything is cleared by ``POST /reset``.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.caldav import birthdays
from fake_nextcloud.apps.caldav.engine import (
    SCRIPT_NAMES,
    CalDavEngine,
    Kind,
    ReadOnly,
    mkcalendar_body,
    mkcol_addressbook_body,
)
from fake_nextcloud.apps.caldav.props import encode_path
from fake_nextcloud.core.state import FakeState, User

__all__ = ["build_calendar_control_routes"]

_EXPOSED = "system_addressbook_exposed"
_UID = re.compile(r"^UID[;:](?:[^:\r\n]*:)?(.+?)\r?$", re.MULTILINE)


class _SeedError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _user(state: FakeState, name: str) -> User:
    users = state.users_for_name(name)
    if len(users) != 1:
        raise _SeedError(f"unknown user {name!r}", 404)
    return users[0]


async def _data(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError as exc:
        raise _SeedError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _SeedError("expected a JSON object")
    return data


def _put_objects(engine: CalDavEngine, kind: Kind, user: User, uri: str, items: list[Any]) -> list[dict[str, Any]]:
    out = []
    suffix = ".ics" if kind == "calendars" else ".vcf"
    content_type = "text/calendar" if kind == "calendars" else "text/vcard"
    for item in items:
        data = str(item["data"])
        name = item.get("name")
        if not name:
            match = _UID.search(data)
            name = (match.group(1).strip() if match else str(uuid.uuid4())) + suffix
        path = f"/{quote(user.uid)}/{quote(uri)}/{quote(str(name))}"
        result = engine.call(kind, "PUT", path, user.uid, {"Content-Type": content_type}, data.encode("utf-8"))
        if not result.ok:
            raise _SeedError(f"{name}: {result.status} {result.body.decode('utf-8', 'replace').strip()}")
        if kind == "addressbooks":
            birthdays.card_changed(engine, user.uid, uri, str(name))
        href = engine.state.config.webroot + encode_path(unquote(SCRIPT_NAMES[kind] + path))
        out.append({"name": name, "href": href, "etag": result.headers.get("ETag", "")})
    return out


def _exists(engine: CalDavEngine, kind: Kind, user: User, uri: str) -> bool:
    return engine.call(kind, "PROPFIND", f"/{quote(user.uid)}/{quote(uri)}/", user.uid, {"Depth": "0"}).status == 207


def build_calendar_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    def seed_calendars(data: dict[str, Any]) -> dict[str, Any]:
        user = _user(state, str(data["user"]))
        engine = CalDavEngine.of(state)
        engine.ensure_defaults(user)
        out = []
        for spec in data.get("calendars", []):
            uri = str(spec["uri"])
            if not _exists(engine, "calendars", user, uri):
                components = [str(c).upper() for c in spec.get("components", ["VEVENT", "VTODO"])]
                body = mkcalendar_body(str(spec.get("name", uri)), components, spec.get("color"))
                result = engine.call(
                    "calendars", "MKCALENDAR", f"/{quote(user.uid)}/{quote(uri)}/", user.uid, body=body
                )
                if not result.ok:
                    raise _SeedError(f"{uri}: {result.status} {result.body.decode('utf-8', 'replace').strip()}")
            objects = _put_objects(engine, "calendars", user, uri, list(spec.get("objects", [])))
            if spec.get("read_only") or spec.get("shared_by"):
                sharer = spec.get("shared_by")
                if sharer is not None:
                    sharer = _user(state, str(sharer)).uid
                engine.read_only[(user.uid, uri)] = ReadOnly(sharer)
            href = f"{state.config.webroot}{SCRIPT_NAMES['calendars']}/{encode_path(user.uid)}/{encode_path(uri)}/"
            read_only = (user.uid, uri) in engine.read_only
            out.append({"uri": uri, "href": href, "read_only": read_only, "objects": objects})
        return {"calendars": out}

    def seed_addressbooks(data: dict[str, Any]) -> dict[str, Any]:
        user = _user(state, str(data["user"]))
        engine = CalDavEngine.of(state)
        engine.ensure_defaults(user)
        out = []
        for spec in data.get("addressbooks", []):
            uri = str(spec["uri"])
            if not _exists(engine, "addressbooks", user, uri):
                body = mkcol_addressbook_body(str(spec.get("name", uri)))
                result = engine.call("addressbooks", "MKCOL", f"/{quote(user.uid)}/{quote(uri)}/", user.uid, body=body)
                if not result.ok:
                    raise _SeedError(f"{uri}: {result.status} {result.body.decode('utf-8', 'replace').strip()}")
            cards = _put_objects(engine, "addressbooks", user, uri, list(spec.get("cards", [])))
            href = f"{state.config.webroot}{SCRIPT_NAMES['addressbooks']}/{encode_path(user.uid)}/{encode_path(uri)}/"
            out.append({"uri": uri, "href": href, "cards": cards})
        return {"addressbooks": out}

    def switches(data: dict[str, Any]) -> dict[str, Any]:
        engine = CalDavEngine.of(state)
        if "omit_etag" in data:
            engine.flags.omit_etag = bool(data["omit_etag"])
        for key, value in (("birthday_calendars", "generateBirthdayCalendar"), ("system_addressbook", _EXPOSED)):
            if key in data:
                state.config.set_app_value("dav", value, "yes" if data[key] else "no")
        return {
            "omit_etag": engine.flags.omit_etag,
            "birthday_calendars": state.config.app_value("dav", "generateBirthdayCalendar", "yes") == "yes",
            "system_addressbook": state.config.app_value("dav", _EXPOSED, "yes") == "yes",
        }

    def endpoint(handler: Any, status: int) -> Any:
        async def run(request: Request) -> Response:
            try:
                return JSONResponse(handler(await _data(request)), status_code=status)
            except _SeedError as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            except (KeyError, TypeError, ValueError) as exc:
                return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)

        return run

    return [
        Route("/seed/calendars", endpoint(seed_calendars, 201), methods=["POST"]),
        Route("/seed/addressbooks", endpoint(seed_addressbooks, 201), methods=["POST"]),
        Route("/caldav", endpoint(switches, 200), methods=["POST"]),
    ]
