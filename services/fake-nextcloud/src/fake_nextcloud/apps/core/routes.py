"""Core endpoints: ``/status.php`` and the OCS routes ``/cloud/capabilities``, ``/cloud/user``,
``/cloud/users/{userId}`` under ``/ocs/v1.php`` and ``/ocs/v2.php``.

``status.php`` is a plain script, not a controller; the others name their controller methods (nextcloud/server
``core/Controller/OCSController.php::getCapabilities()``, ``apps/provisioning_api/lib/Controller/
UsersController.php::getCurrentUser()``/``getUser(string $userId)``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router

from fake_nextcloud.apps.core.models import capabilities, status_info, user_details
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND
from fake_nextcloud.core.php import md5_hex, php_json_encode
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["OCS_ROUTES", "build_ocs_router", "status_route"]


def status_route(state: FakeState) -> Route:
    """``/status.php`` (nextcloud/server ``status.php``): no login, ``Access-Control-Allow-Origin: *``."""

    async def status(request: Request) -> Response:
        body = php_json_encode(status_info(state)).encode("utf-8")
        return Response(body, headers={"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"})

    return Route("/status.php", status)


@controller(Annotations(public=True, ocs=True))
@php_method("OCSController::getCapabilities")
async def get_capabilities(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/capabilities`` (core ``OCSController::getCapabilities``, ``#[PublicPage]`` but *not*
    ``#[NoCSRFRequired]``: without ``OCS-APIRequest`` it fails with 412). ``ETag`` =
    md5(json_encode(result)); the notes capability only exists while the notes app is enabled."""
    result = capabilities(ctx.state, ctx.user)
    return OcsResult(result, etag=md5_hex(php_json_encode(result)))


@controller(Annotations(ocs=True))
@php_method("UsersController::getCurrentUser")
async def get_current_user(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/user`` (provisioning_api ``UsersController::getCurrentUser``, with scopes)."""
    assert ctx.user is not None
    return OcsResult(user_details(ctx.state, ctx.user, viewer=ctx.user, include_scopes=True))


@controller(Annotations(ocs=True))
@php_method("UsersController::getUser", "string $userId")
async def get_user(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /cloud/users/{userId}`` (``UsersController::getUser``): unknown user -> OCS 404 "User does
    not exist"; another user without admin rights -> 998 (v2: HTTP 404) with an empty message."""
    assert ctx.user is not None
    target = ctx.state.user(ctx.args["userId"])
    if target is None:
        raise OcsError(404, "User does not exist")
    if not ctx.user.is_admin and target.uid != ctx.user.uid:
        raise OcsError(RESPOND_NOT_FOUND, "")
    include_scopes = target.uid == ctx.user.uid
    return OcsResult(user_details(ctx.state, target, viewer=ctx.user, include_scopes=include_scopes))


#: OCS routes of the core and provisioning_api apps (same table for v1 and v2).
OCS_ROUTES: list[BaseRoute] = [
    Route("/cloud/capabilities", get_capabilities, methods=["GET"]),
    Route("/cloud/user", get_current_user, methods=["GET"]),
    Route("/cloud/users/{userId}", get_user, methods=["GET"]),
]


def build_ocs_router() -> Router:
    return Router(OCS_ROUTES, redirect_slashes=False)
