"""One place that decides which tools a caller may use: `ToolPolicy`, applied by `ToolGate` to both
`tools/list` and `tools/call`.

A tool is unavailable when the caller's Nextcloud does not offer its app (from the capabilities or, for an app
version that publishes none, the app's probe route: `App.probe`) or, in OAuth mode, when the token's scopes do
not allow it, or when the settings exclude it (`MCP_TOOLS_ALLOW`, `MCP_TOOLS_DENY`, `MCP_READ_ONLY`:
`selection.py`). With `MCP_DYNAMIC_TOOLSETS`, the tools of toolsets the caller's session has not enabled are
unavailable too (`toolsets.py`). `ToolGate` (an MCP server middleware) drops such tools from
`tools/list` and answers a call to one with a tool error naming the reason, before the tool runs. When a call
fails because Nextcloud rejected the caller's access token (401), `ToolGate` tells the token cache to forget
that token (`on_token_rejected`, set in OAuth mode by `build_http_app`), so the next request validates it again
at the authorization server instead of trusting the cached "valid" until the cache TTL runs out. In BasicAuth
mode such a failure's text becomes what to fix in the settings (`AppState.rejected_message`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.types import CallToolResult, TextContent

from nextcloud_mcp import metrics
from nextcloud_mcp.auth.scopes import allowed, required_scope
from nextcloud_mcp.core.app import App
from nextcloud_mcp.core.instance import Capabilities
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.server.registry import call_report
from nextcloud_mcp.server.state import AppState

if TYPE_CHECKING:  # imported only in dynamic mode (`offer.py`)
    from nextcloud_mcp.server.toolsets import DynamicToolsets

__all__ = ["ToolGate", "ToolPolicy", "tool_scopes"]

logger = logging.getLogger(__name__)


def tool_scopes(apps: Mapping[str, App], read_only: Mapping[str, bool]) -> dict[str, str]:
    """Tool name → the OAuth scope it needs (`<toolset>:read` for read-only tools, else `<toolset>:write`)."""
    return {name: required_scope(app.toolset, read_only[name]) for name, app in apps.items()}


class ToolPolicy:
    """Which tools the current caller may use, and why not.

    `apps` maps each tool name to its app, `read_only` each tool name to its read-only annotation. `excluded`
    maps the tools the settings exclude to the reason (`selection.excluded_tools`); `toolsets`, in dynamic mode,
    decides per session. `scopes` names the scope of each tool outside the catalogue (the `MCP_SEMANTIC` tools).
    """

    def __init__(
        self,
        state: AppState,
        apps: Mapping[str, App],
        read_only: Mapping[str, bool],
        *,
        require_scopes: bool,
        excluded: Mapping[str, str] | None = None,
        toolsets: DynamicToolsets | None = None,
        scopes: Mapping[str, str] | None = None,
    ) -> None:
        self._state = state
        self._apps = dict(apps)
        self._scope_of = {**tool_scopes(apps, read_only), **(scopes or {})}
        self._require_scopes = require_scopes
        self._excluded = dict(excluded or {})
        self.toolsets = toolsets

    def caller(self) -> str:
        """The current caller's key (the configured user, or the token's identity)."""
        return self._state.session().key

    def _granted(self) -> frozenset[str] | None:
        """The caller's scopes when they limit the tools (OAuth mode with scope checks), else None."""
        token = get_access_token()
        return frozenset(token.scopes) if token is not None and self._require_scopes else None

    async def unavailable(self, ctx: ServerRequestContext[Any, Any] | None = None) -> dict[str, str]:
        """Tool name → why `tools/list` leaves it out for the current caller (in `ctx`'s session)."""
        reasons = await self.caller_unavailable()
        if self.toolsets is not None:
            for name, why in self.toolsets.hidden(self.caller(), ctx).items():
                reasons.setdefault(name, why)
        return reasons

    async def caller_unavailable(self) -> dict[str, str]:
        """Tool name → why the current caller may not use it, whatever the session enabled."""
        reasons: dict[str, str] = {}
        granted = self._granted()
        if granted is not None:
            for name, needed in self._scope_of.items():
                if not allowed(needed, granted):
                    reasons[name] = f"the access token lacks the {needed} scope"
        session = self._state.session()
        caps = await self._state.capabilities(session)
        if caps is not None:
            apps = {app.id: app for app in self._apps.values()}.values()  # one check per app (by id: App may not hash)
            missing = {app.id for app in apps if not await self._offered(app, caps, session)}
            for name, app in self._apps.items():
                if app.id in missing:
                    reasons[name] = _not_installed(app)
        return {**reasons, **self._excluded}  # the same order of reasons as `why_unavailable`

    async def _offered(self, app: App, caps: Capabilities, session: NextcloudSession) -> bool:
        return app.available(caps) or await self._state.found_by_probe(session, app)

    def basic_auth_rejected(self) -> str | None:
        """In BasicAuth mode, what to fix after Nextcloud answered 401 to the configured credentials (the shared
        401 message also names OAuth causes); None in OAuth mode."""
        return self._state.rejected_message()

    async def why_unavailable(self, name: str, ctx: ServerRequestContext[Any, Any] | None = None) -> str | None:
        """Why a call of `name` is refused (per call, without evaluating the whole catalogue), or None. Unlike
        the dynamic-mode listing, a connection without a session may call every tool the caller may use; without
        `ctx` the answer is the caller's, whatever any session enabled (resources and prompts ask that way)."""
        why = await self._why_caller_cannot(name)
        if why is None and self.toolsets is not None:
            why = self.toolsets.refused(name, self.caller(), ctx)
        return why

    async def _why_caller_cannot(self, name: str) -> str | None:
        app = self._apps.get(name)
        if app is None:  # not a catalogue tool: only its scope, if it has one, limits it
            granted, needed = self._granted(), self._scope_of.get(name)
            if granted is not None and needed is not None and not allowed(needed, granted):
                return f"the access token lacks the {needed} scope"
            return None
        if name in self._excluded:
            return self._excluded[name]
        session = self._state.session()
        caps = await self._state.capabilities(session)
        if caps is not None and not await self._offered(app, caps, session):
            return _not_installed(app)
        granted = self._granted()
        needed = self._scope_of[name]
        if granted is not None and not allowed(needed, granted):
            return f"the access token lacks the {needed} scope"
        return None

    async def why_app_unavailable(self, app: App, needed: str) -> str | None:
        """The same decision for what is not a tool (a resource, a prompt): `app` must be offered to the caller
        and, with scope checks, the token must allow `needed` (`<toolset>:read` or `:write`)."""
        granted = self._granted()
        if granted is not None and not allowed(needed, granted):
            return f"the access token lacks the {needed} scope"
        session = self._state.session()
        caps = await self._state.capabilities(session)
        if caps is not None and not await self._offered(app, caps, session):
            return _not_installed(app)
        return None


