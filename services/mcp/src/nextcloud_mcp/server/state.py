"""`AppState`: what the server shares between tool calls: the HTTP pool, the caller's session, small caches.

The caller is the configured user in BasicAuth mode, or, in OAuth mode, whoever the SDK's auth context says
(`get_access_token()`, set from the validated token by `auth.middleware`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
from anyio.abc import TaskGroup
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken

from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.identity import BearerAuth, caller_key, subject_key
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.app import App
from nextcloud_mcp.core.errors import AuthenticationFailed, NextcloudError
from nextcloud_mcp.core.instance import Capabilities, ServerStatus, read_status
from nextcloud_mcp.core.session import NextcloudHTTP, NextcloudSession
from nextcloud_mcp.server.credentials import rejected_message, whoami
from nextcloud_mcp.server.probe import run_probe

__all__ = ["AppState", "Logins"]

logger = logging.getLogger(__name__)

MAX_CACHED_USERS = 1024
#: Seconds the BasicAuth credentials check (`credentials_problem`) is reused, so health probes and failing
#: tool calls ask Nextcloud at most once per this interval.
CREDENTIALS_TTL = 10.0

#: Login Flow mode: the (issuer, login name, credentials) of every user whose grant allows background work.
Logins = Callable[[], Awaitable[list[tuple[str, str, httpx2.Auth]]]]


class AppState:
    """Owns the shared `NextcloudHTTP` (opened by `running()`) and hands out per-caller sessions."""

    def __init__(
        self,
        settings: Settings,
        credentials: BasicCredentials | None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._transport = transport
        self._http: NextcloudHTTP | None = None
        self._users = 0
        self._shared: dict[type, Any] = {}  # per-user caches of the apps (NextcloudSession.shared)
        self._capabilities: dict[str, tuple[float, Capabilities]] = {}
        self._probes: dict[tuple[str, str], tuple[float, bool]] = {}
        self._credentials_checked: tuple[float, NextcloudError | None] | None = None
        self._loginflow: Callable[[AccessToken], httpx2.Auth] | None = None
        self._loginflow_rejected = ""
        self._loginflow_logins: Logins | None = None
        self._tasks: TaskGroup | None = None

    def use_loginflow(
        self, credentials_for: Callable[[AccessToken], httpx2.Auth], rejected: str, logins: Logins | None = None
    ) -> None:
        """Login Flow mode: a token's Nextcloud credentials are its grant's app password (`credentials_for`), and
        `rejected` is what a call says when Nextcloud refuses them; `logins` lists the grants background work may
        use (`background_sessions`)."""
        self._loginflow = credentials_for
        self._loginflow_rejected = rejected
        self._loginflow_logins = logins

    @asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """The server's background task group (`spawn`), for the lifespan of the MCP server: on exit every task
        still running is cancelled."""
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()

    def spawn(self, work: Callable[[], Awaitable[None]]) -> bool:
        """`ServerState.spawn`: run `work` in the background task group; its errors are logged (by type only:
        a message may hold a path or a title), never raised into the server."""
        tasks = self._tasks
        if tasks is None:
            return False

        async def guarded() -> None:
            try:
                await work()
            except Exception as exc:  # a background failure must not end the server
                logger.warning("A background task failed (%s)", type(exc).__name__)

        tasks.start_soon(guarded)
        return True

    async def background_sessions(self) -> list[NextcloudSession]:
        """Sessions background work may use without a request: the configured user (BasicAuth), every user whose
        Login Flow grant allows it, none in OAuth mode (a resource server holds no credentials between requests)."""
        creds = self._credentials
        if creds is not None:
            return [NextcloudSession(self.http, creds.auth, creds.key, self._shared)]
        if self._loginflow_logins is None:
            return []
        return [
            NextcloudSession(self.http, auth, subject_key(issuer, login), self._shared)
            for issuer, login, auth in await self._loginflow_logins()
        ]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[AppState]:
        """Open the HTTP pool on first entry, close it on the last exit (re-entrant)."""
        if self._http is None:
            self._http = NextcloudHTTP(self.settings, transport=self._transport)
        self._users += 1
        try:
            yield self
        finally:
            self._users -= 1
            if self._users == 0 and self._http is not None:
                await self._http.aclose()
                self._http = None

    @property
    def http(self) -> NextcloudHTTP:
        if self._http is None:
            raise RuntimeError("AppState.http used outside AppState.running()")
        return self._http

    def session(self) -> NextcloudSession:
        """The caller's Nextcloud session (`ServerState.session`)."""
        return self.session_for(get_access_token())

    def session_for(self, token: AccessToken | None) -> NextcloudSession:
        """The session of the configured user (BasicAuth) or of `token`'s user (OAuth)."""
        creds = self._credentials
        if creds is not None:
            return NextcloudSession(self.http, creds.auth, creds.key, self._shared)
        if token is None:
            raise RuntimeError("OAuth mode request without a validated access token")
        if self._loginflow is not None:
            return NextcloudSession(self.http, self._loginflow(token), caller_key(token), self._shared)
        return NextcloudSession(self.http, BearerAuth(token.token), caller_key(token), self._shared)

    async def core_status(self) -> ServerStatus:
        """`status.php` (public, no credentials)."""
        return await read_status(self.http)

    async def capabilities(self, session: NextcloudSession) -> Capabilities | None:
        """The caller's capabilities, cached for `MCP_CAPABILITIES_TTL`; None when Nextcloud cannot say."""
        now = time.monotonic()
        cached = self._capabilities.get(session.key)
        if cached and cached[0] > now:
            return cached[1]
        try:
            caps = await session.core.capabilities()
        except NextcloudError as exc:
            logger.warning("Cannot read Nextcloud capabilities (%s); listing every tool", exc)
            return None
        _bounded_put(self._capabilities, session.key, (now + self.settings.mcp_capabilities_ttl, caps), now)
        return caps

    async def found_by_probe(self, session: NextcloudSession, app: App) -> bool:
        """Whether `app`'s probe finds it for this caller (an app version that publishes no capability),
        cached for `MCP_CAPABILITIES_TTL`; False without a probe, True when Nextcloud cannot say (as when the
        capabilities cannot be read: the tools stay listed and a call reports the real error)."""
        if app.probe is None:
            return False
        now = time.monotonic()
        key = (session.key, app.id)
        cached = self._probes.get(key)
        if cached and cached[0] > now:
            return cached[1]
        answer = await run_probe(session, app.probe)
        if answer.found is None:
            logger.warning("Cannot tell whether the %s app is installed (%s); listing its tools", app.id, answer.detail)
            return True
        _bounded_put(self._probes, key, (now + self.settings.mcp_capabilities_ttl, answer.found), now)
        return answer.found

    def rejected_message(self) -> str | None:
        """BasicAuth: what to fix when Nextcloud answers 401 to the configured credentials; None in OAuth mode."""
        if self._loginflow is not None:
            return self._loginflow_rejected
        return rejected_message(self.settings.nextcloud_username or "") if self._credentials is not None else None

    async def credentials_problem(self) -> NextcloudError | None:
        """BasicAuth: why Nextcloud does not accept the configured user (an `AuthenticationFailed` saying what
        to fix, or the error that kept it from answering), None when it does and in OAuth mode. Reused for
        `CREDENTIALS_TTL` seconds."""
        creds = self._credentials
        if creds is None:
            return None
        now = time.monotonic()
        if self._credentials_checked is not None and self._credentials_checked[0] > now:
            return self._credentials_checked[1]
        problem: NextcloudError | None = None
        try:
            await whoami(self.http, creds)
        except AuthenticationFailed as exc:
            problem = AuthenticationFailed(
                self.rejected_message() or exc.message,
                method=exc.method,
                path=exc.path,
                status=exc.status,
            )
        except NextcloudError as exc:
            problem = exc
        self._credentials_checked = (now + CREDENTIALS_TTL, problem)
        return problem


def _bounded_put(cache: dict[Any, tuple[float, Any]], key: Any, value: tuple[float, Any], now: float) -> None:
    """Store `value`, keeping at most MAX_CACHED_USERS entries (expired ones go first, then the oldest)."""
    if key not in cache and len(cache) >= MAX_CACHED_USERS:
        fresh = {k: v for k, v in cache.items() if v[0] > now}
        cache.clear()
        cache.update(fresh)
        while len(cache) >= MAX_CACHED_USERS:
            cache.pop(next(iter(cache)))
    cache[key] = value
