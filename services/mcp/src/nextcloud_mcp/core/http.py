"""The one HTTP client to Nextcloud: pooling, timeouts, retries, status mapping and OCS envelopes.

One `NextcloudHTTP` per process wraps one `httpx2.AsyncClient` (httpx2 is the maintained httpx line
that the MCP SDK itself depends on). It carries no credentials: every request names the caller's
`httpx2.Auth`, so one user's credentials never ride along with another user's request, and it keeps no
cookies, so no user's Nextcloud session rides along either (see `core.cookies` for why that matters).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2

from nextcloud_mcp import __version__, metrics
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.cookies import cookieless_jar
from nextcloud_mcp.core.errors import (
    AuthenticationFailed,
    BadRequest,
    Conflict,
    Forbidden,
    InsufficientStorage,
    Locked,
    NextcloudError,
    NotFound,
    ProtocolError,
    RateLimited,
    Unavailable,
)

__all__ = ["NextcloudHTTP", "raise_for_status"]

logger = logging.getLogger(__name__)

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT", "SEARCH"})
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_RETRY_AFTER = 10.0  # seconds we are willing to wait on a 429/503 Retry-After before giving up

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
    409: (Conflict, "Conflict in Nextcloud: the target already exists or its parent is missing."),
    412: (Conflict, "The item changed on the server since it was read; read it again and retry."),
    423: (Locked, "The item is locked in Nextcloud; try again later."),
    429: (RateLimited, "Nextcloud is rate-limiting this client; wait and retry."),
    507: (InsufficientStorage, "The Nextcloud storage quota is exhausted; free some space first."),
}


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


def _check_headers(headers: Mapping[str, str] | None, method: str, path: str) -> None:
    """Refuse header values HTTP cannot carry (non-ASCII, CR/LF) before anything is sent, as a clear error
    instead of an encoding crash or a split header (an etag or name from the caller ends up here)."""
    for name, value in (headers or {}).items():
        if not value.isascii() or any(c in value for c in "\r\n\0"):
            raise BadRequest(
                f"The value for the {name} header contains characters HTTP headers cannot carry; check it "
                "(an etag is the ASCII string the get tool returned).",
                method=method,
                path=path,
            )


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
    if status in _STATUS_ERRORS:
        cls, message = _STATUS_ERRORS[status]
        if cls is RateLimited:
            raise RateLimited(message, retry_after=_retry_after(response), **where)
        raise cls(message, **where)
    if status >= 500:
        raise Unavailable(f"Nextcloud failed with HTTP {status}; try again later.", **where)
    raise BadRequest(f"Nextcloud rejected the request (HTTP {status}).", **where)


class NextcloudHTTP:
    """Shared, credential-free HTTP client for one Nextcloud instance.

    Parameters:
        settings: timeouts, pool size, TLS verification and the base URL.
        transport: optional `httpx2` transport (tests use `ASGITransport` into the fake Nextcloud).
    """

    def __init__(self, settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> None:
        self.base_url = settings.nextcloud_base_url
        self._retries = settings.nextcloud_retries
        timeout = httpx2.Timeout(settings.nextcloud_timeout, connect=settings.nextcloud_connect_timeout)
        limits = httpx2.Limits(
            max_connections=settings.nextcloud_max_connections,
            max_keepalive_connections=settings.nextcloud_max_connections,
            keepalive_expiry=30.0,
        )
        self._client = httpx2.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            limits=limits,
            verify=settings.nextcloud_verify_ssl,
            transport=transport,
            follow_redirects=False,  # a redirect could carry credentials to another host
            cookies=cookieless_jar(),  # a kept session cookie would serve the next user as the previous one
            headers={"User-Agent": f"nextcloud-mcp-bridge/{__version__}", "Accept": "application/json"},
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        auth: httpx2.Auth | None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx2.Response:
        """Send one request to `path` (relative to the Nextcloud base URL) and return the response.

        Statuses in `ok` are returned instead of raised. Idempotent methods are retried on 502/503/504,
        timeouts and resets; any method is retried when the connection could not be opened (nothing
        was sent). 429 with a short `Retry-After` is waited out once. A streamed body (an async
        iterable) cannot be replayed, so such a request is never retried.
        """
        if "://" in path or not path.startswith("/"):
            raise ValueError(f"path must be relative to the Nextcloud base URL: {path!r}")
        _check_headers(headers, method, path)
        idempotent = method.upper() in _IDEMPOTENT
        attempt = 0 if isinstance(content, (bytes, str, type(None))) else self._retries
        while True:
            started = time.perf_counter()
            try:
                response = await self._client.request(
                    method, path, params=params, json=json, content=content, headers=headers, auth=auth
                )
            except UnicodeEncodeError as exc:  # e.g. a lone surrogate ("\ud800") from a JSON-RPC string
                raise BadRequest(
                    "The text contains invalid Unicode (an unpaired surrogate code point); remove it and retry.",
                    method=method,
                    path=path,
                ) from exc
            except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout) as exc:
                if attempt < self._retries:
                    attempt += 1
                    await anyio.sleep(0.1 * 2**attempt)
                    continue
                metrics.nextcloud_request(path, None, 0.0)
                raise Unavailable(
                    f"Cannot connect to Nextcloud at {self.base_url}: {type(exc).__name__}.",
                    method=method,
                    path=path,
                ) from exc
            except (httpx2.TimeoutException, httpx2.RemoteProtocolError, httpx2.ReadError) as exc:
                if idempotent and attempt < self._retries:
                    attempt += 1
                    await anyio.sleep(0.1 * 2**attempt)
                    continue
                metrics.nextcloud_request(path, None, 0.0)
                what = (
                    "did not answer in time" if isinstance(exc, httpx2.TimeoutException) else "dropped the connection"
                )
                note = (
                    "" if idempotent else " The change may or may not have been applied; read the item before retrying."
                )
                raise Unavailable(f"Nextcloud {what}.{note}", method=method, path=path) from exc
            elapsed = time.perf_counter() - started
            metrics.nextcloud_request(path, response.status_code, elapsed)
            elapsed_ms = elapsed * 1000
            logger.debug("%s %s -> %d (%.1f ms)", method, response.request.url.path, response.status_code, elapsed_ms)
            status = response.status_code
            if status in ok or status < 400:
                return response
            wait = _retry_after(response)
            retryable = (idempotent and status in _RETRY_STATUSES) or status == 429
            if retryable and attempt < self._retries and (wait is None or wait <= _MAX_RETRY_AFTER):
                attempt += 1
                await anyio.sleep(wait if wait is not None else 0.1 * 2**attempt)
                continue
            raise_for_status(response)

    @asynccontextmanager
    async def stream(
        self, method: str, path: str, *, auth: httpx2.Auth | None, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[httpx2.Response]:
        """Open a streamed response (for downloads); errors map as in `request`, without retries."""
        if "://" in path or not path.startswith("/"):
            raise ValueError(f"path must be relative to the Nextcloud base URL: {path!r}")
        _check_headers(headers, method, path)
        started = time.perf_counter()
        try:
            async with self._client.stream(method, path, headers=headers, auth=auth) as response:
                metrics.nextcloud_request(path, response.status_code, time.perf_counter() - started)
                if response.status_code >= 400:
                    await response.aread()
                    raise_for_status(response)
                yield response
        except (httpx2.TimeoutException, httpx2.TransportError) as exc:
            raise Unavailable(
                f"Nextcloud stream failed: {type(exc).__name__}; try again.", method=method, path=path
            ) from exc

    async def ocs(
        self,
        method: str,
        path: str,
        *,
        auth: httpx2.Auth,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call an OCS v2 endpoint (`path` below `/ocs/v2.php`) and return the envelope's `data`."""
        response = await self.request(
            method,
            "/ocs/v2.php" + path,
            auth=auth,
            params={**(params or {}), "format": "json"},
            json=json,
            headers={"OCS-APIRequest": "true"},
        )
        return parse_ocs(response)


def parse_ocs(response: httpx2.Response) -> Any:
    """Return `ocs.data` from an OCS JSON envelope; raise ProtocolError for anything else.

    A v1 envelope answers HTTP 200 with the failure in `meta.statuscode` (nextcloud/server:
    lib/private/AppFramework/OCS/V1Response.php), so the meta status is checked too.
    """
    where: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.path,
        "status": response.status_code,
    }
    try:
        body = response.json()
        meta, data = body["ocs"]["meta"], body["ocs"]["data"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError("Nextcloud sent an answer that is not an OCS JSON envelope.", **where) from exc
    code = meta.get("statuscode")
    if meta.get("status") != "ok" and code not in (100, 200):
        message = str(meta.get("message") or "OCS request failed")
        raise BadRequest(f"Nextcloud OCS error {code}: {message}", **where)
    return data
