"""The notes the semantic index holds (`core.indexing`): every note of the caller, versioned by its etag."""

from __future__ import annotations

from nextcloud_mcp.apps.notes.client import notes_client
from nextcloud_mcp.core.errors import NotFound
from nextcloud_mcp.core.indexing import Indexable, Listing
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE"]


class NotesSource:
    app = "notes"
    opens = "nc_notes_get_note note_id={id}"

    async def objects(self, session: NextcloudSession) -> Listing:
        notes = await notes_client(session).list_all()
        return Listing({str(n.id): Indexable(str(n.id), n.etag or str(n.modified), n.title, n) for n in notes})

    async def text(self, session: NextcloudSession, item: Indexable) -> str | None:
        return (
            str(item.hint.content) if item.hint is not None else (await notes_client(session).get(int(item.id))).content
        )

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        try:
            note = await notes_client(session).get(int(object_id))
        except NotFound:
            return None
        return note.etag or str(note.modified)


SOURCE = NotesSource()
