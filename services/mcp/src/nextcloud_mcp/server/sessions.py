"""`SessionLimit`: at most `MCP_MAX_SESSIONS_PER_USER` open MCP sessions per user (stateful streamable HTTP).

The SDK's session manager only caps sessions globally (`max_sessions`, 10 000): one user opening sessions in a
loop fills that and every other user is answered 503. This ASGI middleware sits in front of the SDK's app and
counts sessions per user instead:

- the user is the validated token's identity (issuer + subject, `scope["user"]` set by `auth.middleware`), so a
  user's several tokens and clients share one allowance; in BasicAuth mode every request is the one user;
- a session is counted from the response that returns its `Mcp-Session-Id` (an initialize the SDK accepted),
  and requests opening one are counted while in flight, so concurrent initializes cannot overshoot;
- a session stops counting when it ends: a DELETE the SDK accepted, a 404 for it (the SDK no longer knows it,
  e.g. it idled out), or `MCP_SESSION_IDLE_TIMEOUT` seconds without a request in flight, the same rule the SDK
  applies (`StreamableHTTPServerTransport.handle_request`), measured after the SDK's own countdown starts so
  the slot is never freed before the SDK closed the session;
- a user over the limit gets HTTP 429 with a JSON-RPC error saying how to free a slot; nobody else notices.

Only requests of a session's owner (the SDK's own principal, `authorization_context`) touch its bookkeeping;
anyone else's request for it is passed through and answered 404 by the SDK.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, AuthorizationContext, authorization_context
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nextcloud_mcp.auth.identity import caller_key

__all__ = ["SessionLimit"]

logger = logging.getLogger(__name__)

SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "mcp-protocol-version"
INVALID_REQUEST = -32600  # JSON-RPC 2.0 §5.1, as the SDK answers its own session errors
BASIC_USER = "basic"  # BasicAuth mode: one identity for every request


@dataclass
class _Session:
    user: str
    owner: AuthorizationContext | None
    in_flight: int = 0
    idle_since: float = 0.0


@dataclass
class _User:
    sessions: set[str] = field(default_factory=set)
    opening: int = 0  # requests without a session id in flight (each may become a session)


class SessionLimit:
    """Counts each user's open MCP sessions at `path` and refuses a new one beyond `max_per_user`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        max_per_user: int,
        idle_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.path = path.rstrip("/") or "/"
        self.max_per_user = max_per_user
        self.idle_timeout = idle_timeout
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._users: dict[str, _User] = {}
        self._last_sweep = clock()

    def open_sessions(self, user: str) -> int:
        """Sessions `user` holds now (for tests and diagnostics)."""
        self._expire(user)
        entry = self._users.get(user)
        return len(entry.sessions) if entry else 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["path"].rstrip("/") or "/") != self.path or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        version = headers.get(VERSION_HEADER)
        if version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS:
            await self.app(scope, receive, send)  # the per-request protocol era: no sessions at all
            return
        user_obj = scope.get("user")
        if isinstance(user_obj, AuthenticatedUser):
            user, owner = caller_key(user_obj.access_token), authorization_context(user_obj)
        else:
            user, owner = BASIC_USER, None
        session_id = headers.get(SESSION_HEADER)
        if session_id is None:
            await self._open(user, owner, scope, receive, send)
            return
        session = self._sessions.get(session_id)
        if session is None or session.owner != owner:
            await self.app(scope, receive, send)  # unknown here, or not theirs: the SDK answers 404
            return
        await self._use(session_id, session, scope, receive, send)

    async def _open(
        self, user: str, owner: AuthorizationContext | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """A request without a session id: the SDK opens a session for it if it is an initialize it accepts."""
        self._sweep()
        self._expire(user)
        entry = self._users.setdefault(user, _User())
        if len(entry.sessions) + entry.opening >= self.max_per_user:
            await self._refuse(user, entry, send)
            return
        entry.opening += 1
        opened: str | None = None

        async def watch(message: Message) -> None:
            nonlocal opened
            if message["type"] == "http.response.start" and message["status"] < 400 and opened is None:
                opened = Headers(raw=message.get("headers", [])).get(SESSION_HEADER)
                if opened is not None:  # counted from here on; the opening request itself is in flight
                    counted = self._users.setdefault(user, _User())
                    counted.opening -= 1
                    counted.sessions.add(opened)
                    self._sessions[opened] = _Session(user, owner, in_flight=1)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if opened is None:
                self._users.setdefault(user, _User()).opening -= 1
                self._forget_user_if_idle(user)
            else:
                self._done(opened)

    async def _use(self, session_id: str, session: _Session, scope: Scope, receive: Receive, send: Send) -> None:
        status: int | None = None

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        session.in_flight += 1
        try:
            await self.app(scope, receive, watch)
        finally:
            self._done(session_id)
            ended = status == 404 or (scope["method"] == "DELETE" and status is not None and status < 400)
            if ended:
                self._drop(session_id)

    def _done(self, session_id: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.in_flight -= 1
            if session.in_flight == 0:
                session.idle_since = self._clock()

    def _expired(self, session: _Session, now: float) -> bool:
        return session.in_flight == 0 and now - session.idle_since >= self.idle_timeout

    def _expire(self, user: str) -> None:
        entry = self._users.get(user)
        if entry is None:
            return
        now = self._clock()
        for session_id in [s for s in entry.sessions if self._expired(self._sessions[s], now)]:
            self._drop(session_id)

    def _sweep(self) -> None:
        """Drop every user's idled-out sessions, at most a few times per idle period (bounded memory)."""
        now = self._clock()
        if now - self._last_sweep < min(self.idle_timeout / 4, 60.0):
            return
        self._last_sweep = now
        for session_id in [s for s, session in self._sessions.items() if self._expired(session, now)]:
            self._drop(session_id)

    def _drop(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        entry = self._users.get(session.user)
        if entry is not None:
            entry.sessions.discard(session_id)
            self._forget_user_if_idle(session.user)

    def _forget_user_if_idle(self, user: str) -> None:
        entry = self._users.get(user)
        if entry is not None and not entry.sessions and entry.opening <= 0:
            del self._users[user]

    def _retry_after(self, entry: _User) -> int:
        """Seconds until this user's first idle session closes by itself (the idle timeout if none is idle)."""
        now = self._clock()
        waits = [
            self.idle_timeout - (now - self._sessions[s].idle_since)
            for s in entry.sessions
            if self._sessions[s].in_flight == 0
        ]
        return max(1, math.ceil(min(waits, default=self.idle_timeout)))

    async def _refuse(self, user: str, entry: _User, send: Send) -> None:
        logger.warning(
            "Refused a new MCP session for user %s: %d sessions open, MCP_MAX_SESSIONS_PER_USER=%d",
            user,
            len(entry.sessions) + entry.opening,
            self.max_per_user,
        )
        message = (
            f"Too many open MCP sessions for this user ({self.max_per_user}, MCP_MAX_SESSIONS_PER_USER). Reuse an "
            f"open session (send its Mcp-Session-Id header) or close sessions you no longer need (HTTP DELETE "
            f"{self.path} with their Mcp-Session-Id header); unused sessions close by themselves after "
            f"MCP_SESSION_IDLE_TIMEOUT ({self.idle_timeout:g} s). Ask the administrator to raise "
            "MCP_MAX_SESSIONS_PER_USER if this user needs more at once."
        )
        body = json.dumps(
            {"jsonrpc": "2.0", "id": None, "error": {"code": INVALID_REQUEST, "message": message}}
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self._retry_after(entry)).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
