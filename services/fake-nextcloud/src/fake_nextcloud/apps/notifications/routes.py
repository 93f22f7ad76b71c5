"""Notifications OCS API at ``/ocs/v{1,2}.php/apps/notifications/api/{v1|v2}/notifications…``.

nextcloud/notifications v34.0.2 (78f9e81c) ``lib/Controller/EndpointController.php`` (an ``OCSController``; every
method ``#[NoAdminRequired]``, routes declared with ``#[ApiRoute]`` and ``requirements: ['apiVersion' => '(v1|v2)',
'id' => '\\d+']``, so another version or a non-numeric id matches no route: OCS 404). Spec: ``openapi/notifications
.json`` (that tag's ``openapi.json``).

* ``listNotifications``: the newest 25 of the user (``Handler::get``), each rendered by ``IManager::prepare``
  (``notifiers.py``; unparsable ones skipped, processed ones deleted); header ``X-Nextcloud-User-Status`` (the
  user_status app is not modelled: ``IUserStatus::ONLINE``); on v2 ``ETag`` = md5(json_encode(listed ids)), so
  ``If-None-Match`` gives 304 (``NotModifiedMiddleware``). The 204 of ``!hasNotifiers()`` cannot happen here
  (files_sharing always registers a notifier).
* ``getNotification``: 404 with ``null`` data for id 0, another user's or an unknown id, or one no notifier
  renders.
* ``deleteNotification``: 200 ``[]`` also for an unknown id (``NotificationNotFoundException`` is swallowed); id 0 →
  404. ``deleteAllNotifications``: 200 ``[]``. Impersonation (403) is not modelled.
* ``confirmIdsForUser``: ``[]`` for no ids, 400 ``[]`` for more than 200, else the existing ids of the user.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.notifications.models import NotificationsBackend
from fake_nextcloud.apps.notifications.notifiers import AlreadyProcessed, Unparsed, prepare, to_array
from fake_nextcloud.core.appframework import Annotations, Endpoint, Handler, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.php import md5_hex, php_json_encode
from fake_nextcloud.core.signature import php_method

__all__ = ["OCS_ROUTES"]


class _ApiVersion(Convertor[str]):
    """``requirements: ['apiVersion' => '(v1|v2)']``."""

    regex = "v1|v2"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("notifications_api", _ApiVersion())

_USER_STATUS = {"X-Nextcloud-User-Status": "online"}


def _controller(handler: Handler) -> Endpoint:
    """An ``EndpointController`` method; the routes of a disabled app do not exist (OCS 998, as for Deck)."""

    async def wrapped(ctx: NcContext, request: Request) -> Response | OcsResult:
        if not ctx.state.app_enabled("notifications"):
            raise OcsError(998, "")
        return await handler(ctx, request)

    return controller(Annotations(ocs=True))(functools.wraps(handler)(wrapped))


def _uid(ctx: NcContext) -> str:
    assert ctx.user is not None  # the security middleware ran
    return ctx.user.uid


@_controller
@php_method("EndpointController::listNotifications", "string $apiVersion")
async def list_notifications(ctx: NcContext, request: Request) -> OcsResult:
    api_version: str = ctx.args["apiVersion"]
    backend = NotificationsBackend.of(ctx.state)
    data: list[dict[str, Any]] = []
    ids: list[int] = []
    for row in backend.newest(_uid(ctx)):
        try:
            parsed = prepare(ctx, row)
        except (AlreadyProcessed, Unparsed):
            continue
        ids.append(row.id)
        data.append(to_array(row, parsed, api_version))
    etag = md5_hex(php_json_encode(ids)) if api_version != "v1" else None
    return OcsResult(data, headers=dict(_USER_STATUS), etag=etag)


@_controller
@php_method("EndpointController::getNotification", "string $apiVersion, int $id")
async def get_notification(ctx: NcContext, request: Request) -> OcsResult:
    notification_id: int = ctx.args["id"]
    row = NotificationsBackend.of(ctx.state).by_id(notification_id, _uid(ctx)) if notification_id else None
    if row is None:
        return OcsResult(None, status=404)
    try:
        parsed = prepare(ctx, row)
    except (AlreadyProcessed, Unparsed):
        return OcsResult(None, status=404)
    return OcsResult(to_array(row, parsed, ctx.args["apiVersion"]))


@_controller
@php_method("EndpointController::confirmIdsForUser", "string $apiVersion, array $ids")
async def confirm_ids(ctx: NcContext, request: Request) -> OcsResult:
    raw: list[Any] = list(ctx.args["ids"].values() if isinstance(ctx.args["ids"], dict) else ctx.args["ids"])
    if not raw:
        return OcsResult([])
    if len(raw) > 200:
        return OcsResult([], status=400)
    ids = [int(i) if _numeric(i) else 0 for i in raw]  # is_numeric($id) ? (int)$id : 0
    wanted = list(dict.fromkeys(i for i in ids if i))  # array_unique(array_filter(...))
    return OcsResult(NotificationsBackend.of(ctx.state).existing(_uid(ctx), wanted))


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value).strip())
    except ValueError:
        return False
    return True


@_controller
@php_method("EndpointController::deleteNotification", "int $id")
async def delete_notification(ctx: NcContext, request: Request) -> OcsResult:
    notification_id: int = ctx.args["id"]
    if notification_id == 0:
        return OcsResult(None, status=404)
    backend = NotificationsBackend.of(ctx.state)
    row = backend.by_id(notification_id, _uid(ctx))
    if row is not None:  # Handler::getById throws NotificationNotFoundException otherwise: caught, still 200
        backend.delete(row.id)
    return OcsResult([])


@_controller
@php_method("EndpointController::deleteAllNotifications")
async def delete_all_notifications(ctx: NcContext, request: Request) -> OcsResult:
    NotificationsBackend.of(ctx.state).delete_by_user(_uid(ctx))
    return OcsResult([])


_BASE = "/apps/notifications/api/{apiVersion:notifications_api}/notifications"

#: OCS routes of the notifications app (same table for v1 and v2).
OCS_ROUTES: list[BaseRoute] = [
    Route(_BASE, list_notifications, methods=["GET"]),
    Route(_BASE, delete_all_notifications, methods=["DELETE"]),
    Route(f"{_BASE}/exists", confirm_ids, methods=["POST"]),
    Route(_BASE + "/{id:int}", get_notification, methods=["GET"]),
    Route(_BASE + "/{id:int}", delete_notification, methods=["DELETE"]),
]
