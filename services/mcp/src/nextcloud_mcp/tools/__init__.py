"""Tool modules, one per Nextcloud app. `TOOLSETS` lists them; importing has no side effects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nextcloud_mcp.nextcloud.core import Capabilities
from nextcloud_mcp.tools import notes
from nextcloud_mcp.tools._base import ToolSpec

__all__ = ["TOOLSETS", "ToolSpec", "Toolset"]


@dataclass(frozen=True)
class Toolset:
    """The tools of one Nextcloud app and the capability check that decides whether they are listed."""

    app: str
    tools: list[ToolSpec]
    available: Callable[[Capabilities], bool]


TOOLSETS: list[Toolset] = [
    Toolset("notes", notes.TOOLS, notes.available),
]
