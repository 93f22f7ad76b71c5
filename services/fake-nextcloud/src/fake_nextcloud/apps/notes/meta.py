"""The ``notes_meta`` table (nextcloud/notes ``lib/Service/MetaService.php``, ``lib/Db/Meta.php``).

One row per user and note file: ``etag = md5(json_encode([id, title, modified, category, favorite, readonly,
contentEtag]))`` with ``contentEtag = md5(content)``, and ``lastUpdate``, which moves to "now" whenever the etag
changes. The content etag is recomputed when the file's etag changed (``updateIfNeeded``), or always for one note
(``MetaService::update`` forces it). ``NoteFileEventsListener`` deletes a note's row before its file is written,
touched, deleted or renamed (WebDAV or the API alike), so the next read creates it again with ``lastUpdate`` =
now: such a note is never pruned by the next ``pruneBefore`` sync, even if nothing visible changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fake_nextcloud.apps.dav.models import Node
from fake_nextcloud.apps.notes.files import Note
from fake_nextcloud.core.php import md5_hex, php_json_encode

__all__ = ["Meta", "MetaStore"]


@dataclass
class Meta:
    """A ``notes_meta`` row."""

    file_id: int
    last_update: int
    etag: str = ""
    file_etag: str = ""
    content_etag: str = ""


class MetaStore:
    """All users' ``notes_meta`` rows (``now`` is the instance's ``time()``)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[int, Meta]] = {}

    def on_file_change(self, uid: str, node: Node) -> None:
        """``NoteFileEventsListener::onFileModified``: ``MetaService::deleteByNote($node->getId())``."""
        for rows in self._rows.values():
            rows.pop(node.file_id, None)

    def update(self, uid: str, note: Note, now: int) -> Meta:
        """``MetaService::update``: find or create the row, content etag recomputed."""
        rows = self._rows.setdefault(uid, {})
        meta = rows.get(note.id)
        if meta is None:
            return self._create(rows, note, now)
        self._update_if_needed(meta, note, now, force=True)
        return meta

    def get_all(self, uid: str, notes: Iterable[Note], now: int) -> dict[int, Meta]:
        """``MetaService::getAll``: rows of vanished notes deleted, missing ones created, the others refreshed."""
        rows = self._rows.setdefault(uid, {})
        current = {note.id: note for note in notes}
        for file_id in [i for i in rows if i not in current]:
            del rows[file_id]
        result: dict[int, Meta] = {}
        for file_id, note in current.items():
            meta = rows.get(file_id)
            if meta is None:
                meta = self._create(rows, note, now)
            else:
                self._update_if_needed(meta, note, now, force=False)
            result[file_id] = meta
        return result

    def _create(self, rows: dict[int, Meta], note: Note, now: int) -> Meta:
        meta = Meta(note.id, now)
        self._update_if_needed(meta, note, now, force=True)
        rows[note.id] = meta
        return meta

    @staticmethod
    def _update_if_needed(meta: Meta, note: Note, now: int, *, force: bool) -> None:
        """``MetaService::updateIfNeeded`` (the etag covers the metadata and the content etag)."""
        regenerate = force or not meta.content_etag
        if note.node.etag != meta.file_etag:  # a changed file etag indicates changed content
            meta.file_etag = note.node.etag
            regenerate = True
        if regenerate:
            meta.content_etag = md5_hex(note.read_content())
        fields = [note.id, note.title, note.modified, note.category, note.favorite, note.readonly, meta.content_etag]
        etag = md5_hex(php_json_encode(fields))
        if etag != meta.etag:
            meta.etag = etag
            meta.last_update = now
