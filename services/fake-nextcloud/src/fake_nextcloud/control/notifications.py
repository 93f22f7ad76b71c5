"""Control API for the notifications app (``/__testbed__/seed/notifications``).

``POST /seed/notifications`` ``{"user": login|uid, "notifications": [{"subject": text with {placeholders},
"subject_parameters"?: {key: rich object}, "message"?: text, "message_parameters"?: {…}, "app"?: id,
"object_type"?, "object_id"?, "time"?: unix time, "link"?, "icon"?, "actions"?: [{"label", "link", "type",
"primary"?}]}]}`` -> 201 ``{"notifications": [id…]}``.

Without ``app`` (or with ``admin_notifications``) and without ``actions`` a notification is stored as
``occ notification:generate`` stores it (nextcloud/notifications ``lib/Command/Generate.php``: app
``admin_notifications``, subject/message ``cli`` with ``{"subject"|"message", "parameters"}``, object
``admin_notifications``/``dechex(time)``) and rendered by ``AdminNotifications``. Otherwise it stands for a
notification of that app as the app's notifier would render it (rich subject and message, link, icon, actions).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.notifications.models import NotificationsBackend, Row
from fake_nextcloud.core.state import FakeState

__all__ = ["build_notifications_control_routes"]

_ADMIN = "admin_notifications"


def _seed_one(backend: NotificationsBackend, uid: str, spec: dict[str, Any]) -> Row:
    when = int(spec.get("time", backend.state.time()))
    app = str(spec.get("app", _ADMIN))
    subject, params = str(spec["subject"]), dict(spec.get("subject_parameters") or {})
    message, message_params = str(spec.get("message", "")), dict(spec.get("message_parameters") or {})
    if app == _ADMIN and not spec.get("actions"):
        return backend.add(
            app=_ADMIN, user=uid, timestamp=when, object_type=str(spec.get("object_type", _ADMIN)),
            object_id=str(spec.get("object_id", format(when, "x"))), subject="cli",
            subject_parameters={"subject": subject, "parameters": params}, message="cli" if message else "",
            message_parameters={"message": message, "parameters": message_params} if message else [],
        )  # fmt: skip
    actions = [
        {"label": str(a["label"]), "link": str(a["link"]), "type": str(a["type"]), "primary": bool(a.get("primary"))}
        for a in spec.get("actions", [])
    ]
    prepared = {"subjectRich": subject, "subjectRichParameters": params}
    if message:
        prepared |= {"messageRich": message, "messageRichParameters": message_params}
    return backend.add(
        app=app, user=uid, timestamp=when, object_type=str(spec.get("object_type", app)),
        object_id=str(spec.get("object_id", format(when, "x"))), subject=str(spec.get("key", "seeded")),
        link=str(spec.get("link", "")), icon=str(spec.get("icon", "")), actions=actions, prepared=prepared,
    )  # fmt: skip


def build_notifications_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_notifications(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            users = state.users_for_name(str(data["user"]))
            if len(users) != 1:
                return JSONResponse({"error": f"unknown user {data['user']!r}"}, status_code=404)
            backend = NotificationsBackend.of(state)
            ids = [_seed_one(backend, users[0].uid, dict(spec)).id for spec in data.get("notifications", [])]
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"notifications": ids}, status_code=201)

    return [Route("/seed/notifications", seed_notifications, methods=["POST"])]
