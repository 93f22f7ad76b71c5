"""The `nc_toolsets_*` tools of dynamic mode (`MCP_DYNAMIC_TOOLSETS`): the model starts with these and adds the
toolsets it needs, so `tools/list` stays small until a task needs more.

- `nc_toolsets_list_toolsets`: the toolsets this caller can use, with a summary and a tool count each;
- `nc_toolsets_get_toolset`: one toolset's tools (names, descriptions, read-only flags; without a session also
  their input schemas);
- `nc_toolsets_enable_toolsets` (sessions): adds toolsets to the session's `tools/list` and notifies the client
  (`notifications/tools/list_changed`; on 2026-07-28 connections through `subscriptions/listen`);
- `nc_toolsets_call_tool` (no session: stateless HTTP, 2026-07-28 over HTTP): calls any tool by name, through
  the same policy as a direct call.

Which of them a connection sees, and which tools it may call, is `ToolPolicy`'s decision (`toolsets.py`).
"""

from __future__ import annotations

import difflib
import time
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations, ToolListChangedNotification
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, Field

from nextcloud_mcp import metrics
from nextcloud_mcp.core.contract import Cursor, Limit, Page, page
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import tool
from nextcloud_mcp.server.catalogue import Catalogue
from nextcloud_mcp.server.policy import ToolPolicy
from nextcloud_mcp.server.registry import NextcloudTool, build_tool
from nextcloud_mcp.server.schema import compact_schema
from nextcloud_mcp.server.toolsets import CALL_TOOL, ENABLE_TOOL, GET_TOOL, LIST_TOOL, META_TOOLS, SUMMARIES

__all__ = ["meta_tools"]

ToolsetName = Annotated[str, Field(min_length=1, max_length=40, description="Toolset from nc_toolsets_list_toolsets")]


class ToolsetSummary(BaseModel):
    toolset: str
    summary: str
    tools: int
    enabled: bool | None  # null: no session (the tools are called through nc_toolsets_call_tool)


class ToolInfo(BaseModel):
    name: str
    description: str
    read_only: bool
    input_schema: dict[str, Any] | None  # only without a session


class ToolsetDetail(BaseModel):
    toolset: str
    summary: str
    enabled: bool | None
    tools: list[ToolInfo]


class EnabledToolsets(BaseModel):
    enabled: list[str]
    added: list[str]


