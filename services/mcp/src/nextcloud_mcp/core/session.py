"""`NextcloudSession`: the Nextcloud APIs as one caller, for one tool call.

A session holds the caller's credentials (an `httpx2.Auth`), a non-secret `key` naming the caller for per-user
caches, the shared `NextcloudHTTP` and the server's shared stores. It knows no app: each app's client module
builds its client from the session (`session.client(...)`), so adding an app touches no file here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

import httpx2

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import Capabilities, CoreClient

__all__ = ["NextcloudHTTP", "NextcloudSession", "ServerState"]

C = TypeVar("C")


class NextcloudSession:
    """The Nextcloud APIs as one user. `key` identifies the user for caches; it is never a credential."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str, shared: dict[type, Any]) -> None:
        self.http = http
        self.auth = auth
        self.key = key
        self._shared = shared
        self._clients: dict[type, Any] = {}
        self.core = CoreClient(http, auth)

    def client(self, cls: type[C], build: Callable[[], C]) -> C:
        """This session's `cls` client, made by `build()` on first use."""
        found = self._clients.get(cls)
        if found is None:
            found = self._clients[cls] = build()
        return found

    def shared(self, cls: type[C]) -> C:
        """The server's one `cls()` instance (a per-user cache keyed by `key`, e.g. the Notes cache)."""
        found = self._shared.get(cls)
        if found is None:
            found = self._shared[cls] = cls()
        return found


@runtime_checkable
class ServerState(Protocol):
    """What a tool may ask of the server it runs in (the lifespan state)."""

    settings: Settings

    def session(self) -> NextcloudSession:
        """The caller's session: the configured user (BasicAuth) or the access token's user (OAuth)."""
        ...

    async def capabilities(self, session: NextcloudSession) -> Capabilities | None:
        """The caller's capabilities (cached by the server); None when Nextcloud cannot say."""
        ...

    def spawn(self, work: Callable[[], Awaitable[None]]) -> bool:
        """Run `work` in the server's background, where it may outlive the tool call that started it (errors are
        logged, never raised); False when the server has no background (the caller then does the work itself)."""
        ...
