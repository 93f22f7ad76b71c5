"""Tools as the SDK registers them: the tool wrapper, compact schemas, and `LazyTool`.

The wrapper turns a `NextcloudMCPError` into a tool error the model reads, counts calls and latency, and notes in
the current `CallReport` (`call_report()`, opened by `ToolGate`) when Nextcloud rejected the caller's credentials. A
`LazyTool` is listed from the schema cache (`catalogue.py`) without importing its module; its module is
imported and its pydantic models built when it is first called. Both reach the SDK through
`MCPServer(tools=[...])`.
"""

from __future__ import annotations

import functools
import importlib
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from nextcloud_mcp import metrics
from nextcloud_mcp.core.errors import AuthenticationFailed, NextcloudMCPError
from nextcloud_mcp.core.tool import ToolSpec, notes
from nextcloud_mcp.server.schema import compact_schema

__all__ = [
    "CallReport",
    "LazyTool",
    "NextcloudTool",
    "argument_errors",
    "build_tool",
    "call_report",
    "specs_of",
    "wrap",
]


@dataclass
class CallReport:
    """What the tool wrapper noticed during one `tools/call`, for the code around the call (`ToolGate`)."""

    credentials_rejected: bool = False  # Nextcloud answered 401 (`AuthenticationFailed`)


_report: ContextVar[CallReport | None] = ContextVar("nextcloud_mcp_call_report", default=None)


@contextmanager
def call_report() -> Iterator[CallReport]:
    """A `CallReport` that the wrapper of any tool run inside this block fills in."""
    report = CallReport()
    token = _report.set(report)
    try:
        yield report
    finally:
        _report.reset(token)


def wrap(spec: ToolSpec) -> Callable[..., Awaitable[Any]]:
    """The tool function as registered: Nextcloud errors become tool errors; calls are counted and timed; a model
    result is sent once as structured content with a compact JSON copy as its text (the SDK would indent it)."""
    fn, name = spec.fn, spec.name

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, outcome = time.perf_counter(), "error"
        try:
            try:
                with notes() as told:
                    result = await fn(*args, **kwargs)
            except NextcloudMCPError as exc:
                report = _report.get()
                if isinstance(exc, AuthenticationFailed) and report is not None:
                    report.credentials_rejected = True
                raise ToolError(str(exc)) from exc
            outcome = "ok"
            if isinstance(result, BaseModel):
                data = result.model_dump(mode="json", by_alias=True)
                text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                texts = [text, *(f"Note: {note}" for note in told)]
                return CallToolResult(
                    content=[TextContent(type="text", text=t) for t in texts], structured_content=data
                )
            return result
        finally:
            metrics.tool_call(name, outcome, started)

    return wrapper


def argument_errors(error: ValidationError) -> str:
    """A pydantic validation error as one line per argument, without library noise (types, URLs)."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        message = str(item["msg"])
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not an argument of this tool"
        parts.append(f"{where}: {message}")
    return "Invalid arguments: " + "; ".join(parts) + ". Fix them and call the tool again."


class NextcloudTool(Tool):
    """The SDK's `Tool`, with argument errors rewritten per argument (`argument_errors`)."""

    async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
        try:
            return await super().run(arguments, context, convert_result)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError) and not isinstance(exc, UnexpectedToolError):
                raise ToolError(f"Error executing tool {self.name}: {argument_errors(exc.__cause__)}") from exc
            raise


def build_tool(spec: ToolSpec) -> NextcloudTool:
    """The SDK's `Tool.from_function` of the wrapped function, with the input and output schemas compacted."""
    tool = cast(
        NextcloudTool,
        NextcloudTool.from_function(
            wrap(spec),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
            structured_output=True,
        ),
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


class LazyTool(NextcloudTool):
    """A tool listed from cached metadata: `module` is imported and the real `Tool` built on the first call."""

    module: str = Field(exclude=True)
    cached_output: dict[str, Any] | None = Field(default=None, exclude=True)
    _real: NextcloudTool | None = PrivateAttr(default=None)

    @cached_property
    def output_schema(self) -> dict[str, Any] | None:
        return self.cached_output

    def real(self) -> NextcloudTool:
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
