"""One place that decides which tools a caller may use: `ToolPolicy`, applied by `ToolGate` to both
`tools/list` and `tools/call`.

A tool is unavailable when the caller's Nextcloud does not offer its app (from the capabilities) or, in OAuth
mode, when the token's scopes do not allow it. `ToolGate` (an MCP server middleware) drops such tools from
`tools/list` and answers a call to one with a tool error naming the reason, before the tool runs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, TextContent

from nextcloud_mcp import metrics
from nextcloud_mcp.auth.scopes import allowed, required_scope
from nextcloud_mcp.core.app import App
from nextcloud_mcp.server.state import AppState

__all__ = ["ToolGate", "ToolPolicy", "tool_scopes"]


def tool_scopes(apps: Mapping[str, App], read_only: Mapping[str, bool]) -> dict[str, str]:
    """Tool name → the OAuth scope it needs (`<toolset>:read` for read-only tools, else `<toolset>:write`)."""
    return {name: required_scope(app.toolset, read_only[name]) for name, app in apps.items()}


class ToolPolicy:
    """Which tools the current caller may use, and why not.

    `apps` maps each tool name to its app, `read_only` each tool name to its read-only annotation.
    """

    def __init__(
        self, state: AppState, apps: Mapping[str, App], read_only: Mapping[str, bool], *, require_scopes: bool
    ) -> None:
        self._state = state
        self._apps = dict(apps)
        self._scope_of = tool_scopes(apps, read_only)
        self._require_scopes = require_scopes

    def _granted(self) -> frozenset[str] | None:
        """The caller's scopes when they limit the tools (OAuth mode with scope checks), else None."""
        token = get_access_token()
        return frozenset(token.scopes) if token is not None and self._require_scopes else None

    async def unavailable(self) -> dict[str, str]:
        """Tool name → why the current caller may not use it."""
        reasons: dict[str, str] = {}
        granted = self._granted()
        if granted is not None:
            for name, needed in self._scope_of.items():
                if not allowed(needed, granted):
                    reasons[name] = f"the access token lacks the {needed} scope"
        caps = await self._state.capabilities(self._state.session())
        if caps is not None:
            missing = {app.id for app in set(self._apps.values()) if not app.available(caps)}
            for name, app in self._apps.items():
                if app.id in missing:
                    reasons[name] = _not_installed(app)
        return reasons

    async def why_unavailable(self, name: str) -> str | None:
        """`unavailable().get(name)` for one tool, without evaluating the whole catalogue (per call)."""
        app = self._apps.get(name)
        if app is None:
            return None
        caps = await self._state.capabilities(self._state.session())
        if caps is not None and not app.available(caps):
            return _not_installed(app)
        granted = self._granted()
        needed = self._scope_of[name]
        if granted is not None and not allowed(needed, granted):
            return f"the access token lacks the {needed} scope"
        return None


def _not_installed(app: App) -> str:
    return f"the Nextcloud {app.toolset} app is not installed, not enabled for this user, or too old"


class ToolGate:
    """MCP server middleware: `tools/list` shows only the tools the policy allows this caller, and a
    `tools/call` of any other tool gets a tool error (the tool does not run)."""

    def __init__(self, policy: ToolPolicy) -> None:
        self._policy = policy

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call":
            name = (ctx.params or {}).get("name")
            why = await self._policy.why_unavailable(name) if isinstance(name, str) else None
            if isinstance(name, str) and why is not None:
                metrics.tool_call(name, "unavailable", time.perf_counter())
                text = f"Error executing tool {name}: {name} is not available: {why}."
                return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
            return await call_next(ctx)
        result = await call_next(ctx)
        if ctx.method != "tools/list" or not isinstance(result, dict) or not isinstance(result.get("tools"), list):
            return result
        hidden = await self._policy.unavailable()
        if hidden:
            result = {**result, "tools": [t for t in result["tools"] if t.get("name") not in hidden]}
        return result
