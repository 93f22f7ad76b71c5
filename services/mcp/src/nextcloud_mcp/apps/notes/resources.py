"""Notes as MCP resources (`nextcloud://notes/{note_id}`, declared in `__init__.py`): a note's Markdown, the most
recently changed notes for `resources/list`, and the note categories for argument completion."""

from __future__ import annotations

from collections.abc import Mapping

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.notes import NOTE
from nextcloud_mcp.apps.notes.client import notes_client
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.resource import LISTED_PER_APP, Listed
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.core.tool import session

__all__ = ["categories", "read_note", "recent_notes"]


async def read_note(ctx: Context, note_id: str) -> str:
    """The note's content (Markdown); an empty note is its title as a heading."""
    if not note_id.isdigit():
        raise InvalidInput(f"{note_id!r} is not a note id; note ids are numbers (nc_notes_list_notes lists them).")
    note = await notes_client(session(ctx)).get(int(note_id))
    return note.content or f"# {note.title}\n"


async def recent_notes(session: NextcloudSession) -> list[Listed]:
    """The most recently changed notes."""
    notes = sorted(await notes_client(session).list_all(), key=lambda n: n.modified, reverse=True)
    return [
        Listed(
            uri=NOTE.uri(note_id=str(note.id)),
            name=note.title or f"Note {note.id}",
            title=note.title or None,
            description=f"Note in {note.category}" if note.category else "Note",
            mime_type=NOTE.mime_type,
            size=len(note.content.encode()),
        )
        for note in notes[:LISTED_PER_APP]
    ]


async def categories(session: NextcloudSession, prefix: str, context: Mapping[str, str]) -> list[str]:
    """The user's note categories."""
    return sorted({note.category for note in await notes_client(session).list_all() if note.category})
