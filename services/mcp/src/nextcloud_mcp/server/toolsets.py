"""Dynamic toolsets (`MCP_DYNAMIC_TOOLSETS`): the meta tools' names, each toolset's summary, and which toolsets
each MCP session has enabled.

A session is what carries state from one request to the next:

- stdio, and the SDK's in-process client: the one client of the process (`LOCAL`);
- stateful streamable HTTP with a handshake-era client (protocol 2025-11-25 and before): the `Mcp-Session-Id`
  the SDK issued at `initialize`, kept together with the caller's identity (the SDK also refuses the id to any
  other principal), so an enabled set never reaches another session or user;
- none for stateless HTTP (`MCP_STATELESS_HTTP=true`) and for any HTTP request of the 2026-07-28 protocol,
  which has no sessions: such requests get the stateless behaviour (docs/tools.md, "Dynamic toolsets").

The enabled sets live in process memory, bounded: an HTTP session's set is dropped after
`MCP_SESSION_IDLE_TIMEOUT` (plus a minute) without use, when the SDK has closed that session too.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mcp.server.context import ServerRequestContext
from starlette.requests import Request

from nextcloud_mcp.apps import APPS

__all__ = [
    "CALL_TOOL",
    "ENABLE_TOOL",
    "GET_TOOL",
    "LIST_TOOL",
    "LOCAL",
    "META_TOOLS",
    "SUMMARIES",
    "DynamicToolsets",
    "EnabledToolsets",
    "session_id",
]

LIST_TOOL = "nc_toolsets_list_toolsets"
GET_TOOL = "nc_toolsets_get_toolset"
ENABLE_TOOL = "nc_toolsets_enable_toolsets"  # sessions only
CALL_TOOL = "nc_toolsets_call_tool"  # without a session only
META_TOOLS = (LIST_TOOL, GET_TOOL, ENABLE_TOOL, CALL_TOOL)
LOCAL = "local"
SESSION_HEADER = "mcp-session-id"
MAX_SESSIONS = 10_000  # the SDK's own default cap on open sessions (StreamableHTTPSessionManager)
GRACE = 60.0  # seconds an idle session's set outlives MCP_SESSION_IDLE_TIMEOUT (the SDK closes it first)

#: One line per toolset for `nc_toolsets_list_toolsets`, declared by each app (`App.summary`; a test checks them).
SUMMARIES: dict[str, str] = {app.toolset: app.summary for app in APPS}


def session_id(ctx: ServerRequestContext[Any, Any], *, stateless_http: bool) -> str | None:
    """The MCP session of this request (see the module docstring), or None when it has none."""
    request = ctx.request
    if request is None:
        return LOCAL
    if stateless_http or not isinstance(request, Request):
        return None
    return request.headers.get(SESSION_HEADER) or None


class EnabledToolsets:
    """The toolsets each (caller, session) enabled, least recently used first.

    `ttl`: seconds without use after which a session's set is forgotten (None: never, for stdio)."""

    def __init__(
        self,
        ttl: float | None,
        *,
        max_sessions: int = MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max = max_sessions
        self._clock = clock
        self._sets: OrderedDict[tuple[str, str], tuple[float, frozenset[str]]] = OrderedDict()

    def enabled(self, caller: str, session: str) -> frozenset[str]:
        """The toolsets this caller enabled in this session (none at first)."""
        self._expire()
        key = (caller, session)
        entry = self._sets.get(key)
        if entry is None:
            return frozenset()
        self._sets[key] = (self._clock(), entry[1])
        self._sets.move_to_end(key)
        return entry[1]

    def enable(self, caller: str, session: str, toolsets: Iterable[str]) -> frozenset[str]:
        """Add `toolsets` to the session's set; returns the whole set."""
        current = self.enabled(caller, session) | frozenset(toolsets)
        self._sets[(caller, session)] = (self._clock(), current)
        self._sets.move_to_end((caller, session))
        while len(self._sets) > self._max:
            self._sets.popitem(last=False)
        return current

    def __len__(self) -> int:
        self._expire()
        return len(self._sets)

    def _expire(self) -> None:
        if self._ttl is None:
            return
        limit = self._clock() - self._ttl - GRACE
        while self._sets:
            key, (used, _) = next(iter(self._sets.items()))
            if used > limit:
                break
            del self._sets[key]


class DynamicToolsets:
    """What dynamic mode hides and refuses, per session: the tools of toolsets the session has not enabled, and the
    meta tool that does not fit the connection (`nc_toolsets_enable_toolsets` needs a session,
    `nc_toolsets_call_tool` is for connections without one).

    `toolset_of` maps each registered tool to its toolset. Without a session every tool is hidden from
    `tools/list` but may be called (by name, or through `nc_toolsets_call_tool`)."""

    def __init__(self, toolset_of: Mapping[str, str], store: EnabledToolsets, *, stateless_http: bool) -> None:
        self.toolset_of = dict(toolset_of)
        self._store = store
        self._stateless_http = stateless_http

    def session(self, ctx: ServerRequestContext[Any, Any] | None) -> str | None:
        return None if ctx is None else session_id(ctx, stateless_http=self._stateless_http)

    def enabled(self, caller: str, ctx: ServerRequestContext[Any, Any] | None) -> frozenset[str] | None:
        """The toolsets enabled in this request's session; None without a session."""
        session = self.session(ctx)
        return None if session is None else self._store.enabled(caller, session)

    def enable(
        self, caller: str, ctx: ServerRequestContext[Any, Any] | None, toolsets: Iterable[str]
    ) -> frozenset[str]:
        session = self.session(ctx)
        if session is None:
            raise ValueError("no MCP session to enable toolsets in")
        return self._store.enable(caller, session, toolsets)

    def hidden(self, caller: str, ctx: ServerRequestContext[Any, Any] | None) -> dict[str, str]:
        """Tool name → why `tools/list` leaves it out in this request's session."""
        enabled = self.enabled(caller, ctx)
        if enabled is None:
            hidden = dict.fromkeys(self.toolset_of, "listed by nc_toolsets_get_toolset")
            hidden[ENABLE_TOOL] = _NO_SESSION
            return hidden
        hidden = {name: _not_enabled(toolset) for name, toolset in self.toolset_of.items() if toolset not in enabled}
        hidden[CALL_TOOL] = _HAS_SESSION
        return hidden

    def refused(self, name: str, caller: str, ctx: ServerRequestContext[Any, Any] | None) -> str | None:
        """Why a `tools/call` of `name` is refused in this request's session, or None."""
        enabled = self.enabled(caller, ctx)
        if enabled is None:
            return _NO_SESSION if name == ENABLE_TOOL else None
        if name == CALL_TOOL:
            return _HAS_SESSION
        toolset = self.toolset_of.get(name)
        return _not_enabled(toolset) if toolset is not None and toolset not in enabled else None


_NO_SESSION = (
    "this connection has no MCP session (stateless HTTP, or protocol 2026-07-28), so the server cannot remember "
    "enabled toolsets; read a toolset's tools with nc_toolsets_get_toolset and call them with nc_toolsets_call_tool"
)
_HAS_SESSION = "this session enables toolsets instead: call nc_toolsets_enable_toolsets, then the tool itself"


def _not_enabled(toolset: str) -> str:
    return f'its toolset is not enabled in this session; call nc_toolsets_enable_toolsets with toolsets=["{toolset}"]'
