"""Front controllers: what ``index.php`` and ``ocs/v{1,2}.php`` do before routing.

For every Nextcloud request the middleware decides the route family from the path, then, in the order
the real entry points use (nextcloud/server ``ocs/v1.php``; ``lib/private/Kernel/HttpKernel.php``,
formerly ``OC::handleRequest`` in ``lib/base.php``):

1. maintenance mode -> 503 (``ApiHelper::respond(503, 'Service unavailable')`` for OCS);
2. request body decoding (``Request::decodeContent``): JSON bodies for JSON content types, form bodies for
   ``application/x-www-form-urlencoded``; an undecodable JSON body makes ``throwDecodingExceptionIfAny``
   throw -> 500 error page (index.php) or OCS 996 "Internal Server Error" (ocs, HTTP 500 on v2, 200 on v1);
0. the PHP session is started or resumed and its cookies sent with whatever answer follows
   (``HttpKernel::initSession``); ``ocs`` and ``remote.php`` requests that carry cookies must pass the strict
   cookie check, else 412 (``performSameSiteCookieProtection``);
3. login (``core.identity``): a logged-in session wins; otherwise ``OC::handleLogin`` runs the authenticator
   chain (user_oidc Bearer, then HTTP Basic) and the login sticks to the session. Wrong Basic credentials
   throw ``LoginException`` -> 401 ``{"message": ""}`` (index.php, JSON unless ``Accept`` contains ``html``)
   or OCS 997 "Unauthorised" (ocs);
4. routing.

The result is an ``NcContext`` stored in ``scope["state"]["nc"]`` for the route handlers.

Before all of that, ``WebrootMiddleware`` plays the web server and ``OC::initPaths`` for an instance served
under a web root (``InstanceConfig.webroot``, e.g. ``/nextcloud``): only paths below it reach Nextcloud, which
routes them without it (``PATH_INFO`` after ``SCRIPT_NAME``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_nextcloud.core.auth import DEFAULT_AUTHENTICATORS, Authenticator, AuthFailure, parse_basic
from fake_nextcloud.core.browser import ensure_session
from fake_nextcloud.core.context import Family, NcContext, family_of
from fake_nextcloud.core.csrf import passes_strict_cookie_check
from fake_nextcloud.core.errors import html_error_page, json_response, not_implemented
from fake_nextcloud.core.identity import DavRefused, identify
from fake_nextcloud.core.ocs import RESPOND_SERVER_ERROR, RESPOND_UNAUTHORISED, api_helper_respond
from fake_nextcloud.core.session import SESSION_COOKIE, parse_cookies
from fake_nextcloud.core.state import FakeState
from fake_nextcloud.core.urls import serving_webroot

__all__ = ["FrontControllerMiddleware", "WebrootMiddleware", "sabre_not_authenticated", "same_site_cookie_refusal"]

#: Apache httpd's canned 404 page (modules/http/http_protocol.c ``get_canned_error_string`` for HTTP_NOT_FOUND,
#: ``ap_send_error_response``): what a path outside the Nextcloud folder gets from the web server.
_WEB_SERVER_404 = (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found</title>\n'
    "</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n"
)

_JSON_CONTENT_TYPE = re.compile(r"^application/(?:[a-z0-9.+-]+\+)?json\b", re.IGNORECASE)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _decode_params(method: str, headers: Headers, query: bytes, body: bytes) -> tuple[dict[str, Any], bool]:
    """Merged parameters and whether the JSON body failed to decode."""
    params: dict[str, Any] = dict(parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True))
    content_type = headers.get("content-type", "")
    if _JSON_CONTENT_TYPE.match(content_type):
        if body:
            try:
                decoded = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return params, True
            if isinstance(decoded, dict) and decoded:
                params.update(decoded)
    elif "application/x-www-form-urlencoded" in content_type and method != "GET":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params, False


class WebrootMiddleware:
    """An instance under a web root (``/nextcloud``), as the web server and ``lib/base.php`` serve it.

    * ``/nextcloud/...`` reaches Nextcloud, routed as ``/...`` (``OC::$SUBURI`` = the script below the webroot);
      ``webroot()`` is set for the request, so DAV hrefs carry it (see ``core.urls``).
    * ``/nextcloud`` itself: ``OC::initPaths`` answers ``header('Location: ' . OC::$WEBROOT . '/')`` (PHP's
      default status for a Location header is 302).
    * anything else is outside the Nextcloud folder: the web server's own 404 (no Nextcloud code runs).
    * ``/__testbed__`` (the control API, not Nextcloud) stays at the server root.
    """

    def __init__(self, app: ASGIApp, *, state: FakeState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        webroot = self.state.config.webroot
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not webroot or family_of(path)[0] is Family.CONTROL:
            await self.app(scope, receive, send)
            return
        if path == webroot:
            await Response(status_code=302, headers={"Location": webroot + "/"})(scope, receive, send)
            return
        if not path.startswith(webroot + "/"):
            await Response(_WEB_SERVER_404, 404, media_type="text/html; charset=iso-8859-1")(scope, receive, send)
            return
        scope["path"] = path[len(webroot) :]
        raw: bytes | None = scope.get("raw_path")
        if raw is not None:
            encoded = webroot.encode("ascii")
            if raw.startswith(encoded + b"/"):
                scope["raw_path"] = raw[len(encoded) :]
            else:  # the webroot was percent-encoded differently in the request line
                del scope["raw_path"]
        with serving_webroot(webroot):
            await self.app(scope, receive, send)


class FrontControllerMiddleware:
    """ASGI middleware running the entry-point steps above for Nextcloud paths."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        state: FakeState,
        authenticators: Sequence[Authenticator] = DEFAULT_AUTHENTICATORS,
    ) -> None:
        self.app = app
        self.state = state
        self.authenticators = authenticators

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        family, version = family_of(scope["path"])
        if family in (Family.CONTROL, Family.STATUS):
            await self.app(scope, receive, send)
            return
        if family is Family.DAV and not scope["path"].startswith("/remote.php"):
            await not_implemented(scope["method"], scope["path"])(scope, receive, send)
            return
        # DAV bodies are streamed to the handler (uploads may be GiBs), never buffered here
        body = b"" if family is Family.DAV else await _read_body(receive)
        ctx = self._context(scope, family, version, body)
        send = _sending_cookies(send, ctx)
        response = await self._prepare(ctx, body)
        state = scope.setdefault("state", {})
        if ctx.user is not None:
            state["fake_nc_user"] = ctx.user.uid
            state["fake_nc_login"] = ctx.auth_method
        if response is not None:
            await response(scope, receive, send)
            return
        state["nc"] = ctx
        if family is Family.DAV:
            await self.app(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _context(self, scope: Scope, family: Family, version: int, body: bytes) -> NcContext:
        headers = Headers(scope=scope)
        method = scope["method"]
        params, decoding_failed = _decode_params(method, headers, scope.get("query_string", b""), body)
        cookies = parse_cookies(headers.get("cookie", ""))
        return NcContext(
            state=self.state,
            family=family,
            ocs_version=version,
            method=method,
            path=scope["path"],
            headers=headers,
            params=params,
            basic=parse_basic(headers.get("authorization")),
            scheme=scope.get("scheme", "http"),
            host=headers.get("host") or _server_netloc(scope),
            client_ip=(scope.get("client") or ("", 0))[0] or "",
            query=dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)),
            cookies=cookies,
            session=self.state.sessions.get(cookies.get(SESSION_COOKIE)),
            decoding_failed=decoding_failed,
        )

    async def _prepare(self, ctx: NcContext, body: bytes) -> Response | None:
        """Steps 1-4 of the module docstring; a response ends the request there."""
        ensure_session(ctx)  # initSession: every request but status.php has a PHP session
        refused = same_site_cookie_refusal(ctx)
        if refused is not None:
            return refused
        ocs, version, params = ctx.family is Family.OCS, ctx.ocs_version, ctx.params
        if self.state.maintenance:
            extra = {"X-Nextcloud-Maintenance-Mode": "1"}
            if ocs:
                return api_helper_respond(version, 503, "Service unavailable", params, headers=extra, http_status=503)
            return html_error_page(503, {**extra, "Retry-After": "120"})
        if ctx.decoding_failed:
            if ocs:
                return api_helper_respond(version, RESPOND_SERVER_ERROR, "Internal Server Error\n", params)
            return html_error_page(500)
        result = await identify(ctx, self.authenticators)
        if isinstance(result, DavRefused):
            return sabre_not_authenticated(result.message)
        if isinstance(result, AuthFailure):
            if ocs:
                return api_helper_respond(version, RESPOND_UNAUTHORISED, "Unauthorised", params)
            if ctx.family is Family.DAV:
                return sabre_not_authenticated()
            if "html" in ctx.header("Accept").lower():
                return html_error_page(401)
            return json_response({"message": result.message}, 401)
        return None


