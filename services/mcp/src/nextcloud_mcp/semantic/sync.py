"""Incremental sync of one user's notes and text files into the index: an object whose etag is unchanged is
skipped, a changed one re-chunked and re-embedded, one that is gone has its chunks removed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import anyio

from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.apps.notes.client import notes_client
from nextcloud_mcp.core.dav import DavEntry
from nextcloud_mcp.core.errors import NextcloudError, NotFound
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.chunker import chunk_text
from nextcloud_mcp.semantic.embedder import Embedder
from nextcloud_mcp.semantic.store import Chunk, SemanticStore

__all__ = ["Indexer", "SyncReport"]

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".org", ".rst", ".csv", ".json", ".yaml", ".yml", ".html")
MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 2000
MAX_DEPTH = 8
NOTES_FOLDERS = ("/Notes",)  # the Notes app's default folder (its `notesPath` setting)
_LOCKS: dict[str, anyio.Lock] = {}  # one sync at a time per user


@dataclass
class SyncReport:
    indexed: dict[str, int] = field(default_factory=dict)  # objects (re)indexed, per app
    removed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _is_text(entry: DavEntry) -> bool:
    ctype = (entry.content_type or "").split(";")[0]
    return (
        ctype.startswith("text/")
        or ctype in ("application/json", "application/xml")
        or (entry.path.lower().endswith(TEXT_SUFFIXES))
    )


class Indexer:
    def __init__(self, store: SemanticStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    async def sync(self, session: NextcloudSession, user: str) -> SyncReport:
        """Bring `user`'s chunks up to date with what `session` (that user's credentials) can read now."""
        lock = _LOCKS.setdefault(user, anyio.Lock())
        async with lock:
            started = time.monotonic()
            report = SyncReport()
            await self._notes(session, user, report)
            await self._files(session, user, report)
            report.seconds = round(time.monotonic() - started, 3)
            await self.store.save_status(
                user, {"indexed": report.indexed, "removed": report.removed, "errors": report.errors[:10]}
            )
            return report

    async def _put(self, user: str, app: str, object_id: str, title: str, etag: str, text: str) -> None:
        pieces = chunk_text(f"{title}\n\n{text}" if title and not text.startswith(title) else text)
        chunks = [Chunk(app, object_id, title, etag, n, piece) for n, piece in enumerate(pieces)]
        vectors = await self.embedder.embed([c.text for c in chunks]) if chunks else []
        await self.store.replace(user, app, object_id, chunks, vectors)

    async def _apply(self, user: str, app: str, current: dict[str, str], report: SyncReport) -> list[str]:
        """Remove what is gone; the ids whose etag changed (or are new)."""
        known = await self.store.versions(user, app)
        for gone in set(known) - set(current):
            await self.store.remove(user, app, gone)
        report.removed[app] = len(set(known) - set(current))
        changed = [oid for oid, etag in current.items() if known.get(oid) != etag]
        report.unchanged[app] = len(current) - len(changed)
        return changed

    async def _notes(self, session: NextcloudSession, user: str, report: SyncReport) -> None:
        try:
            notes = await notes_client(session).list_all()
        except NextcloudError as exc:  # Notes not installed, or failing: the rest still syncs
            report.errors.append(f"notes: {exc}")
            return
        by_id = {str(n.id): n for n in notes}
        changed = await self._apply(user, "notes", {k: n.etag or str(n.modified) for k, n in by_id.items()}, report)
        for oid in changed:
            note = by_id[oid]
            await self._put(user, "notes", oid, note.title, note.etag or str(note.modified), note.content)
        report.indexed["notes"] = len(changed)

    async def _files(self, session: NextcloudSession, user: str, report: SyncReport) -> None:
        client = files_client(session)
        found: dict[str, DavEntry] = {}
        folders: list[tuple[str, int]] = [("/", 0)]
        while folders and len(found) < MAX_FILES:
            folder, depth = folders.pop()
            try:
                _, children = await client.list_folder(folder)
            except NextcloudError as exc:
                report.errors.append(f"files {folder}: {exc}")
                if folder == "/":
                    return  # nothing readable: keep what is indexed rather than remove it all
                continue
            for entry in children:
                path = "/" + entry.path.strip("/")
                if entry.is_dir:
                    if path in NOTES_FOLDERS:
                        continue  # the Notes app's files: indexed as notes, not twice
                    if depth < MAX_DEPTH:
                        folders.append((path, depth + 1))
                elif _is_text(entry) and (entry.size or 0) <= MAX_FILE_BYTES:
                    found[path] = entry
        current = {p: e.etag or e.modified or "" for p, e in found.items()}
        changed = await self._apply(user, "files", current, report)
        done = 0
        for path in changed:
            try:
                got = await client.read_text(path, MAX_FILE_BYTES)
            except NotFound:
                continue
            except NextcloudError as exc:
                report.errors.append(f"files {path}: {exc}")
                continue
            if got.text is None:
                continue
            await self._put(user, "files", path, path.rsplit("/", 1)[-1], current[path], got.text)
            done += 1
        report.indexed["files"] = done


def as_dict(report: SyncReport) -> dict[str, Any]:
    return {"indexed": report.indexed, "removed": report.removed, "unchanged": report.unchanged}
