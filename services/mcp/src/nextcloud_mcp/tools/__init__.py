"""Tool modules, one per Nextcloud app. `TOOLSETS` lists them; importing has no side effects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nextcloud_mcp.auth.scopes import required_scope
from nextcloud_mcp.nextcloud.core import Capabilities
from nextcloud_mcp.tools import (
    calendar,
    contacts,
    cookbook,
    deck,
    deck_cards,
    files,
    notes,
    search,
    sharing,
    tables,
    tasks,
    users,
)
from nextcloud_mcp.tools._base import ToolSpec

__all__ = ["TOOLSETS", "ToolSpec", "Toolset", "tool_scopes"]


@dataclass(frozen=True)
class Toolset:
    """The tools of one Nextcloud app and the capability check that decides whether they are listed."""

    app: str
    tools: list[ToolSpec]
    available: Callable[[Capabilities], bool]


TOOLSETS: list[Toolset] = [
    Toolset("notes", notes.TOOLS, notes.available),
    Toolset("files", files.TOOLS, files.available),
    Toolset("shares", sharing.TOOLS, sharing.available),
    Toolset("search", search.TOOLS, search.available),
    Toolset("users", users.TOOLS, users.available),
    Toolset("tables", tables.TOOLS, tables.available),
    Toolset("cookbook", cookbook.TOOLS, cookbook.available),
    Toolset("deck", deck.TOOLS + deck_cards.TOOLS, deck.available),
    Toolset("calendar", calendar.TOOLS, calendar.available),
    Toolset("tasks", tasks.TOOLS, tasks.available),
    Toolset("contacts", contacts.TOOLS, contacts.available),
]


def tool_scopes(toolsets: list[Toolset]) -> dict[str, str]:
    """Tool name → the OAuth scope it needs (`<app>:read` for read-only tools, else `<app>:write`)."""
    return {
        spec.name: required_scope(ts.app, bool(spec.annotations.read_only_hint)) for ts in toolsets for spec in ts.tools
    }
