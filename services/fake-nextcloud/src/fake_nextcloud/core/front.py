"""Front controllers: what ``index.php`` and ``ocs/v{1,2}.php`` do before routing.

For every Nextcloud request the middleware decides the route family from the path, then, in the order
the real entry points use (nextcloud/server ``ocs/v1.php``; ``lib/private/Kernel/HttpKernel.php``,
formerly ``OC::handleRequest`` in ``lib/base.php``):

1. maintenance mode -> 503 (``ApiHelper::respond(503, 'Service unavailable')`` for OCS);
2. request body decoding (``Request::decodeContent``): JSON bodies for JSON content types, form bodies for
   ``application/x-www-form-urlencoded``; an undecodable JSON body makes ``throwDecodingExceptionIfAny``
   throw -> 500 error page (index.php) or OCS 996 "Internal Server Error" (ocs, HTTP 500 on v2, 200 on v1);
3. login: a browser session (session cookie with a logged-in user) wins; otherwise ``OC::handleLogin`` runs
   the authenticator chain (user_oidc Bearer, then HTTP Basic). Wrong Basic credentials throw
   ``LoginException`` -> 401 ``{"message": ""}`` (index.php, JSON unless ``Accept`` contains ``html``) or
   OCS 997 "Unauthorised" (ocs);
4. routing.

The result is an ``NcContext`` stored in ``scope["state"]["nc"]`` for the route handlers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fake_nextcloud.core.auth import (
    DEFAULT_AUTHENTICATORS,
    Authenticator,
    AuthFailure,
    AuthRequest,
    BasicCredentials,
    Login,
    authenticate,
    parse_basic,
)
from fake_nextcloud.core.errors import html_error_page, json_response, not_implemented
from fake_nextcloud.core.ocs import RESPOND_SERVER_ERROR, RESPOND_UNAUTHORISED, api_helper_respond
from fake_nextcloud.core.session import SESSION_COOKIE, Session, parse_cookies
from fake_nextcloud.core.state import FakeState, User
from fake_nextcloud.core.urls import absolute_url, base_url

__all__ = ["Family", "FrontControllerMiddleware", "NcContext", "family_of", "get_context"]

_JSON_CONTENT_TYPE = re.compile(r"^application/(?:[a-z0-9.+-]+\+)?json\b", re.IGNORECASE)


class Family(Enum):
    """Which entry point of a real server would handle a path."""

    INDEX = "index"  # index.php and pretty URLs
    OCS = "ocs"  # ocs/v1.php, ocs/v2.php
    STATUS = "status"  # status.php
    DAV = "dav"  # remote.php (apps/dav), public.php (not implemented yet)
    CONTROL = "control"  # /__testbed__ (not Nextcloud)


def family_of(path: str) -> tuple[Family, int]:
    """The family of ``path`` and, for OCS, its version (1 or 2; 0 otherwise)."""
    for prefix, version in (("/ocs/v1.php", 1), ("/ocs/v2.php", 2)):
        if path == prefix or path.startswith(prefix + "/"):
            return Family.OCS, version
    if path == "/status.php":
        return Family.STATUS, 0
    if path.startswith(("/remote.php", "/public.php")):
        return Family.DAV, 0
    if path == "/__testbed__" or path.startswith("/__testbed__/"):
        return Family.CONTROL, 0
    return Family.INDEX, 0


@dataclass
class NcContext:
    """What a Nextcloud controller can see of the request: merged parameters (``Request::getParams``:
    query, then body), headers, the logged-in user (and how: ``auth_method``), the raw Basic credentials
    (re-checked by ``CORSMiddleware``), cookies and the PHP session. ``set_cookies`` collects ``Set-Cookie``
    values the controller wants sent."""

    state: FakeState
    family: Family
    ocs_version: int
    method: str
    path: str
    headers: Headers
    params: dict[str, Any] = field(default_factory=dict)
    basic: BasicCredentials | None = None
    user: User | None = None
    form_semantics: bool = False
    auth_method: str | None = None
    scheme: str = "http"
    host: str = ""
    client_ip: str = ""
    query: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    session: Session | None = None
    set_cookies: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """``IURLGenerator::getBaseUrl`` (honours ``overwritehost``/``overwriteprotocol``)."""
        return base_url(self.state.config, self.scheme, self.host)

    def absolute_url(self, url: str) -> str:
        return absolute_url(self.state.config, self.scheme, self.host, url)

    def header(self, name: str) -> str:
        """``IRequest::getHeader`` (empty string when absent)."""
        return self.headers.get(name, "")

    def param(self, name: str, default: Any = None) -> Any:
        """``IRequest::getParam``: ``isset()`` semantics, so an explicit ``null`` counts as absent."""
        value = self.params.get(name)
        return default if value is None else value


def get_context(request: Request) -> NcContext:
    """The context the front controller attached to this request."""
    ctx = request.scope.get("state", {}).get("nc")
    if not isinstance(ctx, NcContext):
        raise RuntimeError("request did not pass through FrontControllerMiddleware")
    return ctx


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
        response, ctx = await self._prepare(scope, family, version, body)
        if response is not None:
            await response(scope, receive, send)
            return
        assert ctx is not None
        scope.setdefault("state", {})["nc"] = ctx
        if ctx.user is not None:
            scope["state"]["fake_nc_user"] = ctx.user.uid
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

    async def _prepare(
        self, scope: Scope, family: Family, version: int, body: bytes
    ) -> tuple[Response | None, NcContext | None]:
        headers = Headers(scope=scope)
        method = scope["method"]
        params, decoding_failed = _decode_params(method, headers, scope.get("query_string", b""), body)
        ocs = family is Family.OCS
        if self.state.maintenance:
            extra = {"X-Nextcloud-Maintenance-Mode": "1"}
            if ocs:
                return api_helper_respond(
                    version, 503, "Service unavailable", params, headers=extra, http_status=503
                ), None
            return html_error_page(503, {**extra, "Retry-After": "120"}), None
        if decoding_failed:
            if ocs:
                return api_helper_respond(version, RESPOND_SERVER_ERROR, "Internal Server Error\n", params), None
            return html_error_page(500), None
        cookies = parse_cookies(headers.get("cookie", ""))
        session = self.state.sessions.get(cookies.get(SESSION_COOKIE))
        result: Login | AuthFailure | None = None
        if session is not None and session.uid is not None:
            session_user = self.state.user(session.uid)
            if session_user is not None and session_user.enabled:
                result = Login(session_user, "session")
        if result is None:
            result = await authenticate(self.state, AuthRequest(method, scope["path"], headers), self.authenticators)
        if isinstance(result, AuthFailure):
            if ocs:
                return api_helper_respond(version, RESPOND_UNAUTHORISED, "Unauthorised", params), None
            if family is Family.DAV:
                return sabre_not_authenticated(), None
            if "html" in headers.get("accept", "").lower():
                return html_error_page(401), None
            return json_response({"message": result.message}, 401), None
        content_type = headers.get("content-type", "")
        ctx = NcContext(
            state=self.state,
            family=family,
            ocs_version=version,
            method=method,
            path=scope["path"],
            headers=headers,
            params=params,
            basic=parse_basic(headers.get("authorization")),
            user=result.user if result is not None else None,
            form_semantics=method == "GET" or "application/x-www-form-urlencoded" in content_type,
            auth_method=result.method if result is not None else None,
            scheme=scope.get("scheme", "http"),
            host=headers.get("host") or _server_netloc(scope),
            client_ip=(scope.get("client") or ("", 0))[0] or "",
            query=dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)),
            cookies=cookies,
            session=session,
        )
        return None, ctx


def sabre_not_authenticated() -> Response:
    """Wrong credentials on ``remote.php``: apps/dav/lib/Connector/Sabre/Auth.php turns the failed login into
    ``Sabre\\DAV\\Exception\\NotAuthenticated``, rendered by ``Sabre\\DAV\\Server::exec`` as XML."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n'
        "  <s:exception>Sabre\\DAV\\Exception\\NotAuthenticated</s:exception>\n"
        "  <s:message>Username or password was incorrect</s:message>\n</d:error>\n"
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
