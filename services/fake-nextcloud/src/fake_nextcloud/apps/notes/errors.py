"""Failures of the Notes app, turned into ``{"errorType": "Exception"}`` answers by ``Helper::handleErrorResponse``
(nextcloud/notes ``lib/Controller/Helper.php``): the status depends on the exception class."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ETagDoesNotMatch",
    "InsufficientStorage",
    "NoteDoesNotExist",
    "NoteNotWritable",
    "NotesError",
    "NotesFolderError",
]


class NotesError(Exception):
    """Any other ``Throwable`` -> 500."""

    status = 500


class NotesFolderError(NotesError):
    """``NotesFolderException`` (a notes or category path that is not a folder) -> 500; ``getAll`` catches it
    and lists no notes."""


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
    """``ETagDoesNotMatchException`` -> 412 with the server's note (a ``files.Note``) as body."""

    status = 412

    def __init__(self, note: Any) -> None:
        super().__init__(f"etag of note {note.id} does not match")
        self.note = note
