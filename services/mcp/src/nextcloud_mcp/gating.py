"""One place that decides which tools a caller sees: `ToolGate`, an MCP server middleware.

`tools/list` drops the tools of apps that the caller's Nextcloud does not offer (from its
capabilities) and, in OAuth mode, the tools the token's scopes do not allow. `tools/call` of such a
tool answers a clear tool error instead of a 404 from Nextcloud.
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, ListToolsResult, TextContent

from nextcloud_mcp.auth.scopes import allowed
from nextcloud_mcp.state import AppState, caller_identity
from nextcloud_mcp.tools import Toolset, tool_scopes
from nextcloud_mcp.tools._base import request_scope

__all__ = ["ToolGate"]


class ToolGate:
    """Hides unavailable or unauthorised tools from `tools/list` and refuses calls to them."""

    def __init__(self, state: AppState, toolsets: list[Toolset], *, require_scopes: bool) -> None:
        self._state = state
        self._toolsets = toolsets
        self._app_of = {spec.name: ts.app for ts in toolsets for spec in ts.tools}
        self._scope_of = tool_scopes(toolsets)
        self._require_scopes = require_scopes

    async def hidden(self, ctx: ServerRequestContext[Any, Any]) -> dict[str, str]:
        """Tool name → why the caller may not use it."""
        scope = request_scope(ctx.request)
        reasons: dict[str, str] = {}
        identity = caller_identity(scope)
        if identity is not None and self._require_scopes:
            for name, needed in self._scope_of.items():
                if not allowed(needed, identity.scopes):
                    reasons[name] = f"the access token lacks the {needed} scope"
        caps = await self._state.capabilities(self._state.session(scope))
        if caps is not None:
            for ts in self._toolsets:
                if not ts.available(caps):
                    why = f"the Nextcloud {ts.app} app is not installed, not enabled for this user, or too old"
                    reasons.update({spec.name: why for spec in ts.tools})
        return reasons

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/list":
            result = await call_next(ctx)
            hidden = await self.hidden(ctx)
            if hidden and isinstance(result, ListToolsResult):
                return result.model_copy(update={"tools": [t for t in result.tools if t.name not in hidden]})
            return result
        if ctx.method == "tools/call" and ctx.params:
            name = ctx.params.get("name")
            if isinstance(name, str) and name in self._app_of:
                why = (await self.hidden(ctx)).get(name)
                if why is not None:
                    text = f"{name} is not available: {why}."
                    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
        return await call_next(ctx)
