"""Devices & sessions in the personal security settings (nextcloud/server ``apps/settings``).

* ``GET /index.php/settings/user/{section}`` (``PersonalSettingsController::index``): the page. For
  ``section=security`` it carries the device list as the initial state ``settings``/``app_tokens``
  (``apps/settings/lib/Settings/Personal/Security/Authtokens.php::getAppTokens``), rendered as Nextcloud renders
  initial state: ``<input type="hidden" id="initial-state-settings-app_tokens" value="<base64 of the JSON>">``.
  Each entry is ``PublicKeyToken::jsonSerialize`` (``id``, ``name``, ``lastActivity``, ``type`` 0 = session / 1 =
  app password, ``scope``) plus ``canDelete``/``canRename``; the current session's token has ``current: true``
  and cannot be deleted or renamed. A session without a session token gets ``[]``. The page also lists the
  entries as HTML (``data-token-id``) for people and browsers.
* ``POST /index.php/settings/personal/authtokens`` (``AuthSettingsController::create($name)``,
  ``#[PasswordConfirmationRequired]``): a new app password ``AbCdE-fGhJk-MnPqR-sTwXy-23456`` ->
  ``{"token", "loginName", "deviceToken": {..., "canDelete": true, "canRename": true}}``; 503 ``[]`` without a
  session token.
* ``DELETE /index.php/settings/personal/authtokens/{id}`` (``AuthSettingsController::destroy($id)``): ``[]``;
  unknown id or another user's token -> 404 ``[]``. An app password deleted here fails its next Basic login (401).

Both API routes are plain ``Controller`` methods without ``#[NoCSRFRequired]``: they need the logged-in session
and its ``requesttoken`` (header or parameter), else 412 (``SecurityMiddleware``) - the browser UI sends both.
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.tokens import check_password_confirmation, has_session_token, tokens
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.browser import ensure_session
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.php import php_json_encode
from fake_nextcloud.core.session import csrf_token, random_string
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.templates import esc, guest_page

__all__ = ["AUTHTOKENS_ROUTES", "app_tokens"]

#: ``ISecureRandom::CHAR_HUMAN_READABLE``.
_HUMAN_READABLE = "abcdefgijkmnopqrstwxyzABCDEFGHJKLMNPQRSTWXYZ23456789"


def app_tokens(ctx: NcContext) -> list[dict[str, Any]]:
    """``Authtokens::getAppTokens``."""
    assert ctx.user is not None
    session = ensure_session(ctx)
    if not has_session_token(session):
        return []
    registry = tokens(ctx.state)
    current = registry.session_token(session, ctx.user, ctx.header("User-Agent"))
    entries = []
    for token in registry.for_user(ctx.user):
        data: dict[str, Any] = token.to_json()
        data["canDelete"] = True
        data["canRename"] = True  # PublicKeyToken is an INamedToken
        if token.id == current.id:
            data["canDelete"] = False
            data["canRename"] = False
            data["current"] = True
        entries.append(data)
    return entries


@controller(Annotations(no_csrf=True))
@php_method("PersonalSettingsController::index", "string $section")
async def personal_settings(ctx: NcContext, request: Request) -> Response:
    """``PersonalSettingsController::index`` (``#[NoCSRFRequired]``, ``#[NoAdminRequired]``)."""
    session = ensure_session(ctx)
    section: str = ctx.args["section"]
    body = f'<div id="app-content" data-settings-section="{esc(section)}">\n'
    if section == "security":
        entries = app_tokens(ctx)
        encoded = base64.b64encode(php_json_encode(entries).encode("utf-8")).decode("ascii")
        rows = "".join(
            f'<li data-token-id="{esc(e["id"])}" data-token-type="{esc(e["type"])}">{esc(e["name"])}</li>\n'
            for e in entries
        )
        body += (
            f'<input type="hidden" id="initial-state-settings-app_tokens" value="{esc(encoded)}">\n'
            f'<h2>Devices &amp; sessions</h2>\n<ul id="app-tokens">\n{rows}</ul>\n'
        )
    body += "</div>"
    return guest_page("Settings", body, requesttoken=csrf_token(session), body_id="body-settings")


@controller(Annotations())
@php_method("AuthSettingsController::create", "$name")
async def create(ctx: NcContext, request: Request) -> Response:
    """``AuthSettingsController::create``."""
    check_password_confirmation(ctx)
    session = ensure_session(ctx)
    if not has_session_token(session):
        return json_response([], 503)
    assert ctx.user is not None
    registry = tokens(ctx.state)
    login_name = session.login_name or ctx.user.login
    password = "-".join(random_string(5, _HUMAN_READABLE) for _ in range(5))
    name = ctx.args["name"]
    _, token = registry.generate(ctx.user, login_name, "" if name is None else str(name), password=password)
    data: dict[str, Any] = token.to_json()
    data["canDelete"] = True
    data["canRename"] = True
    return json_response({"token": password, "loginName": login_name, "deviceToken": data})


@controller(Annotations())
@php_method("AuthSettingsController::destroy", "$id")
async def destroy(ctx: NcContext, request: Request) -> Response:
    """``AuthSettingsController::destroy`` (``findTokenByIdAndUser``: someone else's token is "not found")."""
    assert ctx.user is not None
    registry = tokens(ctx.state)
    try:
        token_id = int(str(ctx.args["id"]))
    except ValueError:
        token_id = 0
    registry.for_user(ctx.user)  # assigns ids to seeded app passwords
    token = registry.by_id(token_id)
    if token is None or token.uid != ctx.user.uid:
        return json_response([], 404)
    registry.invalidate(ctx.user.uid, token.id)
    return json_response([])


#: Routes relative to the server root (``/index.php/settings/...``; also without ``index.php``).
AUTHTOKENS_ROUTES: list[BaseRoute] = [
    Route(prefix + path, endpoint, methods=[method])
    for prefix in ("/index.php", "")
    for path, endpoint, method in (
        ("/settings/user/{section}", personal_settings, "GET"),
        ("/settings/personal/authtokens", create, "POST"),
        ("/settings/personal/authtokens/{id}", destroy, "DELETE"),
    )
]
