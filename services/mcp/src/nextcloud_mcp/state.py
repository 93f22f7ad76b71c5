"""Process-wide state shared by tools, middleware and health routes: the HTTP pool and small caches."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx2

from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.identity import IDENTITY_KEY, TOKEN_KEY, BearerAuth, Identity
from nextcloud_mcp.config import Settings
from nextcloud_mcp.errors import NextcloudError
from nextcloud_mcp.nextcloud import NextcloudHTTP, NextcloudSession
from nextcloud_mcp.nextcloud.core import Capabilities, ServerStatus, read_status
from nextcloud_mcp.nextcloud.notes import NotesCache

if TYPE_CHECKING:
    from nextcloud_mcp.gating import ToolPolicy

__all__ = ["AppState", "caller_identity", "request_scope"]

logger = logging.getLogger(__name__)

MAX_CACHED_USERS = 1024


class AppState:
    """Owns the shared `NextcloudHTTP` (opened by `running()`) and hands out per-user sessions."""

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
        self.notes_cache = NotesCache()
        self._capabilities: dict[str, tuple[float, Capabilities]] = {}
        self.policy: ToolPolicy | None = None  # set by build_server

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

    def session(self, request_scope: Mapping[str, Any] | None) -> NextcloudSession:
        """The caller's Nextcloud session: the configured user (BasicAuth) or the token's user (OAuth).

        `request_scope` is the ASGI scope of the HTTP request (None on stdio).
        """
        creds = self._credentials
        if creds is not None:
            return NextcloudSession(self.http, creds.auth, creds.key, self.notes_cache)
        identity = caller_identity(request_scope)
        token = request_scope.get(TOKEN_KEY) if request_scope else None
        if identity is None or not isinstance(token, str):
            raise RuntimeError("OAuth mode request without a validated identity")
        return NextcloudSession(self.http, BearerAuth(token), identity.key, self.notes_cache)

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
        if len(self._capabilities) >= MAX_CACHED_USERS:  # bounded: drop expired entries, then the oldest
            self._capabilities = {k: v for k, v in self._capabilities.items() if v[0] > now}
            while len(self._capabilities) >= MAX_CACHED_USERS:
                self._capabilities.pop(next(iter(self._capabilities)))
        self._capabilities[session.key] = (now + self.settings.mcp_capabilities_ttl, caps)
        return caps


def caller_identity(request_scope: Mapping[str, Any] | None) -> Identity | None:
    """The validated identity the OAuth gate attached to this request, if any."""
    identity = request_scope.get(IDENTITY_KEY) if request_scope else None
    return identity if isinstance(identity, Identity) else None


def request_scope(request: object) -> dict[str, Any] | None:
    """The ASGI scope of a Starlette request (None on stdio)."""
    scope = getattr(request, "scope", None)
    return scope if isinstance(scope, dict) else None
