"""Who may use which resource, prompt and value source: the tool policy's decision (`ToolPolicy`) applied to what
is not a tool.

- A resource template is available exactly when the read-only tool that reads the same data is (`Template.tool`:
  its app offered, its scope granted, not excluded by the settings).
- A prompt is available when every tool it needs (`PromptSpec.tools`) is served and available.
- A value source (completion) needs its app and `<toolset>:read`.

Dynamic toolsets (`MCP_DYNAMIC_TOOLSETS`) do not hide resources or prompts: the decision is the caller's, not the
session's (`ToolPolicy.why_unavailable` without a request context).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from nextcloud_mcp.core.app import App
from nextcloud_mcp.server.policy import ToolPolicy
from nextcloud_mcp.server.prompts import PromptSpec
from nextcloud_mcp.server.resources import Registered

__all__ = ["ContentAccess"]


class ContentAccess:
    """Per-request answers for the served tools and `prompts` (capabilities are cached by `AppState`)."""

    def __init__(self, policy: ToolPolicy, served: Collection[str], prompts: Mapping[str, PromptSpec]) -> None:
        self._policy = policy
        self._served = frozenset(served)
        self.prompts = prompts

    async def tool_reason(self, name: str) -> str | None:
        """Why the caller may not use the tool `name` (None: they may)."""
        if name not in self._served:
            return f"this server does not serve {name} (MCP_APPS)"
        return await self._policy.why_unavailable(name)

    async def template_reason(self, registered: Registered) -> str | None:
        """Why the caller may not read the template's resources (None: they may)."""
        return await self.tool_reason(registered.template.tool)

    async def prompt_reason(self, spec: PromptSpec) -> str | None:
        """Why the caller may not use the prompt (None: they may)."""
        for name in spec.tools:
            why = await self.tool_reason(name)
            if why is not None:
                return f"it needs {name}, which is not available: {why}"
        return None

    async def app_reason(self, app: App) -> str | None:
        """Why the caller may not read `app`'s values (argument completion), None when they may."""
        return await self._policy.why_app_unavailable(app, f"{app.toolset}:read")

    async def listing_apps(self, templates: Sequence[Registered]) -> list[App]:
        """The apps whose resources the caller may read (every template of the app available), in order."""
        refused = {r.app.id for r in templates if await self.template_reason(r) is not None}
        apps: dict[str, App] = {}
        for registered in templates:
            if registered.app.id not in refused:
                apps.setdefault(registered.app.id, registered.app)
        return list(apps.values())
