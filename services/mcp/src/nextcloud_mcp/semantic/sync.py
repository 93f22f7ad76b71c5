"""Incremental sync of one user's objects into the index, app by app (`core.indexing.IndexSource`): an object
whose etag is unchanged is skipped, a changed one re-chunked and re-embedded, one that is gone (deleted, or no
longer readable by this user) has its chunks removed. An app that cannot be listed keeps what it has. An object
whose source says it can never be indexed (`Unindexable`: an encrypted or corrupt document) is reported as an error
and remembered with its etag, so later syncs report it again without reading it until it changes."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import anyio

from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.indexing import Indexable, IndexSource, Titled, Unindexable
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.chunker import chunk_text
from nextcloud_mcp.semantic.embedder import Embedder
from nextcloud_mcp.semantic.store import Chunk, SemanticStore

__all__ = ["Indexer", "SyncReport"]

_LOCKS: dict[str, anyio.Lock] = {}  # one sync at a time per user


@dataclass
class SyncReport:
    indexed: dict[str, int] = field(default_factory=dict)  # objects (re)indexed, per app
    removed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Indexer:
    def __init__(self, store: SemanticStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    async def sync(self, session: NextcloudSession, user: str, sources: Sequence[IndexSource]) -> SyncReport:
        """Bring `user`'s chunks up to date with what `session` (that user's credentials) can read now."""
        lock = _LOCKS.setdefault(user, anyio.Lock())
        async with lock:
            started = time.monotonic()
            report = SyncReport()
            for source in sources:
                await self._sync_app(session, user, source, report)
            report.seconds = round(time.monotonic() - started, 3)
            await self.store.save_status(
                user, {"indexed": report.indexed, "removed": report.removed, "errors": report.errors[:10]}
            )
            return report

    async def put(self, user: str, app: str, item: Indexable, text: str) -> None:
        """Index one object's text (its chunks replace those indexed before)."""
        title = item.title
        pieces = chunk_text(f"{title}\n\n{text}" if title and not text.startswith(title) else text)
        chunks = [Chunk(app, item.id, title, item.etag, n, piece) for n, piece in enumerate(pieces)]
        vectors = await self.embedder.embed([c.text for c in chunks]) if chunks else []
        await self.store.replace(user, app, item.id, chunks, vectors)

    async def _sync_app(self, session: NextcloudSession, user: str, source: IndexSource, report: SyncReport) -> None:
        app = source.app
        try:
            listing = await source.objects(session)
        except NextcloudError as exc:  # the app is missing or failing: the rest still syncs, its chunks stay
            report.errors.append(f"{app}: {exc}")
            return
        report.errors.extend(listing.errors)
        known = await self.store.versions(user, app)
        skipped = await self.store.skipped(user, app)
        seen = known.keys() | skipped.keys()
        gone = [oid for oid in seen if oid not in listing.items and not listing.keeps(oid)]
        for oid in gone:
            if oid in known:
                await self.store.remove(user, app, oid)
            if oid in skipped:
                await self.store.unskip(user, app, oid)
        changed = []
        for oid, item in listing.items.items():
            if known.get(oid) == item.etag:
                continue
            if oid in skipped and skipped[oid][0] == item.etag:  # failed before and unchanged since: not read again
                report.errors.append(f"{app} {oid}: not indexed (unchanged since): {skipped[oid][1]}")
                continue
            changed.append(item)
        done = 0
        for item in changed:
            try:
                text = await source.text(session, item)
            except NextcloudError as exc:
                report.errors.append(f"{app} {item.id}: {exc}")
                continue
            except Unindexable as exc:
                report.errors.append(f"{app} {item.id}: not indexed: {exc}")
                await self.store.remove(user, app, item.id)
                await self.store.skip(user, app, item.id, item.etag, str(exc))
                continue
            if item.id in skipped:
                await self.store.unskip(user, app, item.id)
            if text is None:
                await self.store.remove(user, app, item.id)
                continue
            if isinstance(text, Titled):
                item, text = replace(item, title=text.title), text.text
            await self.put(user, app, item, text)
            done += 1
        report.indexed[app] = done
        report.removed[app] = sum(1 for oid in gone if oid in known)
        report.unchanged[app] = len(listing.items) - len(changed)
