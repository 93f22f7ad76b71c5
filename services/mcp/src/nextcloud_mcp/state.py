"""Process-wide state shared by tools, middleware and health routes: the HTTP pool and small caches."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2

from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.config import Settings
from nextcloud_mcp.errors import NextcloudError
from nextcloud_mcp.nextcloud import NextcloudHTTP, NextcloudSession
from nextcloud_mcp.nextcloud.core import Capabilities
from nextcloud_mcp.nextcloud.notes import NotesCache

__all__ = ["AppState"]

logger = logging.getLogger(__name__)


class AppState:
    """Owns the shared `NextcloudHTTP` (opened by `running()`) and hands out per-user sessions."""

    def __init__(
        self,
        settings: Settings,
        credentials: BasicCredentials,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._credentials = credentials
        self._transport = transport
        self._http: NextcloudHTTP | None = None
        self._users = 0
        self.notes_cache = NotesCache()
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
        """The Nextcloud session of the caller (BasicAuth mode: the configured user)."""
        creds = self._credentials
        return NextcloudSession(self.http, creds.auth, creds.key, self.notes_cache)

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
        self._capabilities[session.key] = (now + self.settings.mcp_capabilities_ttl, caps)
        return caps
