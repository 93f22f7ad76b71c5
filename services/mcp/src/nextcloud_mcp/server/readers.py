"""Resource readers as the SDK registers them: one function per URI template, built without importing the app.

The SDK registers a template from a function whose parameters are the template's variables (`MCPServer.resource`).
`lazy_reader` makes that function from the app's declaration (`core.resource.Template`): it carries the signature
(`ctx`, then each variable as a string, query variables defaulting to None) and imports the app's reader on the
first read, so a warm start imports no app module. Nextcloud errors become JSON-RPC errors (`reader_error`):
invalid params (-32602) when the request names something that cannot be served, else internal error (-32603), with
the message the tools give. A reader that returns a `Body` names its MIME type in the current `ReadReport`
(`read_report()`, opened by `ContentGate` around `resources/read`), which puts it on the result.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPError
from mcp.shared.uri_template import UriTemplate
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS

from nextcloud_mcp.core.errors import BadRequest, Forbidden, InvalidInput, NextcloudMCPError, NotFound
from nextcloud_mcp.core.paths import InvalidPath
from nextcloud_mcp.core.resource import Body, Template

__all__ = ["ReadReport", "function_of", "lazy_reader", "read_report", "reader_error"]

#: Errors about what the request names (a missing note, a folder, a file too large, a bad date): -32602.
_INVALID = (InvalidInput, InvalidPath, NotFound, BadRequest, Forbidden)


@dataclass
class ReadReport:
    """What the reader of one `resources/read` noticed, for `ContentGate`."""

    mime_type: str | None = None  # set when the reader returned a `Body`


_report: ContextVar[ReadReport | None] = ContextVar("nextcloud_mcp_read_report", default=None)


@contextmanager
def read_report() -> Iterator[ReadReport]:
    """A `ReadReport` that a reader run inside this block fills in."""
    report = ReadReport()
    token = _report.set(report)
    try:
        yield report
    finally:
        _report.reset(token)


def reader_error(exc: NextcloudMCPError) -> MCPError:
    """A Nextcloud or argument error as the JSON-RPC error of a resource read or a completion."""
    return MCPError(code=INVALID_PARAMS if isinstance(exc, _INVALID) else INTERNAL_ERROR, message=str(exc))


def function_of(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, importing the module now."""
    fn: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return fn


def lazy_reader(module: str, template: Template) -> Callable[..., Awaitable[str | bytes]]:
    """The function the SDK registers for `template`; it runs `module.<template.reader>` on each read."""
    parsed = UriTemplate.parse(template.uri_template)
    optional = parsed.query_variable_names

    async def read(**arguments: Any) -> str | bytes:
        try:
            result = await function_of(module, template.reader)(**arguments)
        except NextcloudMCPError as exc:
            raise reader_error(exc) from exc
        if isinstance(result, Body):
            report = _report.get()
            if report is not None:
                report.mime_type = result.mime_type
            return result.content
        if not isinstance(result, str | bytes):
            raise TypeError(f"{module}.{template.reader} returned {type(result).__name__}, not str, bytes or Body")
        return result

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("ctx", keyword, annotation=Context)]
    for name in parsed.variable_names:
        if name in optional:
            params.append(inspect.Parameter(name, keyword, annotation=str | None, default=None))
        else:
            params.append(inspect.Parameter(name, keyword, annotation=str))
    read.__signature__ = inspect.Signature(params, return_annotation=str | bytes)  # type: ignore[attr-defined]
    read.__annotations__ = {p.name: p.annotation for p in params} | {"return": str | bytes}
    read.__name__ = read.__qualname__ = template.reader
    read.__doc__ = template.description
    return read
