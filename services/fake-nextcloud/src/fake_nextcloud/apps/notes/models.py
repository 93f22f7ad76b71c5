"""Notes state and operations (no HTTP): nextcloud/notes ``lib/Service/*`` and ``lib/Controller/Helper.php``.

Notes are files ``<notesPath>/<category>/<title><suffix>`` in the user's home; ids are global file ids.
The per-note ``etag``/``lastUpdate`` pair is the app's ``notes_meta`` row (``MetaService``): computed
lazily when a note is read, ``etag = md5(json_encode([id, title, modified, category, favorite, readonly,
md5(content)]))``, and ``lastUpdate`` moves to "now" whenever that etag changes.

Not implemented: attachments (API 1.4), shares (``shareTypes`` is always ``[]``), file locks (423), notes
created outside the API other than through ``seed_note``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.apps.notes.naming import generate_title, normalize_category
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
#: ``NotesService::isNote``.
_NOTE_EXTENSIONS = ("txt", "org", "markdown", "md", "note")
_CURSOR = re.compile(r"^(\d+)-(\d+)-(\d+)$")


class NotesError(Exception):
    """A failure the controller's ``Helper::handleErrorResponse`` turns into ``{"errorType": ...}``."""

    status = 500


class NoteDoesNotExist(NotesError):
    """``NoteDoesNotExistException`` -> 404."""

    status = 404


class NoteNotWritable(NotesError):
    """``NoteNotWritableException`` (``NoteUtil::ensureNoteIsWritable``) -> 403."""

    status = 403


class InsufficientStorage(NotesError):
    """``InsufficientStorageException`` (``NoteUtil::ensureSufficientStorage``) -> 507."""

    status = 507


class ETagDoesNotMatch(NotesError):
    """``ETagDoesNotMatchException`` -> 412 with the server's note as body."""

    status = 412

    def __init__(self, note: Note) -> None:
        super().__init__(f"etag of note {note.id} does not match")
        self.note = note


@dataclass
class Note:
    """One note file plus its ``notes_meta`` row (``etag``, ``last_update``)."""

    id: int
    folder: str
    title: str
    suffix: str
    content: str
    modified: int
    favorite: bool = False
    readonly: bool = False
    etag: str = ""
    last_update: int = 0
    _hashed: str | None = field(default=None, repr=False, compare=False)
    _content_md5: str = field(default="", repr=False, compare=False)

    @property
    def filename(self) -> str:
        return self.title + self.suffix

    def read_content(self) -> str:
        """``Note::getContent`` strips byte-order marks (U+FEFF) wherever they occur."""
        return self.content.replace("\ufeff", "")

    def content_md5(self) -> str:
        """``MetaService::generateContentEtag`` (cached until ``content`` is replaced)."""
        if self._hashed is not self.content:
            self._content_md5 = md5_hex(self.read_content())
            self._hashed = self.content
        return self._content_md5


@dataclass
class NotesPage:
    """Result of ``Helper::getNotesAndCategories`` + ``NotesApiController::index``."""

    entries: list[dict[str, Any]]
    etag: str
    last_update: int
    cursor: str | None
    pending: int


@dataclass
class _UserNotes:
    settings: NoteSettings
    notes: dict[int, Note] = field(default_factory=dict)


def _relative(folder: str, base: str) -> str | None:
    if base == "":
        return folder
    if folder == base:
        return ""
    if folder.startswith(base + "/"):
        return folder[len(base) + 1 :]
    return None


