"""Tools as the SDK registers them: the tool wrapper, compact schemas, and `LazyTool`.

The wrapper turns a `NextcloudMCPError` into a tool error the model reads, and counts calls and latency. A
`LazyTool` is listed from the schema cache (`catalogue.py`) without importing its module; its module is
imported and its pydantic models built when it is first called. Both reach the SDK through
`MCPServer(tools=[...])`.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import Field, PrivateAttr

from nextcloud_mcp import metrics
from nextcloud_mcp.core.errors import NextcloudMCPError
from nextcloud_mcp.core.tool import ToolSpec
from nextcloud_mcp.server.schema import compact_schema

__all__ = ["LazyTool", "build_tool", "specs_of", "wrap"]


def wrap(spec: ToolSpec) -> Callable[..., Awaitable[Any]]:
    """The tool function as registered: Nextcloud errors become tool errors; calls are counted and timed."""
    fn, name = spec.fn, spec.name

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, outcome = time.perf_counter(), "error"
        try:
            try:
                result = await fn(*args, **kwargs)
            except NextcloudMCPError as exc:
                raise ToolError(str(exc)) from exc
            outcome = "ok"
            return result
        finally:
            metrics.tool_call(name, outcome, started)

    return wrapper


def build_tool(spec: ToolSpec) -> Tool:
    """The SDK's `Tool.from_function` of the wrapped function, with the input and output schemas compacted."""
    tool = Tool.from_function(
        wrap(spec),
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


def specs_of(module: str) -> list[ToolSpec]:
    """The `TOOLS` of a tool module (imported now)."""
    specs: list[ToolSpec] = importlib.import_module(module).TOOLS
    return specs


class LazyTool(Tool):
    """A tool listed from cached metadata: `module` is imported and the real `Tool` built on the first call."""

    module: str = Field(exclude=True)
    cached_output: dict[str, Any] | None = Field(default=None, exclude=True)
    _real: Tool | None = PrivateAttr(default=None)

    @cached_property
    def output_schema(self) -> dict[str, Any] | None:
        return self.cached_output

    def real(self) -> Tool:
        if self._real is None:
            spec = next(s for s in specs_of(self.module) if s.name == self.name)
            self._real = build_tool(spec)
        return self._real

    async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
        return await self.real().run(arguments, context, convert_result)

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> LazyTool:
        """A lazy tool from one schema-cache entry (`catalogue.entry`)."""
        from mcp.types import ToolAnnotations

        return cls.model_construct(
            fn=_not_loaded,
            name=entry["name"],
            title=entry["title"],
            description=entry["description"],
            parameters=entry["input"],
            is_async=True,
            context_kwarg=entry["context"],
            resolved_params={},
            resolver_plans={},
            annotations=ToolAnnotations.model_validate(entry["annotations"]),
            icons=None,
            meta=None,
            module=entry["module"],
            cached_output=entry["output"],
        )


async def _not_loaded(**_: Any) -> Any:
    raise RuntimeError("a LazyTool runs through LazyTool.run")
