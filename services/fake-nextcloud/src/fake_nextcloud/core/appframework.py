"""The AppFramework middleware chain around a controller method.

nextcloud/server ``lib/private/AppFramework/DependencyInjection/DIContainer.php`` registers, in order,
``NotModifiedMiddleware``, ``CORSMiddleware``, ``OCSMiddleware`` and ``SecurityMiddleware`` (among
others); ``beforeController`` runs in that order, ``afterException``/``afterController`` in reverse.
``controller(annotations)`` wraps a handler so that it gets exactly these checks:

* CORS (``#[CORS]`` routes, ``CORSMiddleware::beforeController``): unless the request passes the CSRF check
  (``Request::passesCSRFCheck`` - true when any ``OCS-APIRequest`` header is sent, or a valid request token
  accompanies the session cookies), the session is dropped and ``PHP_AUTH_USER``/``PHP_AUTH_PW`` must log in
  again, else 401 "CORS requires basic auth". A user logged in by a Bearer token (user_oidc) looks exactly
  like such a session, so it gets the same 401 (nextcloud/server#44365, nextcloud/user_oidc#836) - unless
  the instance carries cbcoutinho's ``cors-bearer-token.patch`` (proposed upstream as nextcloud/server PR
  #55878), which returns early for any ``Authorization: Bearer`` request (``InstanceConfig.bearer_patch``).
* Security (``SecurityMiddleware::beforeController``): not logged in -> 401 "Current user is not logged in"
  (unless ``#[PublicPage]``); without ``#[NoCSRFRequired]`` the CSRF check must pass, except for
  ``OCSController`` requests with ``OCS-APIRequest: true`` or a Bearer token (``isValidOCSRequest``),
  else 412 "CSRF check failed".
* OCS (``OCSMiddleware``): ``OCSException`` -> envelope; a plain 401/403 JSON answer of an OCS controller
  (from the security checks) -> envelope 997/403 with the same message.
* CORS ``afterController``: ``Access-Control-Allow-Origin`` echoes ``Origin`` on ``#[CORS]`` routes.
* NotModified (``NotModifiedMiddleware``): ``If-None-Match`` equal to ``"<etag>"`` (one value, no list) or
  ``If-Modified-Since`` equal to ``Last-Modified`` -> 304 without body.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.core.auth import check_client_login
from fake_nextcloud.core.browser import log_in, log_out
from fake_nextcloud.core.context import NcContext, get_context
from fake_nextcloud.core.csrf import passes_csrf_check
from fake_nextcloud.core.errors import (
    CorsRequiresBasicAuth,
    CsrfCheckFailed,
    NotLoggedIn,
    OcsError,
    SecurityError,
    html_error_page,
    json_response,
)
from fake_nextcloud.core.ocs import (
    RESPOND_SERVER_ERROR,
    RESPOND_UNAUTHORISED,
    api_helper_respond,
    dispatcher_format,
    ocs_response,
    request_format,
)
from fake_nextcloud.core.php import PhpTypeError
from fake_nextcloud.core.signature import php_method

__all__ = [
    "Annotations",
    "OcsResult",
    "controller",
    "preflighted_cors",
    "rfc2822",
]

#: Headers ``OCP\\AppFramework\\Http\\Response::getHeaders`` adds to every AppFramework response.
_DEFAULT_HEADERS = {"Cache-Control": "no-cache, no-store, must-revalidate", "X-Robots-Tag": "noindex, nofollow"}


@dataclass(frozen=True)
class Annotations:
    """Controller-method attributes that change the middleware checks."""

    public: bool = False  # #[PublicPage]
    cors: bool = False  # #[CORS]
    no_csrf: bool = False  # #[NoCSRFRequired]
    ocs: bool = False  # the controller is an OCSController


@dataclass
class OcsResult:
    """A ``DataResponse`` returned by an OCS controller (rendered as V1Response/V2Response)."""

    data: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None


Handler = Callable[[NcContext, Request], Awaitable[Response | OcsResult]]
Endpoint = Callable[[Request], Awaitable[Response]]


def _is_valid_ocs_request(ctx: NcContext) -> bool:
    """``SecurityMiddleware::isValidOCSRequest``."""
    return ctx.header("OCS-APIRequest") == "true" or ctx.header("Authorization").startswith("Bearer ")


def _before(ctx: NcContext, ann: Annotations) -> None:
    if ann.cors and (not ann.public or ctx.user is not None) and not passes_csrf_check(ctx):
        bearer = ctx.header("Authorization").startswith("Bearer ")
        if not (ctx.state.config.bearer_patch and bearer):  # cors-bearer-token.patch: `return;` for Bearer
            log_out(ctx)  # $this->session->logout()
            creds = ctx.basic
            user = check_client_login(ctx.state, creds.user, creds.password) if creds is not None else None
            if user is None:
                raise CorsRequiresBasicAuth()
            log_in(ctx, user, creds.user if creds is not None else user.login, remember=False, method="basic")
    if not ann.public and ctx.user is None:
        raise NotLoggedIn()
    if not ann.no_csrf and not passes_csrf_check(ctx) and not (ann.ocs and _is_valid_ocs_request(ctx)):
        raise CsrfCheckFailed()


def _security_response(ctx: NcContext, ann: Annotations, error: SecurityError) -> Response:
    if ann.ocs and error.status in (401, 403):  # OCSMiddleware::afterController
        code = RESPOND_UNAUTHORISED if error.status == 401 else 403
        fmt = request_format(ctx.params, ctx.header("Accept"))
        return ocs_response(ctx.ocs_version, code, [], fmt=fmt, message=error.message)
    wants_html = "html" in ctx.header("Accept").lower()
    if wants_html and not isinstance(error, CorsRequiresBasicAuth):  # SecurityMiddleware HTML branch
        if isinstance(error, NotLoggedIn):  # redirect_url = REQUEST_URI (+ user, direct)
            uri = ctx.path + ("?" + urlencode(ctx.query) if ctx.query else "")
            params = {"redirect_url": uri}
            if ctx.param("user"):
                params["user"] = str(ctx.param("user"))
            if ctx.param("direct"):
                params["direct"] = "1"
            return Response(status_code=303, headers={"Location": "/index.php/login?" + urlencode(params)})
        return html_error_page(error.status)
    return json_response({"message": error.message}, error.status)


def _server_error(ctx: NcContext) -> Response:
    """An exception no middleware handles: ``ocs/v1.php`` answers OCS 996, index.php an error page."""
    if ctx.ocs_version:
        return api_helper_respond(ctx.ocs_version, RESPOND_SERVER_ERROR, "Internal Server Error\n", ctx.params)
    return html_error_page(500)


def rfc2822(timestamp: int) -> str:
    """``Last-Modified`` as ``Response::getHeaders`` formats it: ``DateTimeInterface::RFC2822`` in UTC
    (``Tue, 14 Nov 2023 22:13:20 +0000``, not the ``GMT`` form of RFC 7231)."""
    return formatdate(timestamp, usegmt=False).replace("-0000", "+0000")


def _rfc7231(header: str) -> str | None:
    try:
        return formatdate(parsedate_to_datetime(header).timestamp(), usegmt=True)
    except (TypeError, ValueError):
        return None


def _not_modified(ctx: NcContext, response: Response) -> Response:
    """``NotModifiedMiddleware``. Its ``If-Modified-Since`` comparison uses the RFC 7231 form while
    ``Last-Modified`` is sent in RFC 2822 form, so echoing ``Last-Modified`` back never yields a 304."""
    etag = response.headers.get("etag")
    if_none_match = ctx.header("If-None-Match")
    last_modified = response.headers.get("last-modified")
    if_modified_since = ctx.header("If-Modified-Since")
    if (if_none_match and etag is not None and if_none_match.strip() == etag) or (
        if_modified_since and last_modified is not None and if_modified_since.strip() == _rfc7231(last_modified)
    ):
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(status_code=304, headers=headers)
    return response


def controller(ann: Annotations) -> Callable[[Handler], Endpoint]:
    """Decorate ``async def handler(ctx, request)`` into a Starlette endpoint running the chain."""

    def decorate(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            ctx = get_context(request)
            try:
                _before(ctx, ann)
                result = await handler(ctx, request)
            except SecurityError as error:
                response = _security_response(ctx, ann, error)
            except OcsError as error:
                if not ann.ocs:
                    raise
                fmt = request_format(ctx.params, ctx.header("Accept"))
                response = ocs_response(ctx.ocs_version, error.code, [], fmt=fmt, message=error.message)
            except PhpTypeError:
                return _server_error(ctx)
            else:
                response = _render(ctx, result)
            for name, value in _DEFAULT_HEADERS.items():
                response.headers.setdefault(name, value)
            if ann.cors and ctx.header("Origin"):
                response.headers["Access-Control-Allow-Origin"] = ctx.header("Origin")
            return _not_modified(ctx, response)

        return functools.wraps(handler)(endpoint)

    return decorate


def _render(ctx: NcContext, result: Response | OcsResult) -> Response:
    if isinstance(result, Response):
        return result
    fmt = dispatcher_format(ctx.params, ctx.header("Accept"))
    if fmt not in ("json", "xml"):  # buildResponse throws: no responder registered for that format
        return _server_error(ctx)
    return ocs_response(ctx.ocs_version, result.status, result.data, fmt=fmt, headers=result.headers, etag=result.etag)


@controller(Annotations(public=True, no_csrf=True))
@php_method("ApiController::preflightedCors")
async def preflighted_cors(ctx: NcContext, request: Request) -> Response:
    """``OPTIONS /api/…/{path}`` of an ``ApiController`` (nextcloud/server lib/public/AppFramework/
    ApiController.php::preflightedCors), shared by the Notes and Deck REST APIs."""
    return Response(
        headers={
            "Access-Control-Allow-Origin": ctx.header("Origin") or "*",
            "Access-Control-Allow-Methods": "PUT, POST, GET, DELETE, PATCH",
            "Access-Control-Max-Age": "1728000",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
            "Access-Control-Allow-Credentials": "false",
        }
    )
