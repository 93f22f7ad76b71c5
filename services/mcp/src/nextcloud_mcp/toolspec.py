"""What a tool is before registration (`ToolSpec`), the tools of one app (`Toolset`), and their OAuth scopes.

Kept free of client and tool imports, so the server can start from the schema cache (`catalogue.py`) without
importing every tool module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp.types import ToolAnnotations

from nextcloud_mcp.auth.scopes import required_scope

if TYPE_CHECKING:
    from nextcloud_mcp.nextcloud.core import Capabilities

__all__ = ["ToolSpec", "Toolset", "tool_scopes"]


@dataclass(frozen=True)
class ToolSpec:
    """A tool before registration. `app` is the capability that must be present for it to be listed."""

    fn: Callable[..., Awaitable[Any]]
    name: str
    title: str
    description: str
    annotations: ToolAnnotations
    app: str


@dataclass(frozen=True)
class Toolset:
    """The tools of one Nextcloud app and the capability check that decides whether they are listed."""

    app: str
    tools: list[ToolSpec]
    available: Callable[[Capabilities], bool]


def tool_scopes(toolsets: list[Toolset]) -> dict[str, str]:
    """Tool name → the OAuth scope it needs (`<app>:read` for read-only tools, else `<app>:write`)."""
    return {
        spec.name: required_scope(ts.app, bool(spec.annotations.read_only_hint)) for ts in toolsets for spec in ts.tools
    }