class _Toolsets:
    """The meta tools' view of the catalogue, for the current caller."""

    def __init__(self, catalogue: Catalogue, policy: ToolPolicy, json_response: bool) -> None:
        if policy.toolsets is None:
            raise ValueError("meta tools need a ToolPolicy with dynamic toolsets")
        self.dynamic = policy.toolsets
        self.policy = policy
        self.json_response = json_response
        self.tools = {t.name: t for t in catalogue.tools}
        self.read_only = catalogue.read_only
        self.members: dict[str, list[str]] = {}  # toolset → every registered tool of it, in catalogue order
        for t in catalogue.tools:
            self.members.setdefault(catalogue.apps[t.name].toolset, []).append(t.name)
        self.order = list(self.members)

    async def usable(self) -> dict[str, list[str]]:
        """Toolset → the tools the caller may use, for toolsets with at least one."""
        unavailable = await self.policy.caller_unavailable()
        usable: dict[str, list[str]] = {}
        for name, toolset in self.dynamic.toolset_of.items():
            if name not in unavailable:
                usable.setdefault(toolset, []).append(name)
        return {toolset: usable[toolset] for toolset in self.order if toolset in usable}

    async def checked(self, toolset: str) -> list[str]:
        """The caller's tools of `toolset`; InvalidInput naming the valid toolsets, or why none is usable."""
        toolset = toolset.strip().lower()
        usable = await self.usable()
        if toolset in usable:
            return usable[toolset]
        if toolset in self.order:
            unavailable = await self.policy.caller_unavailable()
            why = unavailable.get(self.members[toolset][0], "unavailable")
            raise InvalidInput(f"No tool of the {toolset} toolset is available to you: {why}.")
        close = difflib.get_close_matches(toolset, self.order, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise InvalidInput(f"Unknown toolset {toolset!r}; {hint}toolsets: {', '.join(usable)}.")

    async def notify(self, ctx: Context) -> None:
        """Tell this client its tool list changed: on the listen stream (2026-07-28) or as a notification on the
        session (on the call's own response stream, or the standalone one when answers are plain JSON)."""
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            await ctx.notify_tools_changed()
            return
        http = ctx.request_context.request is not None
        related = None if http and self.json_response else ctx.request_id
        await ctx.request_context.session.send_notification(ToolListChangedNotification(), related_request_id=related)


def meta_tools(catalogue: Catalogue, policy: ToolPolicy, *, read_only_mode: bool, json_response: bool) -> list[Tool]:
    """The four `nc_toolsets_*` tools over `catalogue`, decided by `policy` (which must have dynamic toolsets)."""
    view = _Toolsets(catalogue, policy, json_response)

    @tool(
        LIST_TOOL, "List toolsets", "List the toolsets you can enable, each with a one-line summary and tool count.",
        app="toolsets", read_only=True, idempotent=True,
    )  # fmt: skip
    async def list_toolsets(ctx: Context, limit: Limit = 50, cursor: Cursor = None) -> Page[ToolsetSummary]:
        enabled = view.dynamic.enabled(policy.caller(), ctx.request_context)
        items = [
            ToolsetSummary(
                toolset=toolset,
                summary=SUMMARIES.get(toolset, ""),
                tools=len(names),
                enabled=None if enabled is None else toolset in enabled,
            )
            for toolset, names in (await view.usable()).items()
        ]
        return page(items, limit, cursor)

    @tool(
        GET_TOOL, "Describe a toolset",
        "Describe a toolset's tools; without a session also their input schemas, for nc_toolsets_call_tool.",
        app="toolsets", read_only=True, idempotent=True,
    )  # fmt: skip
    async def get_toolset(ctx: Context, toolset: ToolsetName) -> ToolsetDetail:
        names = await view.checked(toolset)
        enabled = view.dynamic.enabled(policy.caller(), ctx.request_context)
        key = view.dynamic.toolset_of[names[0]]
        infos = [
            ToolInfo(
                name=name,
                description=view.tools[name].description or "",
                read_only=view.read_only.get(name, False),
                input_schema=view.tools[name].parameters if enabled is None else None,
            )
            for name in names
        ]
        shown = None if enabled is None else key in enabled
        return ToolsetDetail(toolset=key, summary=SUMMARIES.get(key, ""), enabled=shown, tools=infos)

    @tool(
        ENABLE_TOOL, "Enable toolsets",
        "Add toolsets' tools to your tool list for this session (the client is told the list changed).",
        app="toolsets", read_only=True, idempotent=True,
    )  # fmt: skip
    async def enable_toolsets(
        ctx: Context,
        toolsets: Annotated[
            list[ToolsetName], Field(min_length=1, max_length=20, description='Toolsets to enable, e.g. ["deck"]')
        ],
    ) -> EnabledToolsets:
        caller = policy.caller()
        before = view.dynamic.enabled(caller, ctx.request_context)
        if before is None:
            raise InvalidInput("This connection has no MCP session; call the tools with nc_toolsets_call_tool.")
        chosen: dict[str, list[str]] = {}
        for requested in toolsets:
            names = await view.checked(requested)
            chosen[view.dynamic.toolset_of[names[0]]] = names
        now = view.dynamic.enable(caller, ctx.request_context, chosen)
        added = [name for toolset, names in chosen.items() if toolset not in before for name in names]
        if added:
            await view.notify(ctx)
        return EnabledToolsets(enabled=[t for t in view.order if t in now], added=added)

    async def call_tool(
        ctx: Context,
        name: Annotated[str, Field(min_length=1, max_length=128, description="Tool name from nc_toolsets_get_toolset")],
        arguments: Annotated[
            dict[str, Any] | None, Field(description="The tool's arguments, as its input_schema describes")
        ] = None,
    ) -> CallToolResult:
        if name in META_TOOLS:
            raise ToolError(f"{CALL_TOOL} calls the tools of a toolset, not {name}; call {name} directly.")
        if name not in view.tools:
            close = difflib.get_close_matches(name, list(view.tools), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ToolError(f"Unknown tool {name!r}.{hint} {GET_TOOL} lists a toolset's tools.")
        why = await policy.why_unavailable(name, ctx.request_context)
        if why is not None:  # the text ToolGate answers a direct call with
            metrics.tool_call(name, "unavailable", time.perf_counter())
            return _error(f"Error executing tool {name}: {name} is not available: {why}.")
        try:
            return await ctx.mcp_server.call_tool(name, arguments or {}, ctx)  # type: ignore[return-value]
        except ToolError as exc:  # the called tool's own error text, as a direct call would show it
            if isinstance(exc, UnexpectedToolError):
                raise
            return _error(str(exc))

    built: list[Tool] = [build_tool(spec) for spec in (list_toolsets, get_toolset, enable_toolsets)]
    built.append(_proxy(call_tool, read_only_mode))
    return built


def _error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _proxy(fn: Any, read_only_mode: bool) -> Tool:
    """`nc_toolsets_call_tool`: its result is the called tool's, passed through (not the tool wrapper's). In
    read-only mode it can reach only read-only tools, so it is annotated read-only too."""
    annotations = ToolAnnotations(
        read_only_hint=True if read_only_mode else None, destructive_hint=None, open_world_hint=False
    )
    proxy = NextcloudTool.from_function(
        fn,
        name=CALL_TOOL,
        title="Call a tool",
        description="Call any toolset's tool by name (for connections without a session); arguments per its schema.",
        annotations=annotations,
        structured_output=False,
    )
    proxy.parameters = compact_schema(proxy.parameters, input_schema=True)
    return proxy
