"""One place that decides which tools a caller sees: `ToolGate`, an MCP server middleware.

`tools/list` drops the tools of apps that the caller's Nextcloud does not offer (from its
capabilities); `tools/call` of such a tool answers a clear tool error instead of a 404 from Nextcloud.
Scope-based filtering (OAuth mode) plugs in here as well.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, ListToolsResult, TextContent

from nextcloud_mcp.state import AppState
from nextcloud_mcp.tools import Toolset

__all__ = ["ToolGate"]


class ToolGate:
    """Hides the tools of unavailable apps from `tools/list` and refuses calls to them."""

    def __init__(self, state: AppState, toolsets: list[Toolset]) -> None:
        self._state = state
        self._toolsets = toolsets
        self._app_of = {spec.name: ts.app for ts in toolsets for spec in ts.tools}

    async def hidden_apps(self) -> set[str]:
        caps = await self._state.capabilities(self._state.session())
        if caps is None:
            return set()
        return {ts.app for ts in self._toolsets if not ts.available(caps)}

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/list":
            result = await call_next(ctx)
            hidden = await self.hidden_apps()
            if hidden and isinstance(result, ListToolsResult):
                keep = [t for t in result.tools if self._app_of.get(t.name) not in hidden]
                return result.model_copy(update={"tools": keep})
            return result
        if ctx.method == "tools/call" and ctx.params:
            name = ctx.params.get("name")
            app = self._app_of.get(name) if isinstance(name, str) else None
            if app is not None and app in await self.hidden_apps():
                message = (
                    f"{name} is not available: the Nextcloud {app} app is not installed, not enabled for this "
                    "user, or too old."
                )
                return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
        return await call_next(ctx)
