"""Notes (`notes` app): notes in Markdown, with categories and favourites, over the Notes API v1."""

from __future__ import annotations

from typing import Any

from nextcloud_mcp.core.app import App
from nextcloud_mcp.core.instance import Capabilities
from nextcloud_mcp.core.resource import Resources, Template

__all__ = ["APP", "MIN_NOTES_API", "NOTE", "supports_notes"]

MIN_NOTES_API = (1, 2)  # If-Match support arrived in Notes API 1.2 (nextcloud/notes docs/api/README.md)


def supports_notes(capability: dict[str, Any] | None) -> bool:
    """True when the Notes capability advertises an API version with If-Match (1.2 or newer)."""
    if not capability:
        return False
    for version in capability.get("api_version") or []:
        try:
            major, minor = (int(part) for part in str(version).split(".")[:2])
        except ValueError:
            continue
        if (major, minor) >= MIN_NOTES_API and major == MIN_NOTES_API[0]:
            return True
    return False


def _available(caps: Capabilities) -> bool:
    return supports_notes(caps.app("notes"))


NOTE = Template(
    "nextcloud://notes/{note_id}",
    "note",
    "Note",
    "A note's content as Markdown; note_id from nc_notes_list_notes (nc_notes_get_note adds its etag).",
    "text/markdown",
    "nc_notes_get_note",
    "read_note",
)
RESOURCES = Resources(
    "nextcloud_mcp.apps.notes.resources", (NOTE,), listing="recent_notes", values={"category": "categories"}
)
APP = App(
    "notes",
    "notes",
    _available,
    ("nextcloud_mcp.apps.notes.tools",),
    resources=RESOURCES,
    summary="Markdown notes with categories: list, search, read, write, append, delete.",
    index="nextcloud_mcp.apps.notes.index",
)
