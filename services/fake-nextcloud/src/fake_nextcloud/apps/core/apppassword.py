"""App passwords over OCS (nextcloud/server ``core/Controller/AppPasswordController.php``, an ``OCSController``;
``#[ApiRoute(..., root: '/core')]`` -> ``/ocs/v2.php/core/...`` and ``/ocs/v1.php/core/...``).

* ``GET /core/getapppassword`` (``getAppPassword``, ``#[PasswordConfirmationRequired]``): turns the request's
  login into an app password: ``{"apppassword": "<72 characters>"}``, a device token named after the request's
  ``User-Agent``, for the login name the request used (``Store::getLoginCredentials``). A request that logged in
  *with* an app password (the session key ``app_password``, set by ``Session::logClientIn``) -> OCS 403 "You
  cannot request an new apppassword with an apppassword".
* ``DELETE /core/apppassword`` (``deleteAppPassword``): deletes the app password this request logged in with
  (``invalidateTokenById``) -> ``[]``; without one -> 403 "no app password in use". The next request with it
  gets 401.
* ``POST /core/apppassword/rotate`` (``rotateAppPassword``): a new secret for the same token
  ``{"apppassword": ...}``; the old one stops working; without an app password -> 403 "no app password in use".
* ``PUT /core/apppassword/confirm`` (``confirmUserPassword(string $password)``, ``#[UseSession]``): checks the
  password for the session's login name: ``{"lastLogin": <time>}`` and sets ``last-password-confirm``; wrong -> 403
  with ``[]``.

Every route needs a logged-in user and (not being ``#[NoCSRFRequired]``) the ``OCS-APIRequest: true`` header
(``SecurityMiddleware``; 412 otherwise, see ``core.appframework``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.tokens import check_password_confirmation, tokens
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.auth import check_browser_login
from fake_nextcloud.core.browser import ensure_session
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.signature import php_method

__all__ = ["APP_PASSWORD_KEY", "APP_PASSWORD_ROUTES"]

#: The session key ``Session::logClientIn`` sets when the password is a device token.
APP_PASSWORD_KEY = "app_password"  # noqa: S105 (a session key)


def _session_app_password(ctx: NcContext) -> str | None:
    value = ctx.session.get(APP_PASSWORD_KEY) if ctx.session is not None else None
    return value if isinstance(value, str) else None


@controller(Annotations(ocs=True))
@php_method("AppPasswordController::getAppPassword")
async def get_app_password(ctx: NcContext, request: Request) -> OcsResult:
    """``getAppPassword``."""
    check_password_confirmation(ctx)
    if _session_app_password(ctx) is not None:
        raise OcsError(403, "You cannot request an new apppassword with an apppassword")
    assert ctx.user is not None
    login_name = ctx.session.login_name if ctx.session is not None and ctx.session.login_name else ctx.user.login
    password, _ = tokens(ctx.state).generate(ctx.user, login_name, ctx.header("User-Agent"))
    return OcsResult({"apppassword": password})


@controller(Annotations(ocs=True))
@php_method("AppPasswordController::deleteAppPassword")
async def delete_app_password(ctx: NcContext, request: Request) -> OcsResult:
    """``deleteAppPassword``."""
    app_password = _session_app_password(ctx)
    if app_password is None:
        raise OcsError(403, "no app password in use")
    registry = tokens(ctx.state)
    token = registry.by_password(app_password)
    if token is None:
        raise OcsError(403, "could not remove apptoken")
    registry.invalidate(token.uid, token.id)
    return OcsResult([])


@controller(Annotations(ocs=True))
@php_method("AppPasswordController::rotateAppPassword")
async def rotate_app_password(ctx: NcContext, request: Request) -> OcsResult:
    """``rotateAppPassword``."""
    app_password = _session_app_password(ctx)
    if app_password is None:
        raise OcsError(403, "no app password in use")
    registry = tokens(ctx.state)
    token = registry.by_password(app_password)
    if token is None:
        raise OcsError(403, "could not rotate apptoken")
    new_password = registry.rotate(token)
    assert ctx.session is not None
    ctx.session.set(APP_PASSWORD_KEY, new_password)
    return OcsResult({"apppassword": new_password})


@controller(Annotations(ocs=True))
@php_method("AppPasswordController::confirmUserPassword", "string $password")
async def confirm_user_password(ctx: NcContext, request: Request) -> OcsResult:
    """``confirmUserPassword``: ``IUserManager::checkPassword($loginName, $password)`` (no app passwords)."""
    assert ctx.user is not None
    session = ensure_session(ctx)
    login_name = session.login_name or ctx.user.login
    account = check_browser_login(ctx.state, login_name, ctx.args["password"])
    if account is None or account.uid != ctx.user.uid:
        return OcsResult([], status=403)
    now = ctx.state.time()
    session.set("last-password-confirm", now)
    return OcsResult({"lastLogin": now})


#: OCS routes (mounted under ``/ocs/v1.php`` and ``/ocs/v2.php``).
APP_PASSWORD_ROUTES: list[BaseRoute] = [
    Route("/core/getapppassword", get_app_password, methods=["GET"]),
    Route("/core/apppassword", delete_app_password, methods=["DELETE"]),
    Route("/core/apppassword/rotate", rotate_app_password, methods=["POST"]),
    Route("/core/apppassword/confirm", confirm_user_password, methods=["PUT"]),
]
