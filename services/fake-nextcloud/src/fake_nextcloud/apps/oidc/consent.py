"""Consent pages and RP-initiated logout (H2CK/oidc 2.0.9 ``lib/Controller/ConsentController.php``,
``lib/Controller/LogoutController.php``).

``ConsentController::show``/``grant``/``deny`` take no parameters (``grant`` reads ``scopes`` with
``$this->request->getParam``); ``LogoutController::logout``/``logoutPost`` take four ``string|null`` ones, so only
an array value fails (a ``TypeError`` -> index.php's 500 page).

* ``GET /consent`` (``#[NoAdminRequired]``, ``#[NoCSRFRequired]``): needs a pending consent in the session,
  else the "No consent request pending." page.
* ``POST /consent/grant`` (CSRF required): the granted scopes are the ``scopes`` parameter (space-separated,
  what the Vue page sends) or - the fake's HTML form - the checked ``scope_<name>`` boxes; with neither, all
  requested scopes. ``openid`` is always added. Scopes that were not requested are only logged, not removed.
  The consent is stored for 90 days, then the browser is sent back to ``/authorize`` with every parameter and
  ``scope=<granted>``, so the code carries the approved subset.
* ``POST /consent/deny``: clears the session's authorization request and redirects to the client with
  ``error=access_denied&error_description=User%20denied%20consent`` (+ ``state``).
* ``GET|POST /logout``: logs the session out, revokes *all* of the user's access tokens; redirects to
  ``post_logout_redirect_uri`` only with a valid ``id_token_hint`` and an exactly registered logout URI
  (``occ oidc:create-logout-redirect-uri``), else to the login page. A bad hint answers 401 ``invalid_jwt``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus, urlencode

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.core.login import login_url, redirect
from fake_nextcloud.apps.oidc.html import REDIRECT_KEYS, consent_page, form_post_response
from fake_nextcloud.apps.oidc.keys import jwt_parts, signing_key, verify_rs256
from fake_nextcloud.apps.oidc.models import OidcBackend
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.browser import ensure_session, log_out
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.php import PhpTypeError, php_empty, php_trim
from fake_nextcloud.core.session import csrf_token
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.templates import template_error

__all__ = ["consent_deny", "consent_grant", "consent_show", "logout", "logout_post"]

_LOGOUT = (
    "string|null $client_id = null, string|null $id_token_hint = null,"
    " string|null $post_logout_redirect_uri = null, string|null $state = null"
)


@controller(Annotations(no_csrf=True))
@php_method("ConsentController::show")
async def consent_show(ctx: NcContext, request: Request) -> Response:
    """``ConsentController::show``."""
    session = ensure_session(ctx)
    if not session.get("oidc_consent_pending"):
        return template_error("400", "No consent request pending.")
    return consent_page(
        str(session.get("oidc_client_name") or "Unknown Application"),
        str(session.get("oidc_client_id") or ""),
        str(session.get("oidc_requested_scopes") or "openid"),
        csrf_token(session),
        webroot=ctx.state.config.webroot,
    )


def _form_scopes(ctx: NcContext, requested: str) -> str | None:
    """The fake's HTML form (fake-only fields, hence ``ctx.param``): checked ``scope_<name>`` boxes, in the
    requested order."""
    if ctx.param("consent_form") is None:
        return None
    chosen = [s for s in requested.split(" ") if s and ctx.param(f"scope_{s}") is not None]
    extra = [str(v) for k, v in ctx.params.items() if k.startswith("scope_") and str(v) not in chosen]
    return " ".join(chosen + extra)


@controller(Annotations())
@php_method("ConsentController::grant")
async def consent_grant(ctx: NcContext, request: Request) -> Response:
    """``ConsentController::grant``."""
    assert ctx.user is not None
    session = ensure_session(ctx)
    if not session.get("oidc_consent_pending"):
        return redirect(ctx.base_url)
    requested = str(session.get("oidc_requested_scopes") or "")
    scopes = ctx.param("scopes")  # not an argument: `$this->request->getParam('scopes')` (line 156)
    if scopes is None:
        scopes = _form_scopes(ctx, requested)
    if scopes is not None and not isinstance(scopes, str):  # trim() of a number or array under strict_types
        raise PhpTypeError("trim(): Argument #1 ($string) must be of type string")
    granted = php_trim(scopes if scopes is not None else requested)
    backend = OidcBackend.of(ctx.state)
    client = backend.client_by_identifier(str(session.get("oidc_client_id") or ""))
    if client is None:
        return redirect(ctx.base_url)
    if "openid" not in granted.split(" "):
        granted = ("openid " + granted).strip()
    backend.save_consent(ctx.user.uid, client, granted, expires=True)
    session.set("oidc_consent_pending", False)
    session.set("oidc_scope", granted)
    params = {key: session.get(f"oidc_{key}") for key in REDIRECT_KEYS}
    params["scope"] = granted
    order = ("client_id", "scope", *[k for k in REDIRECT_KEYS if k not in ("client_id", "scope")])
    kept = {k: str(params[k]) for k in order if params.get(k) is not None and params.get(k) != ""}
    return redirect(ctx.link("/index.php/apps/oidc/authorize") + "?" + urlencode(kept))


@controller(Annotations())
@php_method("ConsentController::deny")
async def consent_deny(ctx: NcContext, request: Request) -> Response:
    """``ConsentController::deny``."""
    session = ensure_session(ctx)
    redirect_uri, state, mode = (session.get(f"oidc_{k}") for k in ("redirect_uri", "state", "response_mode"))
    for key in (*REDIRECT_KEYS, "consent_pending", "client_name", "requested_scopes"):
        session.remove(f"oidc_{key}")
    if php_empty(redirect_uri):
        return redirect(ctx.base_url)
    if isinstance(mode, str) and mode.strip().lower() == "form_post":
        params = {"error": "access_denied", "error_description": "User denied consent"}
        if not php_empty(state):
            params["state"] = str(state)
        return form_post_response(str(redirect_uri), params)
    url = str(redirect_uri) + ("&" if "?" in str(redirect_uri) else "?")
    url += "error=access_denied&error_description=User%20denied%20consent"
    if not php_empty(state):
        url += "&state=" + quote_plus(str(state))
    return redirect(url)


def _invalid_jwt(description: str, error: str = "invalid_jwt") -> Response:
    return json_response({"error": error, "error_description": description}, 401)


def _check_hint(ctx: NcContext, hint: str, client_id: Any) -> str | Response:
    """Validate ``id_token_hint``: RS256, our ``kid``, signature, ``exp``/``nbf``, our issuer, known ``sub``."""
    parsed = jwt_parts(hint)
    if parsed is None:
        return _invalid_jwt("Provided id_token_hint has invalid format")
    header, _ = parsed
    if "alg" in header and header["alg"] != "RS256":
        return _invalid_jwt("id_token_hint must use RS256 algorithm")
    if "kid" in header and header["kid"] != signing_key(ctx.state).kid:
        return _invalid_jwt("id_token_hint has invalid kid")
    payload = verify_rs256(ctx.state, hint)
    now = ctx.state.time()
    if payload is None or (isinstance(payload.get("exp"), int) and now >= payload["exp"]):
        return _invalid_jwt("Provided id_token_hint is invalid: Signature verification failed or expired token")
    if "iss" in payload and payload["iss"] != ctx.base_url:
        return _invalid_jwt("id_token_hint has invalid issuer")
    uid = payload.get("sub")
    if php_empty(uid):
        return _invalid_jwt("Provided JWT does not contain a subject.")
    if ctx.state.user(str(uid)) is None:
        return _invalid_jwt("Provided user in JWT is unknown.", "invalid_user")
    if client_id is not None and client_id != payload.get("aud"):
        return _invalid_jwt("Provided client_id does not match to the one issued the JWT.")
    return str(uid)


@controller(Annotations(public=True, no_csrf=True))
@php_method("LogoutController::logout", _LOGOUT)
async def logout(ctx: NcContext, request: Request) -> Response:
    """``LogoutController::logout``."""
    return _logout(ctx)


@controller(Annotations(public=True, no_csrf=True))
@php_method("LogoutController::logoutPost", _LOGOUT)
async def logout_post(ctx: NcContext, request: Request) -> Response:
    """``LogoutController::logoutPost``: ``return $this->logout(...)`` with its own (identical) arguments."""
    return _logout(ctx)


def _logout(ctx: NcContext) -> Response:
    user_id: str | None = None
    if ctx.user is not None:
        user_id = ctx.user.uid
        log_out(ctx)
    hint, client_id = ctx.args["id_token_hint"], ctx.args["client_id"]
    validated = False
    if not php_empty(hint):
        checked = _check_hint(ctx, str(hint), client_id)
        if isinstance(checked, Response):
            return checked
        user_id, validated = checked, True
    if user_id is not None:
        OidcBackend.of(ctx.state).delete_user_tokens(user_id)
    target, state = ctx.args["post_logout_redirect_uri"], ctx.args["state"]
    if not php_empty(target) and validated and str(target) in ctx.state.config.logout_redirect_uris:
        url = str(target)
        if state is not None and state != "":  # buildLogoutRedirect
            url += ("&" if "?" in url else "?") + "state=" + quote_plus(str(state))
        return redirect(url)
    return redirect(login_url(ctx))