class NotesBackend:
    """All users' notes. Operations are named after the controller methods they serve."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self._users: dict[str, _UserNotes] = {}

    @classmethod
    def of(cls, state: FakeState) -> NotesBackend:
        return state.backend("notes", cls)

    def _user(self, uid: str) -> _UserNotes:
        data = self._users.get(uid)
        if data is None:
            data = _UserNotes(NoteSettings(text_enabled=lambda: self.state.app_enabled("text")))
            self._users[uid] = data
        return data

    # -- settings ----------------------------------------------------------------------------------------

    def settings(self, uid: str) -> dict[str, str]:
        return self._user(uid).settings.public()

    def set_settings(self, uid: str, params: Mapping[str, Any]) -> dict[str, str]:
        self._user(uid).settings.set_public(params)
        return self.settings(uid)

    def storage_used(self, uid: str) -> int:
        data = self._users.get(uid)
        return 0 if data is None else sum(len(n.content.encode("utf-8")) for n in data.notes.values())

    # -- reading -----------------------------------------------------------------------------------------

    def category_of(self, uid: str, note: Note) -> str:
        """``Note::getCategory``: folder relative to the current notes folder."""
        return _relative(note.folder, self._user(uid).settings.get("notesPath")) or ""

    def _is_visible(self, data: _UserNotes, note: Note) -> bool:
        """In the notes folder, not in a hidden sub-folder, with a note extension (``gatherNoteFiles``)."""
        rel = _relative(note.folder, data.settings.get("notesPath"))
        if rel is None or any(part.startswith(".") for part in rel.split("/") if part):
            return False
        ext = note.suffix.lstrip(".").lower()
        return ext in _NOTE_EXTENSIONS or ext == data.settings.custom_extension()

    def notes(self, uid: str) -> list[Note]:
        data = self._user(uid)
        return [n for n in sorted(data.notes.values(), key=lambda n: n.id) if self._is_visible(data, n)]

    def get_note(self, uid: str, note_id: int) -> Note:
        """``NotesService::get`` / ``getFileById`` (ids of other users' notes are not found)."""
        data = self._user(uid)
        note = data.notes.get(note_id)
        if note is None or not self._is_visible(data, note):
            raise NoteDoesNotExist(f"note {note_id} not found")
        return note

    def meta_etag(self, uid: str, note: Note) -> str:
        """``MetaService::update``: refresh the note's etag, moving ``last_update`` when it changed."""
        fields = [
            note.id,
            note.title,
            note.modified,
            self.category_of(uid, note),
            note.favorite,
            note.readonly,
            note.content_md5(),
        ]
        etag = md5_hex(php_json_encode(fields))
        if etag != note.etag:
            note.etag = etag
            note.last_update = self.state.time()
        return etag

    def note_data(self, uid: str, note: Note, exclude: Iterable[str] = ()) -> dict[str, Any]:
        """``Helper::getNoteData`` = ``Note::getData($exclude)`` + ``etag``."""
        skip = set(exclude)
        etag = self.meta_etag(uid, note)
        data: dict[str, Any] = {}
        if "id" not in skip:
            data["id"] = note.id
        if "title" not in skip:
            data["title"] = note.title
        if "modified" not in skip:
            data["modified"] = note.modified
        if "category" not in skip:
            data["category"] = self.category_of(uid, note)
        if "favorite" not in skip:
            data["favorite"] = note.favorite
        if "readonly" not in skip:
            data["readonly"] = note.readonly
        data["internalPath"] = "/" + "/".join(p for p in (note.folder, note.filename) if p)
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
        (lastUpdate, id); the last chunk (or the only one) adds ``{"id": N}`` for every other note."""
        match = _CURSOR.match(chunk_cursor) if chunk_cursor else None
        cursor = (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
        time_start = cursor[0] if cursor else self.state.time()
        all_notes = self.notes(uid)
        for note in all_notes:
            self.meta_etag(uid, note)
        if category is not None:
            all_notes = [n for n in all_notes if self.category_of(uid, n) == category]

        def wanted(note: Note) -> bool:
            pruned = bool(prune_before) and note.last_update < prune_before
            before_cursor = cursor is not None and (
                note.last_update < cursor[1] or (note.last_update == cursor[1] and note.id <= cursor[2])
            )
            return not pruned and not before_cursor

        full = sorted((n for n in all_notes if wanted(n)), key=lambda n: (n.last_update, n.id))
        chunk = full[:chunk_size] if chunk_size else full
        pending = len(full) - len(chunk)
        next_cursor = None
        if pending:
            if not chunk:  # ChunkCursor::fromNote(…, end([])) is a TypeError -> errorType response
                raise NotesError("empty chunk with pending notes")
            next_cursor = f"{time_start}-{chunk[-1].last_update}-{chunk[-1].id}"
        keyed: dict[str, dict[str, Any]] = {str(n.id): self.note_data(uid, n, exclude) for n in chunk}
        if next_cursor is None:
            for note in all_notes:
                keyed.setdefault(str(note.id), {"id": note.id})
        etag = md5_hex(php_json_encode(keyed) if keyed else "[]")
        return NotesPage(list(keyed.values()), etag, time_start, next_cursor, pending)

    # -- writing -----------------------------------------------------------------------------------------

    def _ensure_storage(self, uid: str, required: int) -> None:
        user = self.state.user(uid)
        if user is None or user.quota is None:
            return
        available = max(0, user.quota - self.state.storage_used(uid))
        if available < required:
            raise InsufficientStorage(f"{required} bytes required, {available} available")

    @staticmethod
    def _ensure_writable(note: Note) -> None:
        if note.readonly:
            raise NoteNotWritable(f"note {note.id} is read-only")

    def _place(self, uid: str, note_id: int, title: str, category: str, suffix: str) -> tuple[str, str]:
        """Folder and collision-free title (``NoteUtil::getCategoryFolder`` + ``generateFileName``)."""
        data = self._user(uid)
        normalized = normalize_category(category)
        base = data.settings.get("notesPath")
        folder = "/".join(p for p in (base, normalized) if p)
        names = {n.filename for n in data.notes.values() if n.folder == folder and n.id != note_id}
        return folder, generate_title(title, lambda candidate: candidate + suffix in names)

    def create(
        self, uid: str, *, title: str, category: str, content: str, modified: int = 0, favorite: bool = False
    ) -> Note:
        """``NotesService::create`` + ``NotesApiController::create`` (rolled back if writing fails)."""
        data = self._user(uid)
        self._ensure_storage(uid, 1)
        suffix = data.settings.new_file_suffix()
        note_id = self.state.next_file_id()
        folder, safe = self._place(uid, note_id, title, category, suffix)
        note = Note(id=note_id, folder=folder, title=safe, suffix=suffix, content="", modified=self.state.time())
        data.notes[note.id] = note
        try:
            self.set_content(uid, note, content)
            if modified:
                self._ensure_writable(note)
                note.modified = modified
            note.favorite = note.favorite or favorite
        except NotesError:
            del data.notes[note.id]
            raise
        return note

    def set_content(self, uid: str, note: Note, content: str) -> None:
        """``Note::setContent`` (writes update the mtime)."""
        self._ensure_writable(note)
        self._ensure_storage(uid, len(content.encode("utf-8")))
        note.content = content
        note.modified = self.state.time()

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
            self._ensure_writable(note)
            note.modified = modified
        if title is not None and title != note.title:
            self.move(uid, note, title, category)
        elif category is not None and category != self.category_of(uid, note):
            self.move(uid, note, note.title, category)
        if favorite is not None and favorite != note.favorite:
            note.favorite = favorite

    def move(self, uid: str, note: Note, title: str, category: str | None) -> None:
        """``Note::setTitleCategory`` (``null`` category keeps the current one)."""
        self._ensure_writable(note)
        target = self.category_of(uid, note) if category is None else category
        note.folder, note.title = self._place(uid, note.id, title, target, note.suffix)

    def delete(self, uid: str, note_id: int) -> None:
        """``NotesService::delete``."""
        note = self.get_note(uid, note_id)
        self._ensure_writable(note)
        del self._user(uid).notes[note_id]

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
        """Testbed seeding: a note file as if created by another client (no quota check; ``readonly``
        models e.g. a read-only share)."""
        data = self._user(uid)
        suffix = data.settings.new_file_suffix()
        note_id = self.state.next_file_id()
        folder, safe = self._place(uid, note_id, title, category, suffix)
        stamp = self.state.time() if modified is None else modified
        note = Note(note_id, folder, safe, suffix, content, stamp, favorite=favorite, readonly=readonly)
        data.notes[note.id] = note
        return note