def _sending_cookies(send: Send, ctx: NcContext) -> Send:
    """Add the ``Set-Cookie`` headers collected in ``ctx.set_cookies`` (PHP sends them with whatever answer the
    request gets, error pages included)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and ctx.set_cookies:
            cookies = [(b"set-cookie", c.encode("latin-1")) for c in ctx.set_cookies]
            message = {**message, "headers": [*message.get("headers", []), *cookies]}
        await send(message)

    return wrapped


def same_site_cookie_refusal(ctx: NcContext) -> Response | None:
    """``HttpKernel::performSameSiteCookieProtection``: a request to ``ocs/v*.php`` or ``remote.php`` that carries
    any cookie must pass the strict cookie check (index.php leaves it to the middleware), else 412. WebDAV
    clients known to drop cookies (``csrf.optout``: macOS Finder, the Windows WebDAV redirector) are exempt."""
    if not ctx.cookies or ctx.family is Family.INDEX or passes_strict_cookie_check(ctx):
        return None
    if ctx.header("User-Agent").startswith(("WebDAVFS", "Microsoft-WebDAV-MiniRedir")):
        return None
    return json_response({"error": "Strict Cookie has not been found in request"}, 412)


def sabre_not_authenticated(message: str = "Username or password was incorrect") -> Response:
    """Wrong credentials on ``remote.php``: apps/dav/lib/Connector/Sabre/Auth.php turns the failed login into
    ``Sabre\\DAV\\Exception\\NotAuthenticated``, rendered by ``Sabre\\DAV\\Server::exec`` as XML."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        "  <s:exception>Sabre\\DAV\\Exception\\NotAuthenticated</s:exception>\n"
        f"  <s:message>{message}</s:message>\n</d:error>\n"
    )
    return Response(
        body.encode("utf-8"),
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="Nextcloud", charset="UTF-8"'},
        media_type="application/xml; charset=utf-8",
    )


def _server_netloc(scope: Scope) -> str:
    server = scope.get("server")
    if not server:
        return "localhost"
    host, port = server[0], server[1]
    default = 443 if scope.get("scheme") == "https" else 80
    return host if port in (None, default) else f"{host}:{port}"
