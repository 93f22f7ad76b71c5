"""`AppState`: what the server shares between tool calls: the HTTP pool, the caller's session, small caches.

The caller is the configured user in BasicAuth mode, or, in OAuth mode, whoever the SDK's auth context says
(`get_access_token()`, set from the validated token by `auth.middleware`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken

from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.auth.identity import BearerAuth, caller_key
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.instance import Capabilities, ServerStatus, read_status
from nextcloud_mcp.core.session import NextcloudHTTP, NextcloudSession

__all__ = ["AppState"]

logger = logging.getLogger(__name__)

MAX_CACHED_USERS = 1024


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
        if len(self._capabilities) >= MAX_CACHED_USERS:  # bounded: drop expired entries, then the oldest
            self._capabilities = {k: v for k, v in self._capabilities.items() if v[0] > now}
            while len(self._capabilities) >= MAX_CACHED_USERS:
                self._capabilities.pop(next(iter(self._capabilities)))
        self._capabilities[session.key] = (now + self.settings.mcp_capabilities_ttl, caps)
        return caps
