"""The one status map of the server: an HTTP error answer from Nextcloud as a `NextcloudError`.

The advice matches the cause where a status means different things by origin: WebDAV's 409 is a missing
parent collection (RFC 4918), an app API's is "already exists"; Nextcloud's own HTML 404 for an app route
means the app is not enabled; a 412 with AppFramework's "App is not enabled" or "CSRF check failed" is not a
version conflict; 503 with `X-Nextcloud-Maintenance-Mode` is maintenance mode. No 4xx says "try again later".
`core.http` calls it for every answer; app clients call it for answers they first looked at themselves.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx2

from nextcloud_mcp.core.errors import (
    AuthenticationFailed,
    BadRequest,
    Conflict,
    Forbidden,
    InsufficientStorage,
    Locked,
    Maintenance,
    NextcloudError,
    NotFound,
    RateLimited,
    Unavailable,
)

__all__ = ["is_maintenance", "raise_for_status", "retry_after"]

# nextcloud/server lib/private/AppFramework/Middleware/Security/CORSMiddleware.php (see docs/authentication.md)
_CORS_MESSAGE = "CORS requires basic auth"

_STATUS_ERRORS: dict[int, tuple[type[NextcloudError], str]] = {
    401: (
        AuthenticationFailed,
        "Nextcloud rejected the credentials (check the app password; in OAuth mode, that user_oidc "
        "validates bearer tokens).",
    ),
    403: (
        Forbidden,
        "Nextcloud refused this action for the current user (read-only item or missing permission).",
    ),
    404: (NotFound, "Not found in Nextcloud (it does not exist or is not visible to this user)."),
    # RFC 4918 9.7.1/9.3.1/9.8.5: WebDAV answers 409 when a parent collection of the target does not exist;
    # the app APIs (OCS, index.php) use 409 for "already exists". See _status_message for the DAV wording.
    409: (
        Conflict,
        "Nextcloud refused this because it conflicts with existing data (e.g. the name is already taken); use "
        "another name, or change the existing item instead.",
    ),
    412: (
        Conflict,
        "The item changed in Nextcloud since it was read (its etag no longer matches); read it again, reapply "
        "the change and retry.",
    ),
    423: (
        Locked,
        "The item is locked in Nextcloud (open for editing in another app such as Collabora or OnlyOffice, or "
        "locked by a user or a sync client); it cannot change until the lock is released: close it there or ask "
        "whoever holds the lock, then repeat the change.",
    ),
    429: (
        RateLimited,
        "Nextcloud is rate-limiting this server (brute-force protection after failed logins, or an app's rate "
        "limit). Wait before the next request; failed logins cause it, so check the credentials. An administrator "
        "can lift it with `occ security:bruteforce:reset <this server's IP>`.",
    ),
    507: (
        InsufficientStorage,
        "Nextcloud has no room for this: the user's storage quota is used up (or the server's disk is full). "
        "Delete files or empty the trash bin (nc_files_list_trash, nc_files_delete_trash: deleted files and old "
        "versions count against the quota), or ask an administrator for more quota.",
    ),
}
_MAINTENANCE_MESSAGE = (
    "Nextcloud is in maintenance mode (turned on by an administrator, or an upgrade is pending or running); "
    "nothing was changed; try again later, once the administrator has ended it (`occ maintenance:mode --off`, "
    "or `occ upgrade` for a pending upgrade)."
)
# nextcloud/server lib/private/AppFramework/Middleware/Security/SecurityMiddleware.php (412 JSON messages)
_APP_NOT_ENABLED = "App is not enabled"
_CSRF_MESSAGES = ("CSRF check failed", "Strict Cookie has not been found in request")


def retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


def is_maintenance(response: httpx2.Response) -> bool:
    """503 with `X-Nextcloud-Maintenance-Mode` (nextcloud/server ocs/v1.php, lib/base.php checkMaintenanceMode)."""
    return response.status_code == 503 and bool(response.headers.get("X-Nextcloud-Maintenance-Mode"))


def _app_of(path: str) -> str | None:
    """The app id of an app route (`/index.php/apps/<id>/…`, `/apps/<id>/…`, `/ocs/v2.php/apps/<id>/…`)."""
    parts = path.split("/")
    if "apps" in parts:
        index = parts.index("apps")
        if index + 1 < len(parts) and parts[index + 1]:
            return parts[index + 1]
    return None


def _json_message(response: httpx2.Response) -> str:
    """`message` of an AppFramework JSON error (`{"message": …}`), else ""."""
    if "json" not in response.headers.get("content-type", ""):
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    value = body.get("message") or body.get("error") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _status_message(response: httpx2.Response, path: str) -> str | None:
    """The message for a status whose cause depends on where it came from; None: the generic one."""
    status, dav = response.status_code, "/remote.php/" in path
    if status == 404 and not dav and response.headers.get("content-type", "").startswith("text/html"):
        app = _app_of(path)
        if app:  # Nextcloud's own "Page not found": the route does not exist (only enabled apps load routes)
            return (
                f"Nextcloud has no such API route: the {app} app is not installed or not enabled for this user, or "
                f"its version lacks this request. Ask an administrator to install or enable {app}."
            )
    if status == 409 and dav:
        tool = "nc_files_create_folder" if "/dav/files/" in path or "/webdav/" in path else None
        then = f"create it first with {tool}, or check the path" if tool else "check the calendar or address book"
        return f"The parent folder (WebDAV collection) of this item does not exist in Nextcloud; {then}."
    if status == 412:
        said = _json_message(response)
        if said == _APP_NOT_ENABLED:
            app = _app_of(path) or "this"
            return (
                f"The {app} app is not enabled for this user (it is limited to other groups); ask an administrator "
                "to enable it for this user."
            )
        if said in _CSRF_MESSAGES:
            return (
                f"Nextcloud refused the request as a possible cross-site request ({said}). This server sends no "
                "cookies, so a proxy in front of Nextcloud adds them, or this is a bug; report it with the tool's name."
            )
    if status >= 500 and status not in _STATUS_ERRORS:
        if status == 500:
            return (
                "Nextcloud failed with an internal error (HTTP 500; nextcloud.log has the cause); try again later, "
                "and if it persists, tell the administrator."
            )
        if status in (502, 504):
            return (
                f"The web server or proxy in front of Nextcloud got no (timely) answer from it (HTTP {status}): "
                "Nextcloud (PHP) is down or overloaded; try again later."
            )
        return f"Nextcloud failed with HTTP {status}; try again later."
    return None


def raise_for_status(response: httpx2.Response) -> None:
    """Raise the matching `NextcloudError` for a non-2xx/3xx `response`; the one status map of the server."""
    status = response.status_code
    if status < 400:
        return
    method, path = response.request.method, response.request.url.path
    where: dict[str, Any] = {"method": method, "path": path, "status": status}
    if status == 401 and _CORS_MESSAGE in response.text[:500]:
        raise AuthenticationFailed(
            "Nextcloud refused the access token on this app API: its #[CORS] routes accept only Basic auth "
            "unless the Bearer patch is applied (docs/authentication.md#the-bearer-patch-cors-routes). "
            "Apply the patch or run this server in BasicAuth mode with an app password.",
            **where,
        )
    if is_maintenance(response):
        raise Maintenance(_MAINTENANCE_MESSAGE, **where)
    special = _status_message(response, path)
    if status in _STATUS_ERRORS:
        cls, message = _STATUS_ERRORS[status]
        if cls is RateLimited:
            raise RateLimited(message, retry_after=retry_after(response), **where)
        raise cls(special or message, **where)
    if status >= 500:
        raise Unavailable(special or f"Nextcloud failed with HTTP {status}; try again later.", **where)
    raise BadRequest(f"Nextcloud rejected the request (HTTP {status}); check the values sent.", **where)
