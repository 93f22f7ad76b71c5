"""Tool modules, one per Nextcloud app. `TOOLSETS` lists them; importing has no side effects.

The server itself starts from the schema cache (`nextcloud_mcp.catalogue`) and imports a tool module only when
one of its tools is first called; `TOOLSETS` is the source the cache is generated from.
"""

from __future__ import annotations

from nextcloud_mcp.apps import AVAILABLE
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
from nextcloud_mcp.toolspec import Toolset, ToolSpec, tool_scopes

__all__ = ["TOOLSETS", "ToolSpec", "Toolset", "tool_scopes"]


def _toolset(app: str, *modules_tools: list[ToolSpec]) -> Toolset:
    return Toolset(app, [spec for tools in modules_tools for spec in tools], AVAILABLE[app])


TOOLSETS: list[Toolset] = [
    _toolset("notes", notes.TOOLS),
    _toolset("files", files.TOOLS),
    _toolset("shares", sharing.TOOLS),
    _toolset("search", search.TOOLS),
    _toolset("users", users.TOOLS),
    _toolset("tables", tables.TOOLS),
    _toolset("cookbook", cookbook.TOOLS),
    _toolset("deck", deck.TOOLS, deck_cards.TOOLS),
    _toolset("calendar", calendar.TOOLS),
    _toolset("tasks", tasks.TOOLS),
    _toolset("contacts", contacts.TOOLS),
]
