"""Notes as files of the user's WebDAV tree (``apps/dav/models.DavBackend``): what nextcloud/notes 6.0.2 does with
``OCP\\Files`` in ``lib/Service/NotesService.php``, ``NoteUtil.php`` and ``Note.php``.

A note is a file ``<notesPath>/<category>/<title>.<ext>``; its id is the file id, its title the file name without
the extension (``pathinfo(…, PATHINFO_FILENAME)``), ``modified`` the file's mtime, ``favorite`` the file's favourite
tag (``TagService``: the ``files`` ITags, the same tag as WebDAV's ``oc:favorite``), ``readonly`` ``!isUpdateable()``.
Files written, moved or deleted over WebDAV are notes too, and the other way round.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass

from fake_nextcloud.apps.dav.models import DavBackend, Node
from fake_nextcloud.apps.notes.errors import NotesError, NotesFolderError
from fake_nextcloud.apps.notes.naming import generate_title, normalize_category

__all__ = ["NOTE_EXTENSIONS", "Note", "NoteFiles", "join", "parent_of"]

#: ``NotesService::isNote``.
NOTE_EXTENSIONS = ("txt", "org", "markdown", "md", "note")


def _php_substitute(error: UnicodeError) -> tuple[str, int]:
    # mb_convert_encoding($content, 'UTF-8') from UTF-8: an invalid byte sequence becomes '?'
    assert isinstance(error, UnicodeDecodeError)
    return "?", error.end


codecs.register_error("fake_nextcloud.mb_substitute", _php_substitute)


def join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def extension(name: str) -> str:
    """``pathinfo($name, PATHINFO_EXTENSION)``."""
    return name.rsplit(".", 1)[1] if "." in name else ""


@dataclass
class Note:
    """``OCA\\Notes\\Service\\Note``: a note file below the notes folder ``notes_folder``."""

    node: Node
    notes_folder: str

    @property
    def id(self) -> int:
        return self.node.file_id

    @property
    def filename(self) -> str:
        return self.node.name

    @property
    def title(self) -> str:
        """``Note::getTitle``: ``pathinfo($name, PATHINFO_FILENAME)`` ("a.b.md" -> "a.b")."""
        name = self.node.name
        return name.rsplit(".", 1)[0] if "." in name else name

    @property
    def suffix(self) -> str:
        """``'.' . pathinfo($name, PATHINFO_EXTENSION)`` (kept by renames, ``Note::setTitleCategory``)."""
        return "." + extension(self.node.name)

    @property
    def folder(self) -> str:
        return parent_of(self.node.path)

    @property
    def category(self) -> str:
        """``Note::getCategory``: the folder below the notes folder ("" at its top)."""
        folder = self.folder
        return folder[len(self.notes_folder) + 1 :] if self.notes_folder else folder

    @property
    def modified(self) -> int:
        return self.node.mtime

    @property
    def favorite(self) -> bool:
        return self.node.favorite

    @property
    def readonly(self) -> bool:
        return self.node.readonly

    def read_content(self) -> str:
        """``Note::getContent``: non-UTF-8 bytes become '?' (``mb_convert_encoding``), then byte-order marks are
        removed wherever they occur (of the byte strings ``FEFF``, ``FFEF``, ``EFBBBF`` only the UTF-8 BOM can
        remain in UTF-8 text)."""
        data = b"" if self.node.blob is None else self.node.blob.read_bytes()
        return data.decode("utf-8", errors="fake_nextcloud.mb_substitute").replace("\ufeff", "")


class NoteFiles:
    """The file operations of the Notes app for one user, over the DAV tree."""

    def __init__(self, dav: DavBackend, uid: str) -> None:
        self.dav = dav
        self.uid = uid

    def node(self, path: str) -> Node | None:
        return self.dav.tree(self.uid).get(path)

    def notes_folder(self, notes_path: str, *, create: bool) -> str | None:
        """``NoteUtil::getOrCreateNotesFolder``: the folder ``notesPath`` (``""`` = the home folder), created with
        its parents when missing (``Folder::newFolder``, ``Local::mkdir`` is recursive). A file in the way:
        ``newFolder`` throws ``NotPermittedException`` (a 500); missing without ``create``: ``None``."""
        node = self.node(notes_path)
        if node is not None and node.is_dir:
            return notes_path
        if not create:
            return None
        if node is not None:
            raise NotesError(f'Could not create folder "/{self.uid}/files/{notes_path}"')
        self.dav.mkcol(self.uid, notes_path, parents=True)
        return notes_path

    def category_folder(self, notes_folder: str, category: str, *, create: bool = True) -> str:
        """``NoteUtil::getCategoryFolder`` + ``getOrCreateFolder``."""
        path = join(notes_folder, normalize_category(category))
        node = self.node(path)
        if node is None and create:
            return self.dav.mkcol(self.uid, path, parents=True).path
        if node is None or not node.is_dir:
            raise NotesFolderError(f"{path} is not a folder")
        return path

    @staticmethod
    def is_note(node: Node, custom_extension: str) -> bool:
        """``NotesService::isNote``: a file with a note extension or the custom one (case-insensitive)."""
        ext = extension(node.name).lower()
        return not node.is_dir and (ext in NOTE_EXTENSIONS or ext == custom_extension)

    def gather(self, folder: str, custom_extension: str) -> Iterator[Node]:
        """``NotesService::gatherNoteFiles``: depth first in name order (``Cache::getFolderContentsById`` orders
        by name), skipping hidden folders such as the Text editor's ``.attachments.<id>``."""
        for node in sorted(self.dav.children(self.uid, folder), key=lambda n: n.name):
            if node.is_dir:
                if not node.name.startswith("."):
                    yield from self.gather(node.path, custom_extension)
            elif self.is_note(node, custom_extension):
                yield node

    def by_id(self, notes_folder: str, file_id: int, custom_extension: str) -> Node | None:
        """``NotesService::getFileById``: any note file below the notes folder, hidden folders included."""
        node = self.dav.find_by_id(self.uid, file_id)
        if node is None or not self.is_note(node, custom_extension):
            return None
        inside = notes_folder == "" or node.path.startswith(notes_folder + "/")
        return node if inside else None

    def file_name(self, folder: str, title: str, suffix: str, file_id: int) -> str:
        """``NoteUtil::generateFileName``: a name is taken when any node (file or folder) other than the note
        itself has it."""

        def taken(candidate: str) -> bool:
            node = self.node(join(folder, candidate + suffix))
            return node is not None and node.file_id != file_id

        return generate_title(title, taken) + suffix

    def delete_empty_folder(self, folder: str, notes_folder: str) -> None:
        """``NoteUtil::deleteEmptyFolder``: remove (to the trash bin) empty category folders upwards."""
        while (
            folder
            and folder != notes_folder
            and self.node(folder) is not None
            and not self.dav.children(self.uid, folder)
        ):
            self.dav.delete(self.uid, folder)
            folder = parent_of(folder)
