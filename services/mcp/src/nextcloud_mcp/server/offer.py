"""What the server offers, from the settings: the `ToolPolicy` (installed apps, OAuth scopes, `MCP_TOOLS_ALLOW`,
`MCP_TOOLS_DENY`, `MCP_READ_ONLY`, `MCP_DYNAMIC_TOOLSETS`), the tools to register, the server instructions, and
the OAuth scopes the token gate checks and advertises. `build.py` assembles the server from these.
"""

from __future__ import annotations

from mcp.server.mcpserver.tools import Tool

from nextcloud_mcp.apps import APPS
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.tool import hints
from nextcloud_mcp.server.catalogue import Catalogue
from nextcloud_mcp.server.policy import ToolPolicy, tool_scopes
from nextcloud_mcp.server.registry import build_tool
from nextcloud_mcp.server.selection import excluded_tools, offered_scopes
from nextcloud_mcp.server.state import AppState

__all__ = ["instructions", "oauth_scopes", "settings_exclusions", "tool_offer"]

DYNAMIC_HINT = (
    " Tools come in toolsets: nc_toolsets_list_toolsets shows them; enable the ones a task needs with "
    "nc_toolsets_enable_toolsets (without a session, call their tools through nc_toolsets_call_tool)."
)

#: `MCP_SEMANTIC` tools (not in the catalogue: offered only when enabled) and the OAuth scope each needs
SEMANTIC_SCOPES = {
    "nc_semantic_search_items": "semantic:read",
    "nc_semantic_get_index": "semantic:read",
    "nc_semantic_update_index": "semantic:write",
}


def settings_exclusions(settings: Settings, catalogue: Catalogue) -> dict[str, str]:
    """Tool name → why `MCP_TOOLS_ALLOW`, `MCP_TOOLS_DENY` or `MCP_READ_ONLY` excludes it (ConfigError for an
    entry that names no tool)."""
    return excluded_tools(
        [t.name for t in catalogue.tools],
        catalogue.read_only,  # every tool of every app: what the lists may name
        allow=settings.mcp_tools_allow,
        deny=settings.mcp_tools_deny,
        read_only_mode=settings.mcp_read_only,
    )


def tool_offer(settings: Settings, state: AppState, catalogue: Catalogue) -> tuple[ToolPolicy, list[Tool]]:
    """The policy and the tools to register: the catalogue's, plus the `nc_toolsets_*` tools in dynamic mode."""
    excluded = settings_exclusions(settings, catalogue)
    dynamic = None
    if settings.mcp_dynamic_toolsets:  # imported only then: a normal start stays as light as before
        from nextcloud_mcp.server.toolsets import DynamicToolsets, EnabledToolsets

        ttl = None if settings.mcp_transport == "stdio" else settings.mcp_session_idle_timeout
        toolset_of = {name: app.toolset for name, app in catalogue.apps.items() if name not in excluded}
        dynamic = DynamicToolsets(toolset_of, EnabledToolsets(ttl), stateless_http=settings.mcp_stateless_http)
    policy = ToolPolicy(
        state,
        catalogue.apps,
        catalogue.read_only,
        require_scopes=settings.mcp_require_scopes,
        excluded=excluded,
        toolsets=dynamic,
        scopes=SEMANTIC_SCOPES if settings.mcp_semantic else None,  # tools/list hides them without their scope
    )
    tools = list(catalogue.tools)
    if settings.mcp_semantic:  # imported only then: the `semantic` extra is optional
        from nextcloud_mcp.semantic.guard import require

        require(settings)
        from nextcloud_mcp.semantic.tools import TOOLS as SEMANTIC

        tools += [build_tool(s) for s in SEMANTIC if not settings.mcp_read_only or hints(s.annotations).read_only]
    if dynamic is not None:
        from nextcloud_mcp.server.meta_tools import meta_tools

        tools += meta_tools(
            catalogue, policy, read_only_mode=settings.mcp_read_only, json_response=settings.mcp_json_response
        )
    return policy, tools


def instructions(base: str, settings: Settings) -> str:
    """The server instructions, with how to reach the tools in dynamic mode."""
    return base + DYNAMIC_HINT if settings.mcp_dynamic_toolsets else base


def oauth_scopes(settings: Settings, catalogue: Catalogue) -> tuple[dict[str, str], list[str]]:
    """For the OAuth gate: each offered tool's scope (a tool the settings exclude needs none, so a call to it gets
    the policy's clear refusal rather than a step-up for a scope that would not help), and the scopes to advertise
    (`<toolset>:read`, and `:write` unless read-only, for toolsets with an offered tool)."""
    excluded = settings_exclusions(settings, catalogue)
    scopes = {n: s for n, s in tool_scopes(catalogue.apps, catalogue.read_only).items() if n not in excluded}
    toolsets = {catalogue.apps[name].toolset for name in scopes}
    ordered = [app.toolset for app in APPS if app.toolset in toolsets]
    if settings.mcp_semantic:  # the semantic tools read notes and files: their own scopes, not none
        scopes.update(SEMANTIC_SCOPES)
        ordered.append("semantic")
    return scopes, offered_scopes(ordered, read_only_mode=settings.mcp_read_only)