def _not_installed(app: App) -> str:
    return f"the Nextcloud {app.toolset} app is not installed, not enabled for this user, or too old"


class ToolGate:
    """MCP server middleware: `tools/list` shows only the tools the policy allows this caller, and a
    `tools/call` of any other tool gets a tool error (the tool does not run).

    `on_token_rejected(token)` is awaited, before the result is sent, when a tool failed because Nextcloud
    answered 401 to the caller's access token (OAuth mode: the token cache's `forget`). In BasicAuth mode the
    error of such a call becomes what to fix in NEXTCLOUD_USERNAME / NEXTCLOUD_PASSWORD."""

    def __init__(self, policy: ToolPolicy, on_token_rejected: Callable[[str], Awaitable[None]] | None = None) -> None:
        self._policy = policy
        self.on_token_rejected = on_token_rejected

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call":
            name = (ctx.params or {}).get("name")
            why = await self._policy.why_unavailable(name, ctx) if isinstance(name, str) else None
            if isinstance(name, str) and why is not None:
                metrics.tool_call(name, "unavailable", time.perf_counter())
                text = f"Error executing tool {name}: {name} is not available: {why}."
                return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
            with call_report() as report:
                result = await call_next(ctx)
            if report.credentials_rejected:
                await self._token_rejected()
                if (fix := self._policy.basic_auth_rejected()) is not None:
                    text = f"Error executing tool {name}: {fix}"
                    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
            return result
        result = await call_next(ctx)
        if ctx.method == "initialize" and self._policy.toolsets is not None:
            return _tools_list_changes(result)
        if ctx.method != "tools/list" or not isinstance(result, dict) or not isinstance(result.get("tools"), list):
            return result
        hidden = await self._policy.unavailable(ctx)
        if hidden:
            result = {**result, "tools": [t for t in result["tools"] if t.get("name") not in hidden]}
        return result

    async def _token_rejected(self) -> None:
        token = get_access_token()
        if self.on_token_rejected is None or token is None:
            return
        logger.info("Nextcloud rejected a caller's access token; it is validated again on its next request")
        await self.on_token_rejected(token.token)


def _tools_list_changes(result: HandlerResult) -> HandlerResult:
    """An `initialize` result that declares `tools.listChanged` (dynamic toolsets send the notification). The SDK
    declares it for 2026-07-28 clients by itself (`subscriptions/listen`); `MCPServer` offers no other public way
    for handshake-era clients."""
    if not isinstance(result, dict) or not isinstance(result.get("capabilities"), dict):
        return result
    capabilities = result["capabilities"]
    tools = capabilities.get("tools") if isinstance(capabilities.get("tools"), dict) else {}
    return {**result, "capabilities": {**capabilities, "tools": {**tools, "listChanged": True}}}
