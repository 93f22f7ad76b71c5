"""Is `NEXTCLOUD_HOST` really Nextcloud? Redirects and web pages where Nextcloud's API should answer.

Nextcloud's APIs answer JSON (OCS, app APIs) or XML (WebDAV), never a redirect. A redirect or an HTML page
in their place means the setting points somewhere else: `http://` on a site that redirects to `https://`,
the address without Nextcloud's sub-path (`https://example.com` for `https://example.com/nextcloud`), or
with `/index.php` appended. This server never follows a redirect (it would carry the credentials to
another address); it says which value to set instead.

Nextcloud itself answers an HTML page for a route that does not exist (an app that is not enabled), so an
HTML error alone proves nothing: `status.php` (public; asked without credentials) decides. It is Nextcloud's
on every installation (nextcloud/server status.php: `installed`, `version`, ... as JSON).
"""

from __future__ import annotations

from typing import Any

import httpx2

from nextcloud_mcp.core.errors import WrongHost
from nextcloud_mcp.core.network import Target, speaks_tls

__all__ = ["check_host", "is_nextcloud_status", "is_redirect", "looks_foreign", "not_nextcloud", "redirect_error"]

_NEVER_FOLLOW = "This server never follows redirects: they would carry the credentials to another address."
_WHAT_TO_SET = (
    "Set NEXTCLOUD_HOST to the address you open Nextcloud at in a browser, with its sub-path and without "
    "/index.php (e.g. https://cloud.example.com or https://example.com/nextcloud)."
)


def is_redirect(response: httpx2.Response) -> bool:
    """A 3xx answer other than 304 Not Modified (which answers a conditional request)."""
    return 300 <= response.status_code < 400 and response.status_code != 304


def looks_foreign(response: httpx2.Response, path: str) -> bool:
    """An answer Nextcloud's API would not give: an HTML 4xx page, a plain-text 404 outside WebDAV (a proxy's,
    e.g. Traefik's "404 page not found"), or an HTML success to a GET that asked for JSON outside WebDAV (where
    a user's own .html file is a fine answer)."""
    kind = response.headers.get("content-type", "").lower()
    status, dav = response.status_code, path.startswith("/remote.php/")
    if kind.startswith("text/html") and status in (400, 401, 403, 404, 405):
        return True
    if kind.startswith("text/plain") and status == 404 and not dav:
        return True
    request = response.request
    wants_json = request.method == "GET" and "json" in request.headers.get("accept", "")
    return kind.startswith("text/html") and 200 <= status < 300 and wants_json and not dav


def _suffix(response: httpx2.Response, base: httpx2.URL) -> str:
    """The part of the request's path below the base URL's path (the path the caller asked for)."""
    requested = response.request.url.path
    prefix = base.path.rstrip("/")
    return requested[len(prefix) :] if requested.startswith(prefix) else requested


def _redirect_target(response: httpx2.Response) -> httpx2.URL:
    return response.request.url.join(response.headers.get("location", ""))


def _redirected_base(response: httpx2.Response, base_url: str) -> str | None:
    """The base URL the redirect implies (its target minus the path asked for), when it keeps that path."""
    target, suffix = _redirect_target(response), _suffix(response, httpx2.URL(base_url))
    if not suffix or not target.path.endswith(suffix) or target.host == "":
        return None
    base = target.copy_with(path=target.path[: len(target.path) - len(suffix)] or "/", query=None, fragment=None)
    value = str(base).rstrip("/")
    return None if value == base_url.rstrip("/") else value


def _shown(url: httpx2.URL) -> str:
    """A URL for a message: no query, no fragment, no user info, at most 120 characters."""
    return str(url.copy_with(query=None, fragment=None, username=None, password=None))[:120]


