"""The one HTTP client to Nextcloud: pooling, timeouts, retries, failure diagnosis and OCS envelopes.

One `NextcloudHTTP` per process wraps one `httpx2.AsyncClient` (httpx2 is the maintained httpx line
that the MCP SDK itself depends on). It carries no credentials: every request names the caller's
`httpx2.Auth`, so one user's credentials never ride along with another user's request, and it keeps no
cookies, so no user's Nextcloud session rides along either (see `core.cookies` for why that matters).

Every failure becomes a `NextcloudError` saying what to do: error statuses through `core.statuses` (the one
status map), connection failures through `core.network` (DNS, refused, certificate, TLS), and answers that
are not Nextcloud's (redirects, web pages) through `core.hostcheck`, which names the `NEXTCLOUD_HOST` to set.
"""

from __future__ import annotations

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
from nextcloud_mcp.core.errors import BadRequest, ProtocolError
from nextcloud_mcp.core.hostcheck import check_host, is_redirect, looks_foreign, redirect_error
from nextcloud_mcp.core.network import Target, explain, tls_verify, transport_failure
from nextcloud_mcp.core.statuses import is_maintenance, raise_for_status, retry_after

__all__ = ["NextcloudHTTP", "raise_for_status"]

logger = logging.getLogger(__name__)

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT", "SEARCH"})
_RETRY_STATUSES = frozenset({502, 503, 504})
_MAX_RETRY_AFTER = 10.0  # seconds we are willing to wait on a 429/503 Retry-After before giving up


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


class NextcloudHTTP:
    """Shared, credential-free HTTP client for one Nextcloud instance.

    Parameters:
        settings: timeouts, pool size, TLS verification (`NEXTCLOUD_VERIFY_SSL`, `NEXTCLOUD_CA_BUNDLE`; a
            bundle that cannot be used raises ConfigError here) and the base URL.
        transport: optional `httpx2` transport (tests use `ASGITransport` into the fake Nextcloud); with one,
            no diagnosis opens a socket of its own.
    """

    def __init__(self, settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> None:
        self.settings = settings  # what code outside a tool call reads its limits from (`session.http.settings`)
        self.base_url = settings.nextcloud_base_url
        self.target = Target.of(settings)
        self._retries = settings.nextcloud_retries
        self._sockets = transport is None
        self._nextcloud_confirmed = False  # status.php answered as Nextcloud (see core.hostcheck)
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
            verify=tls_verify(settings),
            transport=transport,
            follow_redirects=False,  # a redirect could carry credentials to another host (core.hostcheck)
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

        Statuses in `ok` are returned instead of raised, unless the answer shows that `NEXTCLOUD_HOST` does
        not reach Nextcloud (a redirect to another base URL, or a web page where `status.php` is not
        Nextcloud's: `WrongHost`). Idempotent methods are retried on 502/503/504 (not in maintenance
        mode), timeouts and resets; any method is retried when the connection could not be opened (nothing
        was sent), except for TLS and certificate failures. 429 with a short `Retry-After` is waited out
        once. A streamed body (an async iterable) cannot be replayed, so such a request is never retried.
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
            except httpx2.TransportError as exc:
                failure = transport_failure(exc, self.target, method=method, path=path)
                if (failure.retry == "any" or (failure.retry == "idempotent" and idempotent)) and (
                    attempt < self._retries
                ):
                    attempt += 1
                    await anyio.sleep(0.1 * 2**attempt)
                    continue
                metrics.nextcloud_request(path, None, 0.0)
                raise await explain(failure, self.target, sockets=self._sockets, idempotent=idempotent) from exc
            elapsed = time.perf_counter() - started
            metrics.nextcloud_request(path, response.status_code, elapsed)
            elapsed_ms = elapsed * 1000
            logger.debug("%s %s -> %d (%.1f ms)", method, response.request.url.path, response.status_code, elapsed_ms)
            await self._vet(response, path, ok)
            status = response.status_code
            if status in ok or status < 400:
                return response
            wait = retry_after(response)
            retryable = (idempotent and status in _RETRY_STATUSES and not is_maintenance(response)) or status == 429
            if retryable and attempt < self._retries and (wait is None or wait <= _MAX_RETRY_AFTER):
                attempt += 1
                await anyio.sleep(wait if wait is not None else 0.1 * 2**attempt)
                continue
            raise_for_status(response)

    async def _vet(self, response: httpx2.Response, path: str, ok: tuple[int, ...]) -> None:
        """Raise WrongHost when `response` is not Nextcloud's API answering (see `core.hostcheck`)."""
        if is_redirect(response):
            error = redirect_error(response, self.target.base_url)
            if error.suggestion is None and response.status_code in ok:
                return  # the caller asked for redirects it cannot map to another base URL
            if error.suggestion is None and not self._nextcloud_confirmed:
                # a redirect to another place (a root page, a login portal): find where Nextcloud answers
                problem = await check_host(self._client, self.target, response, path, sockets=self._sockets)
                if problem is not None and problem.suggestion is not None:
                    raise problem
            raise error
        if self._nextcloud_confirmed or not looks_foreign(response, path):
            return
        problem = await check_host(self._client, self.target, response, path, sockets=self._sockets)
        if problem is not None:
            raise problem
        self._nextcloud_confirmed = True

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        auth: httpx2.Auth | None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (),
    ) -> AsyncIterator[httpx2.Response]:
        """Open a streamed response (for downloads); errors map as in `request`, without retries. Statuses in
        `ok` are yielded (body read) instead of raised, for an app's own error answers."""
        if "://" in path or not path.startswith("/"):
            raise ValueError(f"path must be relative to the Nextcloud base URL: {path!r}")
        _check_headers(headers, method, path)
        started = time.perf_counter()
        try:
            async with self._client.stream(method, path, params=params, headers=headers, auth=auth) as response:
                metrics.nextcloud_request(path, response.status_code, time.perf_counter() - started)
                if is_redirect(response) or looks_foreign(response, path):
                    await response.aread()  # a small page; frees the connection for the status.php check
                await self._vet(response, path, ())
                if response.status_code in ok:
                    await response.aread()
                elif response.status_code >= 400:
                    await response.aread()
                    raise_for_status(response)
                yield response
        except httpx2.TransportError as exc:
            failure = transport_failure(exc, self.target, method=method, path=path)
            idempotent = method.upper() in _IDEMPOTENT
            raise await explain(failure, self.target, sockets=self._sockets, idempotent=idempotent) from exc

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
