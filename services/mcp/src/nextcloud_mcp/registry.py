"""Tool registration: SDK `Tool`s with compact schemas, built lazily from a committed schema cache.

Importing the tool modules and building the pydantic argument and output models of ~100 tools, and their
JSON schemas, was most of the server's start-up work beyond the SDK's own (docs/performance.md).
`tool_schemas.json` holds each tool's metadata and compacted schemas (`catalogue.py` reads it); it is written
by `scripts/gen-docs` (`python -m nextcloud_mcp.registry`) and a test fails when it is stale. With a cache
entry, a tool is registered from it and its pydantic models are built the first time it is called; without
one (or with `eager=True`) it is built the SDK's way at registration.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata, func_metadata

from nextcloud_mcp.catalogue import SCHEMA_FILE, LazyFn, entries, fingerprint
from nextcloud_mcp.schema import compact_schema
from nextcloud_mcp.toolspec import ToolSpec

__all__ = ["SCHEMA_FILE", "build_tool", "register", "render_cache"]


def build_tool(spec: ToolSpec) -> Tool:
    """The SDK's `Tool.from_function`, with the input and output schemas compacted."""
    tool = Tool.from_function(
        spec.fn.resolve() if isinstance(spec.fn, LazyFn) else spec.fn,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        annotations=spec.annotations,
        structured_output=True,
    )
    tool.parameters = compact_schema(tool.parameters, input_schema=True)
    meta = tool.fn_metadata
    if meta.output_schema is not None:
        meta.output_schema = compact_schema(meta.output_schema, input_schema=False)
    return tool


class _LazyMetadata:
    """Stands in for `FuncMetadata`: `output_schema` from the cache, anything else builds the real one."""

    def __init__(self, spec: ToolSpec, context_kwarg: str | None, output_schema: dict[str, Any] | None) -> None:
        self._spec = spec
        self._skip = [context_kwarg] if context_kwarg else []
        self.output_schema = output_schema
        self._real: FuncMetadata | None = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            fn = self._spec.fn.resolve() if isinstance(self._spec.fn, LazyFn) else self._spec.fn
            real = func_metadata(fn, skip_names=self._skip, structured_output=True)
            real.output_schema = self.output_schema
            self._real = real
        return getattr(self._real, name)


def _lazy_tool(spec: ToolSpec, entry: dict[str, Any]) -> Tool:
    context_kwarg = entry.get("context")
    return Tool.model_construct(
        fn=spec.fn,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        parameters=entry["input"],
        fn_metadata=_LazyMetadata(spec, context_kwarg, entry.get("output")),
        is_async=True,
        context_kwarg=context_kwarg,
        resolved_params={},
        resolver_plans={},
        annotations=spec.annotations,
        icons=None,
        meta=None,
    )


def register(server: MCPServer[Any], spec: ToolSpec, *, eager: bool = False) -> None:
    """Add one tool to `server` (from the schema cache unless `eager` or the tool is not in it)."""
    entry = None if eager else entries().get(spec.name)
    tool = _lazy_tool(spec, entry) if entry is not None else build_tool(spec)
    server._tool_manager._tools[spec.name] = tool  # the SDK's add_tool always builds eagerly


def render_cache() -> str:
    """The schema cache for every tool, built the SDK's way (what `scripts/gen-docs` writes)."""
    from nextcloud_mcp.tools import TOOLSETS

    tools: dict[str, dict[str, Any]] = {}
    for toolset in TOOLSETS:
        for spec in toolset.tools:
            tool = build_tool(spec)
            tools[spec.name] = {
                "order": len(tools),
                "toolset": toolset.app,
                "app": spec.app,
                "module": spec.fn.__module__,
                "title": spec.title,
                "description": spec.description,
                "annotations": spec.annotations.model_dump(mode="json", by_alias=True, exclude_none=True),
                "context": tool.context_kwarg,
                "input": tool.parameters,
                "output": tool.output_schema,
            }
    return json.dumps({"fingerprint": fingerprint(), "tools": tools}, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_cache())
