"""`ToolSpec` and the `tool` decorator: tools are plain functions collected in module-level lists.

Nothing here registers anything with a server; `server.build_server` does that in one place, after
filtering by installed apps (and, later, scopes).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from nextcloud_mcp import metrics
from nextcloud_mcp.errors import NextcloudMCPError
from nextcloud_mcp.nextcloud import NextcloudSession
from nextcloud_mcp.state import AppState, request_scope
from nextcloud_mcp.toolspec import ToolSpec

__all__ = ["ToolSpec", "request_scope", "session", "tool"]

P = ParamSpec("P")
R = TypeVar("R")


def tool(
    name: str,
    title: str,
    description: str,
    *,
    app: str,
    read_only: bool,
    destructive: bool = False,
    idempotent: bool = False,
) -> Callable[[Callable[P, Awaitable[R]]], ToolSpec]:
    """Turn an async function into a `ToolSpec`; `NextcloudMCPError`s become tool errors for the model."""
    annotations = ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=False,
    )

    def decorate(fn: Callable[P, Awaitable[R]]) -> ToolSpec:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            started, outcome = time.perf_counter(), "unavailable"
            try:
                ctx = kwargs.get("ctx")
                if isinstance(ctx, Context):
                    state = ctx.request_context.lifespan_context
                    if isinstance(state, AppState) and state.policy is not None:
                        why = await state.policy.why_unavailable(request_scope(ctx.request_context.request), name)
                        if why is not None:
                            raise ToolError(f"{name} is not available: {why}.")
                outcome = "error"
                try:
                    result = await fn(*args, **kwargs)
                except NextcloudMCPError as exc:
                    raise ToolError(str(exc)) from exc
                outcome = "ok"
                return result
            finally:
                metrics.tool_call(name, outcome, started)

        return ToolSpec(wrapper, name, title, description, annotations, app)

    return decorate


def session(ctx: Context) -> NextcloudSession:
    """The caller's Nextcloud session, from the server's lifespan state and the HTTP request (if any)."""
    state = ctx.request_context.lifespan_context
    assert isinstance(state, AppState)
    return state.session(request_scope(ctx.request_context.request))
