"""``GET|POST /apps/oidc/authorize`` (H2CK/oidc 2.0.9 ``lib/Controller/LoginRedirectorController.php::authorize``
/ ``authorizePost``) and ``GET /apps/oidc/redirect`` (``PageController::index``).

Both ``authorize`` methods declare their eleven parameters *untyped* (``$client_id, $state, ...``): the
dispatcher's ``null`` for an omitted one is accepted, so no parameter is required and the method body's own
checks answer (an error page or redirect, never a 500). ``claims``, ``response_mode``, ``request`` and
``request_uri`` are not parameters: the body reads them with ``$this->request->getParam`` (lines 244-245,
781-782); ``PageController::index()`` has no parameters and reads everything that way (lines 66-79).

Order of checks, as in ``authorize()``: ``request``/``request_uri`` -> ``request_not_supported`` /
``request_uri_not_supported`` (after client and redirect URI checks); no logged-in user -> ``prompt=none``:
``error=login_required`` redirect, else the parameters go into the session and the browser is sent (303) to
``/index.php/login?redirect_url=/index.php/apps/oidc/redirect?<params>``; parameters missing after login come
from the session; no ``redirect_uri`` -> "Authorization session expired" page; unknown client / expired DCR
client / unregistered redirect URI -> an error *page*, never a redirect (``TemplateResponse``, HTTP 200);
scopes are lower-cased, de-duplicated and filtered by the client's ``allowed_scopes`` (empty list = anything),
an empty result becomes ``openid profile email roles``; ``claims`` must be a JSON object; response type and
mode checks; ``prompt=login`` / ``max_age`` force a new login; group restriction -> 403 page; consent
(``allow_user_settings`` other than ``no``: on first authorization, when the scope string differs from the
granted one, or after 90 days); PKCE (``code_challenge`` must match ``^[A-Za-z0-9._~-]{43,128}$``, a missing
method **defaults to S256**, only ``S256``/``plain``); then the code (128 alphanumerics).

The success redirect carries ``state`` (always, ``""`` when none was sent) then ``code`` - **no ``iss``**
(RFC 9207 is not implemented, and discovery does not advertise it). The ``resource`` parameter (RFC 8707) is
stored on the grant, defaulting to the client's ``resource_url``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.core.login import login_url, redirect
from fake_nextcloud.apps.oidc.claims import id_token, mint_access_token
from fake_nextcloud.apps.oidc.html import REDIRECT_KEYS, form_post_response, redirect_page
from fake_nextcloud.apps.oidc.models import ALNUM, AccessToken, Client, OidcBackend, hash_code
from fake_nextcloud.apps.oidc.redirect_uri import match_redirect_uri
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.browser import ensure_session, log_out
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.php import php_empty, php_str
from fake_nextcloud.core.session import Session, csrf_token, random_string
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.templates import template_error

__all__ = ["authorize", "authorize_post", "error_redirect", "redirect_index", "response_redirect"]

DEFAULT_SCOPE = "openid profile email roles"
_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
_NOT_AUTHORIZED = "Your client is not authorized to connect. Please inform the administrator of your client."
_BAD_REDIRECT = "The received redirect URI is not accepted to connect. Please inform the administrator of your client."
Params = dict[str, Any]
_PUBLIC = Annotations(public=True, no_csrf=True)
_AUTHORIZE = (
    "$client_id, $state, $response_type, $redirect_uri, $scope, $nonce, $resource = null, $code_challenge = null,"
    " $code_challenge_method = null, $prompt = null, $max_age = null"
)
#: ``$this->request->getParam(...)`` reads of ``authorize`` (lines 244-245) and ``PageController::index``.
_REQUEST_READS = ("response_mode", "claims")


def _scalar(value: Any) -> Any:
    return php_str(value) if isinstance(value, bool | int | float) else value


def _arg(ctx: NcContext, name: str) -> Any:
    """``$this->request->getParam($name)`` (not a controller argument)."""
    return _scalar(ctx.param(name))


def _present(value: Any) -> bool:
    return (value.strip() != "") if isinstance(value, str) else not php_empty(value)


def _response_types(value: Any) -> list[str]:
    return value.strip().lower().split() if isinstance(value, str) else []


def _response_mode(value: Any) -> str | None:
    if not isinstance(value, str) or value.strip().lower() in ("", "default"):
        return None
    return value.strip().lower()


def _uses_fragment(types: list[str], mode: str | None) -> bool:
    if mode == "fragment":
        return True
    if mode == "form_post":
        return False
    return "id_token" in types or "token" in types


def response_redirect(redirect_uri: str, params: dict[str, str], fragment: bool) -> Response:
    """``buildAuthorizationResponseRedirectUri``: ``http_build_query(..., PHP_QUERY_RFC3986)``."""
    query = urlencode(params, quote_via=quote, safe="")
    if not query:
        return redirect(redirect_uri)
    mark = "#" if fragment else "?"
    separator = "&" if mark in redirect_uri else mark
    if redirect_uri.endswith((mark, "&")):
        separator = ""
    return redirect(redirect_uri + separator + query)


def error_redirect(
    redirect_uri: str, error: str, description: str, state: Any, response_type: Any = None, mode: Any = None
) -> Response:
    """``createAuthorizationErrorRedirect``."""
    params = {"error": error, "error_description": description}
    if state is not None and str(state).strip() != "":
        params["state"] = str(state)
    normalized = _response_mode(mode)
    if normalized == "form_post":
        return form_post_response(redirect_uri, params)
    return response_redirect(redirect_uri, params, _uses_fragment(_response_types(response_type), normalized))


def _load_client(ctx: NcContext, client_id: Any) -> Client | Response:
    """``loadAuthorizationClient`` (runs ``ClientMapper::cleanUp`` first)."""
    if not isinstance(client_id, str) or client_id.strip() == "":
        return template_error("403", _NOT_AUTHORIZED)
    backend = OidcBackend.of(ctx.state)
    backend.clean_up_clients()
    client = backend.client_by_identifier(client_id)
    if client is None:
        return template_error("403", _NOT_AUTHORIZED)
    if backend.client_expired(client):
        return template_error("400", "Your client is expired. Please inform the administrator of your client.")
    return client


def _check_redirect_uri(client: Client, redirect_uri: Any) -> Response | None:
    """``validateAuthorizationRedirectUri``."""
    valid = isinstance(redirect_uri, str) and redirect_uri.strip() != ""
    if valid and any(match_redirect_uri(redirect_uri, registered) for registered in client.redirect_uris):
        return None
    return template_error("403", _BAD_REDIRECT)


def _prompt(p: Params, value: str) -> bool:
    prompt = p.get("prompt")
    return isinstance(prompt, str) and value in [e.strip() for e in prompt.lower().split(" ") if e.strip()]


def _to_login(ctx: NcContext, p: Params) -> Response:
    """``redirectToLoginAfterOidcAuthentication``."""
    session = ensure_session(ctx)
    for key in REDIRECT_KEYS:
        session.set(f"oidc_{key}", p.get(key))
    session.set("oidc_login_pending", True)
    kept = {k: str(p[k]) for k in REDIRECT_KEYS if p.get(k) is not None and p.get(k) != ""}
    after_login = ctx.link("/index.php/apps/oidc/redirect") + ("?" + urlencode(kept) if kept else "")
    return redirect(login_url(ctx, redirect_url=after_login))  # both linkToRoute: under the webroot


def _reject_request_objects(ctx: NcContext, p: Params) -> Response | None:
    """``rejectUnsupportedRequestParameters`` (``request`` / ``request_uri`` are not supported)."""
    request_object, request_uri = _arg(ctx, "request"), _arg(ctx, "request_uri")
    if not _present(request_object) and not _present(request_uri):
        return None
    if not _present(p.get("redirect_uri")):
        return template_error("400", "Authorization request is missing a redirect URI.")
    client = _load_client(ctx, p.get("client_id"))
    if isinstance(client, Response):
        return client
    bad = _check_redirect_uri(client, p.get("redirect_uri"))
    if bad is not None:
        return bad
    if _present(request_object):
        error, description = "request_not_supported", "Request object parameter is not supported."
    else:
        error, description = "request_uri_not_supported", "Request URI parameter is not supported."
    return error_redirect(
        p["redirect_uri"], error, description, p.get("state"), p.get("response_type"), p.get("response_mode")
    )


def _auth_time(ctx: NcContext, session: Session) -> int:
    """``getOidcAuthenticationTime``: reset to now right after a login (``oidc_login_pending``)."""
    stored = session.get("oidc_auth_time")
    pending = session.get("oidc_login_pending")
    if pending or not isinstance(stored, int) or stored <= 0:
        stored = ctx.state.time()
        session.set("oidc_auth_time", stored)
    if pending:
        session.remove("oidc_login_pending")
    return stored


def _filter_scope(scope: str, allowed: str) -> str:
    def split(text: str) -> list[str]:
        entries = [e.strip() for e in text.strip().lower().split(" ")]
        return list(dict.fromkeys(e for e in entries if e not in ("", "0")))  # array_filter drops "0"

    allowed_list = split(allowed)
    kept = [s for s in split(scope) if not allowed_list or s in allowed_list]
    return " ".join(kept) or DEFAULT_SCOPE


def _claims_valid(claims: Any) -> bool:
    if not _present(claims):
        return True
    if not isinstance(claims, str):
        return False
    try:
        decoded = json.loads(claims)
    except ValueError:
        return False
    if not isinstance(decoded, dict):
        return False
    for section in ("id_token", "userinfo"):
        if section in decoded:
            entries = decoded[section]
            if not isinstance(entries, dict) or any(
                name == "" or not (request is None or isinstance(request, dict)) for name, request in entries.items()
            ):
                return False
    return True


@controller(_PUBLIC)
@php_method("LoginRedirectorController::authorize", _AUTHORIZE)
async def authorize(ctx: NcContext, request: Request) -> Response:
    """``LoginRedirectorController::authorize`` (``#[PublicPage]``, ``#[UseSession]``)."""
    return _authorize(ctx)


@controller(_PUBLIC)
@php_method("LoginRedirectorController::authorizePost", _AUTHORIZE)
async def authorize_post(ctx: NcContext, request: Request) -> Response:
    """``LoginRedirectorController::authorizePost``: ``return $this->authorize(...)`` with its own arguments."""
    return _authorize(ctx)


def _authorize(ctx: NcContext) -> Response:
    # the eleven arguments (`$prompt ?? getParam('prompt')` and `$max_age ?? …` add nothing: both are arguments)
    # and the two request reads, in REDIRECT_KEYS order
    reads = {key: _arg(ctx, key) for key in _REQUEST_READS}
    p: Params = {key: _scalar(ctx.args[key]) if key in ctx.args else reads[key] for key in REDIRECT_KEYS}
    rejected = _reject_request_objects(ctx, p)
    if rejected is not None:
        return rejected
    if ctx.user is None:
        if _prompt(p, "none"):
            client = _load_client(ctx, p.get("client_id"))
            if isinstance(client, Response):
                return client
            bad = _check_redirect_uri(client, p.get("redirect_uri"))
            if bad is not None:
                return bad
            return error_redirect(
                p["redirect_uri"], "login_required", "User is not logged in.", p.get("state"), p.get("response_type"),
                p.get("response_mode"),
            )  # fmt: skip
        return _to_login(ctx, p)
    session = ensure_session(ctx)
    if php_empty(p.get("client_id")):
        p = {key: session.get(f"oidc_{key}") for key in REDIRECT_KEYS}
    login_pending = session.get("oidc_login_pending") is True
    auth_time = _auth_time(ctx, session)
    return _authorize_logged_in(ctx, session, p, login_pending, auth_time)


def _authorize_logged_in(ctx: NcContext, session: Session, p: Params, login_pending: bool, auth_time: int) -> Response:
    state = ctx.state
    if php_empty(p.get("redirect_uri")):
        return template_error("400", "Authorization session expired. Please try again.")
    client = _load_client(ctx, p.get("client_id"))
    if isinstance(client, Response):
        return client
    resource = p.get("resource")
    if not isinstance(resource, str) or resource.strip() == "":
        resource = client.resource_url if client.resource_url and client.resource_url.strip() else None
    scope = _filter_scope(str(p["scope"]) if p.get("scope") is not None else DEFAULT_SCOPE, client.allowed_scopes)
    bad = _check_redirect_uri(client, p.get("redirect_uri"))
    if bad is not None:
        return bad
    redirect_uri, st, rtype, mode = (
        str(p["redirect_uri"]),
        p.get("state"),
        p.get("response_type"),
        p.get("response_mode"),
    )
    if not _claims_valid(p.get("claims")):
        return error_redirect(redirect_uri, "invalid_request", "Invalid claims parameter.", st, rtype, mode)
    if php_empty(rtype):
        return error_redirect(redirect_uri, "unsupported_response_type", "Missing response_type", st, rtype, mode)
    types = _response_types(rtype)
    response_mode = _response_mode(mode)
    code_flow = "code" in types
    implicit = "token" in types or "id_token" in types
    if response_mode not in (None, "fragment", "form_post") and not (response_mode == "query" and not implicit):
        return error_redirect(redirect_uri, "unsupported_response_mode", "Unsupported response_mode", st, rtype)
    if "id_token" in types and php_empty(p.get("nonce")):
        return error_redirect(redirect_uri, "invalid_request", "Missing nonce", st, rtype, mode)
    if "token" in types and "id_token" not in types:
        return error_redirect(redirect_uri, "request_not_supported", "Missing id_token", st, rtype, mode)
    if (implicit and "id_token" not in client.flow_type.lower().split(" ")) or (not code_flow and not implicit):
        return error_redirect(redirect_uri, "unsupported_response_type", "Unsupported response_type", st, rtype, mode)
    max_age = p.get("max_age")
    max_age_exceeded = (
        isinstance(max_age, str) and max_age.strip().isdigit() and state.time() > auth_time + int(max_age)
    )
    if (_prompt(p, "login") and not login_pending) or max_age_exceeded:
        if max_age_exceeded and _prompt(p, "none"):
            return error_redirect(redirect_uri, "login_required", "User authentication is too old.", st, rtype, mode)
        log_out(ctx)
        return _to_login(ctx, p)
    user = ctx.user
    assert user is not None
    if client.groups and not set(client.groups) & set(user.groups):
        return template_error(
            "403",
            "The user is not a member of the groups defined for the client. You are not allowed to retrieve a login"
            " token.",
        )
    backend = OidcBackend.of(state)
    existing = backend.consent(user.uid, client)
    if state.config.oidc("allow_user_settings") == "no":
        if existing is None or existing.scopes_granted != scope:
            backend.save_consent(user.uid, client, scope, expires=False)
    else:
        expired = existing is not None and existing.expires_at is not None and state.time() > existing.expires_at
        if existing is None or existing.scopes_granted != scope or expired:
            session.set("oidc_consent_pending", True)
            session.set("oidc_client_name", client.name)
            session.set("oidc_requested_scopes", scope)
            for key in REDIRECT_KEYS:
                session.set(f"oidc_{key}", p.get(key))
            session.set("oidc_resource", resource)
            return redirect(ctx.link("/index.php/apps/oidc/consent"))
        scope = existing.scopes_granted
    challenge, method = p.get("code_challenge"), p.get("code_challenge_method")
    if not php_empty(challenge):
        if not isinstance(challenge, str) or not _CHALLENGE.match(challenge):
            return error_redirect(redirect_uri, "invalid_request", "Invalid code_challenge format", st, rtype, mode)
        if php_empty(method):
            method = "S256"  # "Default to S256 if method not specified" (RFC 7636 says plain)
        if method not in ("S256", "plain"):
            return error_redirect(redirect_uri, "invalid_request", "Unsupported code_challenge_method", st, rtype, mode)
    nonce = p.get("nonce")
    code = random_string(128, ALNUM)
    row = AccessToken(
        id=0, client_id=client.id, user_id=user.uid, hashed_code="", scope=scope[:512],
        resource=resource[:2000] if resource is not None else None, created=auth_time, refreshed=state.time(),
        nonce=str(nonce)[:256] if not php_empty(nonce) else "",
    )  # fmt: skip
    row.hashed_code = hash_code(code)
    if not php_empty(challenge):
        row.code_challenge, row.code_challenge_method = str(challenge)[:128], str(method)[:16]
    row.access_token = mint_access_token(state, row, client, ctx.base_url, user)
    backend.insert_token(row)
    if code_flow:
        backend.create_code(row, code)
    params: dict[str, str] = {"state": "" if php_empty(st) else str(st)}
    if code_flow:
        params["code"] = code
    if "token" in types:
        params |= {
            "access_token": row.access_token,
            "token_type": "Bearer",
            "expires_in": state.config.oidc("expire_time"),
        }
        params["scope"] = scope
    if "id_token" in types:
        params["id_token"] = id_token(
            state, row, client, ctx.base_url, user, at_hash="token" in types, include_scope_claims=not code_flow,
            code=code if code_flow else None,
        )  # fmt: skip
    if response_mode == "form_post":
        return form_post_response(redirect_uri, params)
    return response_redirect(redirect_uri, params, _uses_fragment(types, response_mode))


@controller(Annotations(no_csrf=True))
@php_method("PageController::index")
async def redirect_index(ctx: NcContext, request: Request) -> Response:
    """``PageController::index`` (``#[NoAdminRequired]``, ``#[NoCSRFRequired]``, ``#[UseSession]``): URL
    parameters if ``client_id`` is among them, else the session's ``oidc_*`` values."""
    session = ensure_session(ctx)
    if ctx.param("client_id"):  # `$this->request->getParam('client_id')` (line 66), not an argument
        params = {k: _arg(ctx, k) for k in REDIRECT_KEYS}
    else:
        params = {k: session.get(f"oidc_{k}") for k in REDIRECT_KEYS}
    shown = {k: str(v) for k, v in params.items() if not php_empty(v)}
    return redirect_page(shown, csrf_token(session), webroot=ctx.state.config.webroot)