def redirect_error(response: httpx2.Response, base_url: str) -> WrongHost:
    """The error for a redirect where Nextcloud's API should answer, naming the value to set when it can."""
    where: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.path,
        "status": response.status_code,
    }
    status = response.status_code
    suggestion = _redirected_base(response, base_url)
    if suggestion is not None:
        message = (
            f"NEXTCLOUD_HOST={base_url} is not the address Nextcloud answers at: it redirects (HTTP {status}) to "
            f"{suggestion}. Set NEXTCLOUD_HOST={suggestion}. {_NEVER_FOLLOW}"
        )
        return WrongHost(message, suggestion=suggestion, **where)
    target = _shown(_redirect_target(response)) if response.headers.get("location") else "nowhere (no Location)"
    message = (
        f"NEXTCLOUD_HOST={base_url} answered with a redirect (HTTP {status}) to {target} instead of Nextcloud's API: "
        "NEXTCLOUD_HOST is probably not Nextcloud's address, or a proxy or sign-on portal in front of Nextcloud "
        f"redirects API requests. {_WHAT_TO_SET} {_NEVER_FOLLOW}"
    )
    return WrongHost(message, **where)


def is_nextcloud_status(response: httpx2.Response | None) -> bool:
    """Whether `response` is Nextcloud's `status.php` document."""
    if response is None or response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "installed" in body and "version" in body


def _answer(response: httpx2.Response) -> str:
    """What an answer was, for a message: "HTTP 404 (text/html)" or "a redirect (HTTP 301) to <url>"."""
    if is_redirect(response):
        return f"a redirect (HTTP {response.status_code}) to {_shown(_redirect_target(response))}"
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    return f"HTTP {response.status_code} ({kind})"


def _candidates(base_url: str) -> list[str]:
    """Where Nextcloud commonly is when `base_url` is not it: without `/index.php`, at the site's root, or at
    the usual `/nextcloud` sub-path. At most two."""
    url = httpx2.URL(base_url)
    path = url.path.rstrip("/")
    found: list[str] = []
    if path.endswith("/index.php"):
        found.append(str(url.copy_with(path=path[: -len("/index.php")] or "/")).rstrip("/"))
    elif path:
        found.append(str(url.copy_with(path="/")).rstrip("/"))
    if "nextcloud" not in path.lower():
        found.append(base_url.rstrip("/") + "/nextcloud")
    return found[:2]


async def _status(client: httpx2.AsyncClient, base: str) -> httpx2.Response | None:
    """`GET <base>/status.php` without credentials; None when it cannot be reached."""
    try:
        return await client.get(base + "/status.php", auth=None)
    except httpx2.TransportError:
        return None


async def check_host(
    client: httpx2.AsyncClient, target: Target, response: httpx2.Response, path: str, *, sockets: bool
) -> WrongHost | None:
    """None when `status.php` under the base URL is Nextcloud's (then `response` is Nextcloud's own answer);
    else the error naming what to set. `sockets`: may open a connection of its own (the TLS probe)."""
    base = target.base_url
    status = response if path == "/status.php" else await _status(client, base)
    if is_nextcloud_status(status):
        return None
    fix: str | None = None
    suggestion = _redirected_base(status, base) if status is not None and is_redirect(status) else None
    if suggestion is not None:
        fix = f"Set NEXTCLOUD_HOST={suggestion} (where it redirects to). {_NEVER_FOLLOW}"
    else:
        for candidate in _candidates(base):
            if is_nextcloud_status(await _status(client, candidate)):
                suggestion = candidate
                fix = f"Nextcloud answers at {candidate}: set NEXTCLOUD_HOST={candidate}."
                break
    tls = suggestion is None and sockets and target.url.scheme == "http"
    if tls and await speaks_tls(target.host, target.port, seconds=target.connect_timeout):
        suggestion = target.with_scheme("https")
        fix = f"{target.netloc} speaks HTTPS: set NEXTCLOUD_HOST={suggestion}."
    return not_nextcloud(target, response, status, suggestion, fix)


def not_nextcloud(
    target: Target,
    response: httpx2.Response,
    status: httpx2.Response | None,
    suggestion: str | None = None,
    fix: str | None = None,
) -> WrongHost:
    """The error for an answer that is not Nextcloud's, given what `status.php` answered (None: unreachable)."""
    base = target.base_url
    where: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.path,
        "status": response.status_code,
    }
    asked = "" if status is response else f"the request got {_answer(response)} and "
    said = "cannot be reached" if status is None else f"answers {_answer(status)}"
    message = (
        f"NEXTCLOUD_HOST={base} does not lead to Nextcloud: {asked}{base}/status.php {said} instead of Nextcloud's "
        f"status. {fix or _WHAT_TO_SET}"
    )
    return WrongHost(message, suggestion=suggestion, **where)
