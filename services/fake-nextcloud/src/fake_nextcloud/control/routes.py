"""The testbed control API under ``/__testbed__/`` (outside Nextcloud's URL space, like moto's
``/moto-api/``). Mounted only when the app is built with ``control=True``. JSON in, JSON out.

=========================  ==================================================================================
``POST /reset``            back to the start configuration (users, apps, version); clears data, faults, log
``GET /users``             ``{"users": [user...]}`` (no secrets)
``POST /users``            ``{"login", "password", "uid"?, "display_name"?, "email"?, "app_passwords"?: [],
                           "groups"?: [], "quota"?: bytes|"none"|"5 GB", "language"?}`` -> 201 user
``POST /seed/notes``       ``{"user": login|uid, "notes": [{"title", "content"?, "category"?, "favorite"?,
                           "readonly"?, "modified"?}]}`` -> 201 ``{"notes": [note...]}`` (API note objects);
                           each note is a file below the user's notes folder (WebDAV ``Notes/<category>/``),
                           ``readonly`` a file WebDAV may not write or delete either
``POST /apps``             ``{"enable"?: [...], "disable"?: [...], "versions"?: {app: "0.11.4"}}`` -> ``{"installed":
                           {...}, "enabled": [...]}``; ``versions`` installs another release of an installed app
                           (what that release does differently is the app's: e.g. Cookbook before 0.11.5
                           publishes no capability, ``apps/cookbook/models.py::capability``)
``POST /faults``           ``{"method"?, "path": regex, "user"?, "action": {"latency_ms"?, "status"?, "body"?,
                           "headers"?, "drop"?}, "times"?}`` -> 201 rule (with ``id``)
``GET /faults``            ``{"faults": [rule...]}`` (``times`` = remaining, ``hits``)
``DELETE /faults``         remove all rules
``GET /requests``          ``{"requests": [{"seq", "time", "method", "path", "query", "status", "user", "fault",
                           "dropped", "duration_ms"}]}`` (no credentials; secret-looking query values masked)
``DELETE /requests``       clear the log
``POST /clock``            ``{"set": ts}`` | ``{"advance": seconds}`` -> ``{"now": ts}`` (switches to a manual clock)
``POST /server``           ``{"maintenance"?: bool, "version"?: "34.0.2"}`` -> ``status.php`` data
=========================  ==================================================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.models import status_info
from fake_nextcloud.apps.notes.models import NotesBackend
from fake_nextcloud.core.clock import ManualClock
from fake_nextcloud.core.faults import FaultRule
from fake_nextcloud.core.state import FakeState

__all__ = ["build_control_routes"]

Endpoint = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    """A bad control request (-> 400, or the given status)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ControlError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("expected a JSON object")
    return data


def _endpoint(handler: Callable[[Request], Awaitable[Response]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ControlError as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)

    return endpoint


def build_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    def uid_for(name: str) -> str:
        users = state.users_for_name(name)
        if len(users) != 1:
            raise ControlError(f"unknown user {name!r}", 404)
        return users[0].uid

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"status": "ok"})

    async def list_users(request: Request) -> Response:
        return JSONResponse({"users": [u.to_json() for u in state.users.values()]})

    async def add_user(request: Request) -> Response:
        data = await _json(request)
        user = state.add_user(
            str(data["login"]),
            str(data["password"]),
            uid=data.get("uid"),
            display_name=data.get("display_name") or data.get("displayname"),
            email=data.get("email"),
            app_passwords=[str(p) for p in data.get("app_passwords", [])],
            groups=[str(g) for g in data.get("groups", [])],
            quota=data.get("quota"),
            language=str(data.get("language", "en")),
            persistent=False,
        )
        return JSONResponse(user.to_json(), status_code=201)

    async def seed_notes(request: Request) -> Response:
        data = await _json(request)
        uid = uid_for(str(data["user"]))
        backend = NotesBackend.of(state)
        created = []
        for spec in data.get("notes", []):
            note = backend.seed(
                uid,
                title=str(spec.get("title", "")),
                content=str(spec.get("content", "")),
                category=str(spec.get("category", "")),
                favorite=bool(spec.get("favorite", False)),
                readonly=bool(spec.get("readonly", False)),
                modified=int(spec["modified"]) if spec.get("modified") is not None else None,
            )
            created.append(backend.note_data(uid, note))
        return JSONResponse({"notes": created}, status_code=201)

    async def apps(request: Request) -> Response:
        data = await _json(request)
        try:
            for app_id in data.get("enable", []):
                state.enable_app(str(app_id))
            for app_id in data.get("disable", []):
                state.disable_app(str(app_id))
        except KeyError as exc:
            raise ControlError(f"unknown app {exc}", 404) from None
        versions = data.get("versions", {})
        if not isinstance(versions, dict):
            raise ControlError('"versions" must map app ids to version strings')
        for app_id, version in versions.items():
            if app_id not in state.apps:
                raise ControlError(f"unknown app {app_id!r}", 404)
            if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", str(version)):
                raise ControlError(f"version {version!r} of {app_id} is not like 0.11.4 or 0.11.10-alpha1")
            state.apps[app_id] = str(version)
        return JSONResponse({"installed": dict(state.apps), "enabled": sorted(state.enabled_apps)})

    async def add_fault(request: Request) -> Response:
        rule = state.faults.add(FaultRule.from_json(await _json(request)))
        return JSONResponse(rule.to_json(), status_code=201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [r.to_json() for r in state.faults.rules()]})

    async def clear_faults(request: Request) -> Response:
        count = len(state.faults)
        state.faults.clear()
        return JSONResponse({"deleted": count})

    async def requests(request: Request) -> Response:
        return JSONResponse({"requests": [r.to_json() for r in state.request_log.records()]})

    async def clear_requests(request: Request) -> Response:
        state.request_log.clear()
        return JSONResponse({"status": "ok"})

    async def clock(request: Request) -> Response:
        data = await _json(request)
        current = state.clock
        if not isinstance(current, ManualClock):
            current = ManualClock(state.now())
            state.clock = current
        if "set" in data:
            current.set(float(data["set"]))
        if "advance" in data:
            current.advance(float(data["advance"]))
        return JSONResponse({"now": current.now()})

    async def server(request: Request) -> Response:
        data = await _json(request)
        if "maintenance" in data:
            state.maintenance = bool(data["maintenance"])
        if "version" in data:
            state.set_version(str(data["version"]))
        return JSONResponse(status_info(state))

    table: list[tuple[str, Callable[[Request], Awaitable[Response]], str]] = [
        ("/reset", reset, "POST"),
        ("/users", list_users, "GET"),
        ("/users", add_user, "POST"),
        ("/seed/notes", seed_notes, "POST"),
        ("/apps", apps, "POST"),
        ("/faults", add_fault, "POST"),
        ("/faults", list_faults, "GET"),
        ("/faults", clear_faults, "DELETE"),
        ("/requests", requests, "GET"),
        ("/requests", clear_requests, "DELETE"),
        ("/clock", clock, "POST"),
        ("/server", server, "POST"),
    ]
    return [Route(path, _endpoint(handler), methods=[method]) for path, handler, method in table]
