"""Nextcloud's error responses, and the exception tree the fake uses to produce them.

::

    FakeNextcloudError
     ├── SecurityError          AppFramework SecurityException -> JSON {"message": ...} with its code
     │    ├── NotLoggedIn        401 "Current user is not logged in"
     │    ├── CorsRequiresBasicAuth  401 "CORS requires basic auth"
     │    └── CsrfCheckFailed    412 "CSRF check failed"
     └── OcsError               OCSException -> OCS envelope (OCSMiddleware::afterException)

Each class' docstring names the Nextcloud source it mirrors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from fake_nextcloud.core.php import php_json_encode

__all__ = [
    "NOT_IMPLEMENTED_HEADER",
    "CorsRequiresBasicAuth",
    "CsrfCheckFailed",
    "FakeNextcloudError",
    "NotLoggedIn",
    "OcsError",
    "SecurityError",
    "html_error_page",
    "json_response",
    "not_implemented",
]

#: Header set on every answer for a route the fake does not implement, so a gap never passes for a real 404.
NOT_IMPLEMENTED_HEADER = ("X-Fake-Nextcloud", "not-implemented")


class FakeNextcloudError(Exception):
    """Base class of all errors the fake turns into Nextcloud responses."""


class SecurityError(FakeNextcloudError):
    """``OC\\AppFramework\\Middleware\\Security\\Exceptions\\SecurityException``: rendered by
    ``SecurityMiddleware::afterException`` / ``CORSMiddleware::afterException`` as
    ``JSONResponse(['message' => $e->getMessage()], $e->getCode())``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotLoggedIn(SecurityError):
    """``NotLoggedInException``: 401 "Current user is not logged in"."""

    def __init__(self) -> None:
        super().__init__("Current user is not logged in", 401)


class CorsRequiresBasicAuth(SecurityError):
    """``CORSMiddleware::beforeController``: 401 "CORS requires basic auth"."""

    def __init__(self) -> None:
        super().__init__("CORS requires basic auth", 401)


class CsrfCheckFailed(SecurityError):
    """``CrossSiteRequestForgeryException``: 412 "CSRF check failed"."""

    def __init__(self) -> None:
        super().__init__("CSRF check failed", 412)


class OcsError(FakeNextcloudError):
    """``OCP\\AppFramework\\OCS\\OCSException`` (``OCSNotFoundException`` uses code 404); code 0 becomes
    ``RESPOND_UNKNOWN_ERROR`` (``OCSMiddleware::afterException``)."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code = code if code != 0 else 999
        self.message = message


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None, *, etag: str | None = None
) -> Response:
    """``OCP\\AppFramework\\Http\\JSONResponse`` (``json_encode`` with ``JSON_HEX_TAG``)."""
    out = dict(headers or {})
    if etag is not None:
        out["ETag"] = f'"{etag}"'
    out["Content-Type"] = "application/json; charset=utf-8"
    return Response(php_json_encode(data, hex_tag=True).encode("utf-8"), status_code=status, headers=out)


_PAGE = (
    '<!DOCTYPE html>\n<html class="ng-csp" data-placeholder-focus="false" lang="en">\n<head>\n'
    '<meta charset="utf-8">\n<title>Nextcloud</title>\n</head>\n<body id="body-login">\n'
    '<div class="guest-box">\n<h2>{title}</h2>\n<p class="hint">{hint}</p>\n</div>\n</body>\n</html>\n'
)

_PAGES = {
    401: ("Access forbidden", ""),
    403: ("Access forbidden", ""),
    404: ("Page not found", "The page could not be found on the server or you may not be allowed to see it."),
    405: ("Method not allowed", ""),
    412: ("Access forbidden", ""),
    500: ("Internal Server Error", "The server was unable to complete your request."),
    503: ("Maintenance mode", "This Nextcloud instance is currently in maintenance mode."),
}


def html_error_page(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """A guest-template error page (``NotFoundResponse``, ``ErrorTemplateResponse``,
    ``printExceptionErrorPage``). Only status and content type are meant to be faithful."""
    title, hint = _PAGES.get(status, ("Error", ""))
    out = dict(headers or {})
    out["Content-Type"] = "text/html; charset=UTF-8"
    return Response(_PAGE.format(title=title, hint=hint).encode("utf-8"), status_code=status, headers=out)


def not_implemented(method: str, path: str) -> Response:
    """404 for a Nextcloud route the fake does not implement (``X-Fake-Nextcloud: not-implemented``)."""
    name, value = NOT_IMPLEMENTED_HEADER
    body = php_json_encode({"message": f"fake-nextcloud does not implement {method} {path}"}, hex_tag=True)
    return Response(
        body.encode("utf-8"),
        status_code=404,
        headers={name: value, "Content-Type": "application/json; charset=utf-8"},
    )
