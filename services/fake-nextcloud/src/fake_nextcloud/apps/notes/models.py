"""Notes state and operations (no HTTP): nextcloud/notes 6.0.2 ``lib/Service/*`` and ``lib/Controller/Helper.php``.

Notes are files ``<notesPath>/<category>/<title><suffix>`` in the user's WebDAV tree (``apps/dav``; see
``files.py``), so a note created here is a file at ``/remote.php/dav/files/<uid>/Notes/…`` and a file put, moved or
deleted there is a note created, renamed or deleted here. Ids are file ids; the per-note ``etag``/``lastUpdate``
pair is the app's ``notes_meta`` row (``meta.py``). Every API call except the settings ones creates the notes
folder (``NoteUtil::getOrCreateNotesFolder``).

Not implemented: shares (``shareTypes`` is always ``[]``), file locks (423), the web UI's category rename/delete.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fake_nextcloud.apps.dav.models import DavBackend, Node
from fake_nextcloud.apps.notes.errors import (
    ETagDoesNotMatch,
    InsufficientStorage,
    NoteDoesNotExist,
    NoteNotWritable,
    NotesError,
    NotesFolderError,
)
from fake_nextcloud.apps.notes.files import Note, NoteFiles, join
from fake_nextcloud.apps.notes.meta import Meta, MetaStore
from fake_nextcloud.apps.notes.settings import NoteSettings
from fake_nextcloud.core.php import md5_hex, php_json_encode
from fake_nextcloud.core.state import FakeState

__all__ = [
    "API_VERSIONS",
    "ETagDoesNotMatch",
    "InsufficientStorage",
    "Note",
    "NoteDoesNotExist",
    "NoteNotWritable",
    "NotesBackend",
    "NotesError",
    "NotesPage",
]

#: ``OCA\\Notes\\AppInfo\\Application::$API_VERSIONS``.
API_VERSIONS = ("0.2", "1.3", "1.4")
_CURSOR = re.compile(r"^(\d+)-(\d+)-(\d+)$")


@dataclass
class NotesPage:
    """Result of ``Helper::getNotesAndCategories`` + ``NotesApiController::index``."""

    entries: list[dict[str, Any]]
    etag: str
    last_update: int
    cursor: str | None
    pending: int


class NotesBackend:
    """All users' notes settings and ``notes_meta`` rows; the notes themselves are DAV files."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.meta = MetaStore()
        self._settings: dict[str, NoteSettings] = {}
        self._listening: DavBackend | None = None

    @classmethod
    def of(cls, state: FakeState) -> NotesBackend:
        return state.backend("notes", cls)

    def _files(self, uid: str) -> NoteFiles:
        dav = DavBackend.of(self.state)
        if dav is not self._listening:  # NoteFileEventsListener, registered once per DAV backend
            dav.listeners.append(self.meta.on_file_change)
            self._listening = dav
        return NoteFiles(dav, uid)

    def _user_settings(self, uid: str) -> NoteSettings:
        settings = self._settings.get(uid)
        if settings is None:
            settings = NoteSettings(text_enabled=lambda: self.state.app_enabled("text"))
            self._settings[uid] = settings
        return settings

    # -- settings ----------------------------------------------------------------------------------------

    def settings(self, uid: str) -> dict[str, str]:
        return self._user_settings(uid).public()

    def set_settings(self, uid: str, params: Mapping[str, Any]) -> dict[str, str]:
        self._user_settings(uid).set_public(params)
        return self.settings(uid)

    def storage_used(self, uid: str) -> int:
        return 0  # note contents are files: DavBackend counts them

    # -- reading -----------------------------------------------------------------------------------------

    def _notes_folder(self, uid: str, *, create: bool = True) -> str | None:
        return self._files(uid).notes_folder(self._user_settings(uid).get("notesPath"), create=create)

    def _require_folder(self, uid: str) -> str:
        folder = self._notes_folder(uid)
        assert folder is not None  # created
        return folder

    def notes(self, uid: str, *, create: bool = False) -> list[Note]:
        """``NotesService::getAll`` (``$autoCreateNotesFolder`` = ``create``); no notes folder -> no notes."""
        try:
            folder = self._notes_folder(uid, create=create)
        except NotesFolderError:
            return []
        if folder is None:
            return []
        custom = self._user_settings(uid).custom_extension()
        return [Note(node, folder) for node in self._files(uid).gather(folder, custom)]

    @staticmethod
    def category_of(uid: str, note: Note) -> str:
        return note.category

    def get_note(self, uid: str, note_id: int) -> Note:
        """``NotesService::get``: a note file below the notes folder (hidden folders included; other users'
        files are not found); refreshes its ``notes_meta`` row."""
        folder = self._require_folder(uid)
        custom = self._user_settings(uid).custom_extension()
        node = self._files(uid).by_id(folder, note_id, custom)
        if node is None:
            raise NoteDoesNotExist(f"note {note_id} not found")
        note = Note(node, folder)
        self.meta.update(uid, note, self.state.time())
        return note

    def meta_etag(self, uid: str, note: Note) -> str:
        return self.meta.update(uid, note, self.state.time()).etag

    def note_data(self, uid: str, note: Note, exclude: Iterable[str] = (), meta: Meta | None = None) -> dict[str, Any]:
        """``Helper::getNoteData`` = ``Note::getData($exclude)`` + ``etag``."""
        skip = set(exclude)
        etag = meta.etag if meta is not None else self.meta_etag(uid, note)
        data: dict[str, Any] = {}
        if "id" not in skip:
            data["id"] = note.id
        if "title" not in skip:
            data["title"] = note.title
        if "modified" not in skip:
            data["modified"] = note.modified
        if "category" not in skip:
            data["category"] = note.category
        if "favorite" not in skip:
            data["favorite"] = note.favorite
        if "readonly" not in skip:
            data["readonly"] = note.readonly
        data["internalPath"] = "/" + note.node.path  # NoteUtil::getPathForUser
        data["shareTypes"] = []
        data["isShared"] = False
        data["error"] = False
        data["errorType"] = ""
        if "content" not in skip:
            data["content"] = note.read_content()
        data["etag"] = etag
        return data

    def index(
        self,
        uid: str,
        *,
        category: str | None,
        exclude: list[str],
        prune_before: int,
        chunk_size: int,
        chunk_cursor: str | None,
    ) -> NotesPage:
        """``NotesApiController::index`` via ``Helper::getNotesAndCategories``. Full notes are sorted by
        (lastUpdate, id); the last chunk (or the only one) adds ``{"id": N}`` for every other note, in the
        order the notes folder lists them."""
        match = _CURSOR.match(chunk_cursor) if chunk_cursor else None
        cursor = (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
        time_start = cursor[0] if cursor else self.state.time()
        all_notes = self.notes(uid, create=True)
        metas = self.meta.get_all(uid, all_notes, self.state.time())
        if category is not None:
            all_notes = [n for n in all_notes if n.category == category]

        def wanted(note: Note) -> bool:
            last_update = metas[note.id].last_update
            pruned = bool(prune_before) and last_update < prune_before
            before_cursor = cursor is not None and (
                last_update < cursor[1] or (last_update == cursor[1] and note.id <= cursor[2])
            )
            return not pruned and not before_cursor

        full = sorted((n for n in all_notes if wanted(n)), key=lambda n: (metas[n.id].last_update, n.id))
        chunk = full[:chunk_size] if chunk_size else full
        pending = len(full) - len(chunk)
        next_cursor = None
        if pending:
            if not chunk:  # ChunkCursor::fromNote(…, end([])) is a TypeError -> errorType response
                raise NotesError("empty chunk with pending notes")
            next_cursor = f"{time_start}-{metas[chunk[-1].id].last_update}-{chunk[-1].id}"
        keyed = {str(n.id): self.note_data(uid, n, exclude, metas[n.id]) for n in chunk}
        if next_cursor is None:
            for note in all_notes:
                keyed.setdefault(str(note.id), {"id": note.id})
        etag = md5_hex(php_json_encode(keyed) if keyed else "[]")
        return NotesPage(list(keyed.values()), etag, time_start, next_cursor, pending)

    # -- writing -----------------------------------------------------------------------------------------

    def _ensure_storage(self, uid: str, required: int) -> None:
        """``NoteUtil::ensureSufficientStorage`` (``Folder::getFreeSpace``; unlimited quota: no check)."""
        available = DavBackend.of(self.state).free_space(uid)
        if available is not None and available < required:
            raise InsufficientStorage(f"{required} bytes required, {available} available")

    @staticmethod
    def _ensure_writable(note: Note) -> None:
        if note.readonly:
            raise NoteNotWritable(f"note {note.id} is read-only")

    def create(
        self, uid: str, *, title: str, category: str, content: str, modified: int = 0, favorite: bool = False
    ) -> Note:
        """``NotesService::create`` (category folder, quota check of 1 byte, empty file) + the controller's
        ``setContent``/``setModified``/``setFavorite``; a failure deletes the new file again (to the trash bin)."""
        files = self._files(uid)
        notes_folder = self._require_folder(uid)
        folder = files.category_folder(notes_folder, category)
        self._ensure_storage(uid, 1)
        filename = files.file_name(folder, title, self._user_settings(uid).new_file_suffix(), -1)
        note = Note(files.dav.write_bytes(uid, join(folder, filename), b""), notes_folder)  # Folder::newFile
        try:
            self.set_content(uid, note, content)
            if modified:
                self.set_modified(uid, note, modified)
            if favorite:
                note.node.favorite = True
        except NotesError:
            self.delete(uid, note.id)
            raise
        return note

    def set_content(self, uid: str, note: Note, content: str) -> None:
        """``Note::setContent``: ``putContent`` (the file's mtime becomes now)."""
        self._ensure_writable(note)
        data = content.encode("utf-8")
        self._ensure_storage(uid, len(data))
        DavBackend.of(self.state).write_bytes(uid, note.node.path, data)

    def set_modified(self, uid: str, note: Note, modified: int) -> None:
        """``Note::setModified``: ``File::touch``."""
        self._ensure_writable(note)
        DavBackend.of(self.state).touch(uid, note.node.path, modified)

    def check_etag(self, uid: str, note: Note, if_match: str) -> None:
        """``Helper::getNoteWithETagCheck``: one of the comma-separated values must equal ``"<etag>"``."""
        if if_match and f'"{self.meta_etag(uid, note)}"' not in re.split(r",\s*", if_match):
            raise ETagDoesNotMatch(note)

    def update(
        self,
        uid: str,
        note: Note,
        *,
        content: str | None = None,
        modified: int | None = None,
        title: str | None = None,
        category: str | None = None,
        favorite: bool | None = None,
    ) -> None:
        """``NotesApiController::update``: only changed attributes are written, so unchanged values pass
        on read-only notes, and ``favorite`` never needs write permission."""
        if content is not None and content != note.read_content():
            self.set_content(uid, note, content)
        if modified is not None and modified != note.modified:
            self.set_modified(uid, note, modified)
        if title is not None and title != note.title:
            self.move(uid, note, title, category)
        elif category is not None and category != note.category:
            self.move(uid, note, note.title, category)
        if favorite is not None and favorite != note.favorite:
            note.node.favorite = favorite  # TagService::setFavorite

    def move(self, uid: str, note: Note, title: str, category: str | None) -> None:
        """``Note::setTitleCategory`` (``null`` category keeps the current one; the file keeps its extension);
        the old category folder is removed when it is left empty."""
        self._ensure_writable(note)
        files = self._files(uid)
        old_parent = note.folder
        folder = files.category_folder(note.notes_folder, note.category if category is None else category)
        target = join(folder, files.file_name(folder, title, note.suffix, note.id))
        if target != note.node.path:
            files.dav.transfer(uid, note.node.path, target, copy=False, overwrite=False)
        files.delete_empty_folder(old_parent, note.notes_folder)

    def delete(self, uid: str, note_id: int) -> None:
        """``NotesService::delete``: the file goes to the trash bin, then empty category folders."""
        files = self._files(uid)
        notes_folder = self._require_folder(uid)
        node = files.by_id(notes_folder, note_id, self._user_settings(uid).custom_extension())
        if node is None:
            raise NoteDoesNotExist(f"note {note_id} not found")
        note = Note(node, notes_folder)
        self._ensure_writable(note)
        parent = note.folder
        files.dav.delete(uid, node.path)
        files.delete_empty_folder(parent, notes_folder)

    # -- attachments (API 1.4) ---------------------------------------------------------------------------

    def attachment(self, uid: str, note_id: int, path: str) -> Node:
        """``NotesService::getAttachment``: ``path`` relative to the note's category (``..`` climbs, but never
        above the notes folder); only files."""
        note = self.get_note(uid, note_id)
        parts = note.category.split("/")
        for segment in path.replace("\\", "/").split("/"):
            if segment == "..":
                if parts:
                    parts.pop()
            elif segment not in ("", "."):  # "." is dropped by Filesystem::normalizePath
                parts.append(segment)
        node = self._files(uid).node(join(note.notes_folder, *parts))
        if node is None or node.is_dir:
            raise NoteDoesNotExist(f"no attachment {path!r} for note {note_id}")
        return node

    def create_image(self, uid: str, note_id: int, name: str | None, data: bytes | None) -> str:
        """``NotesService::createImage``: a file ``<32 hex digits>.<last dot-part of the upload's name>`` next to
        the note (in its category folder, not in ``.attachments.<id>``). Without an uploaded ``file`` or with an
        empty one (``fread($fp, 0)`` is a ``ValueError``) it fails with 500; so does a write over quota."""
        note = self.get_note(uid, note_id)
        files = self._files(uid)
        folder = files.category_folder(note.notes_folder, note.category)
        if name is None or not data:
            raise NotesError("no uploaded file")
        filename = f"{secrets.token_hex(16)}.{name.split('.')[-1]}"
        free = files.dav.free_space(uid)
        if free is not None and free < len(data):
            raise NotesError(f'Could not create path "{join(folder, filename)}"')
        files.dav.write_bytes(uid, join(folder, filename), data)
        return filename

    # -- testbed -----------------------------------------------------------------------------------------

    def seed(
        self,
        uid: str,
        *,
        title: str,
        content: str = "",
        category: str = "",
        favorite: bool = False,
        readonly: bool = False,
        modified: int | None = None,
    ) -> Note:
        """Testbed seeding: a note file as if created by another client (no quota check; ``readonly`` models
        e.g. a read-only share)."""
        files = self._files(uid)
        notes_folder = self._require_folder(uid)
        folder = files.category_folder(notes_folder, category)
        filename = files.file_name(folder, title, self._user_settings(uid).new_file_suffix(), -1)
        stamp = self.state.time() if modified is None else modified
        node = files.dav.write_bytes(uid, join(folder, filename), content.encode("utf-8"), mtime=stamp)
        node.favorite, node.readonly = favorite, readonly
        return Note(node, notes_folder)
