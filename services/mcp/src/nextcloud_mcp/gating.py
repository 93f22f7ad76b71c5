"""One place that decides which tools a caller may use: `ToolPolicy`, applied by `ToolGate`.

A tool is unavailable when the caller's Nextcloud does not offer its app (from the capabilities) or,
in OAuth mode, when the token's scopes do not allow it. `ToolGate` (an MCP server middleware) drops
such tools from `tools/list`; the `tool` wrapper refuses calls to them with a clear tool error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from nextcloud_mcp.auth.scopes import allowed
from nextcloud_mcp.state import AppState, caller_identity, request_scope
from nextcloud_mcp.toolspec import Toolset, tool_scopes

__all__ = ["ToolGate", "ToolPolicy"]


class ToolPolicy:
    """Which tools the caller of a request may use, and why not."""

    def __init__(self, state: AppState, toolsets: list[Toolset], *, require_scopes: bool) -> None:
        self._state = state
        self._toolsets = toolsets
        self._scope_of = tool_scopes(toolsets)
        self._toolset_of = {spec.name: ts for ts in toolsets for spec in ts.tools}
        self._require_scopes = require_scopes

    async def unavailable(self, scope: Mapping[str, Any] | None) -> dict[str, str]:
        """Tool name → why the caller of the request with ASGI `scope` may not use it."""
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

    async def why_unavailable(self, scope: Mapping[str, Any] | None, name: str) -> str | None:
        """`unavailable(scope).get(name)` for one tool, without evaluating the whole catalogue (per call)."""
        toolset = self._toolset_of.get(name)
        if toolset is not None:
            caps = await self._state.capabilities(self._state.session(scope))
            if caps is not None and not toolset.available(caps):
                return f"the Nextcloud {toolset.app} app is not installed, not enabled for this user, or too old"
        identity = caller_identity(scope)
        needed = self._scope_of.get(name)
        if identity is not None and self._require_scopes and needed and not allowed(needed, identity.scopes):
            return f"the access token lacks the {needed} scope"
        return None


class ToolGate:
    """MCP server middleware: `tools/list` shows only the tools the policy allows this caller."""

    def __init__(self, policy: ToolPolicy) -> None:
        self._policy = policy

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if ctx.method != "tools/list" or not isinstance(result, dict) or not isinstance(result.get("tools"), list):
            return result
        hidden = await self._policy.unavailable(request_scope(ctx.request))
        if hidden:
            result = {**result, "tools": [t for t in result["tools"] if t.get("name") not in hidden]}
        return result
