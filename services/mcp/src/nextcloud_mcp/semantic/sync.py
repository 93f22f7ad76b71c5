"""Incremental sync of one user's objects into the index, app by app (`core.indexing.IndexSource`): an object
whose etag is unchanged is skipped, a changed one re-chunked and re-embedded, one that is gone (deleted, or no
longer readable by this user) has its chunks removed. An app that cannot be listed keeps what it has. An object
whose source says it can never be indexed (`Unindexable`: an encrypted or corrupt document) is reported as an error
and remembered with its etag, so later syncs report it again without reading it until it changes or a day has
passed (a document that timed out on a busy machine gets another chance).

Credentials Nextcloud stops accepting midway (an OAuth access token that expires during a sync that goes on after
the search that started it) stop the sync at the first refusal: every further request would be refused too (and
count as a failed login in Nextcloud's brute-force protection). What was indexed stays; the record says the sync was
`interrupted`, so the next check walks again (`freshness.due`) and reads what was not read yet."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import anyio

from nextcloud_mcp.core.errors import AuthenticationFailed, NextcloudError
from nextcloud_mcp.core.indexing import Indexable, IndexSource, Titled, Unindexable
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.chunker import chunk_text
from nextcloud_mcp.semantic.embedder import Embedder
from nextcloud_mcp.semantic.store import Chunk, SemanticStore

__all__ = ["Indexer", "Progress", "Run", "SyncReport"]

_LOCKS: dict[str, anyio.Lock] = {}  # one sync at a time per user
RETRY_SKIPPED = 24 * 3600  # an object that could not be indexed is tried again after a day, changed or not
INTERRUPTED = (
    "The sync stopped: Nextcloud no longer accepts your sign-in (an access token that expired?); what it had not "
    "read yet is read at the next sync."
)


async def credentials_refused(session: NextcloudSession, exc: NextcloudError) -> bool:
    """Whether a 401 means the credentials themselves are refused (`/cloud/user` refuses them too), not one app
    route (a `#[CORS]` route refusing a bearer token on an unpatched Nextcloud)."""
    if not isinstance(exc, AuthenticationFailed):
        return False
    try:
        await session.core.current_user()
    except AuthenticationFailed:
        return True
    except NextcloudError:
        return False
    return False


@dataclass
class SyncReport:
    indexed: dict[str, int] = field(default_factory=dict)  # objects (re)indexed, per app
    removed: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Progress:
    """The sync running now for one user, in this process: `listed` objects to (re)index found so far (app by
    app), `done` of them indexed."""

    started: float
    app: str = ""
    listed: int = 0
    done: int = 0


@dataclass
class Run:
    """A sync started for one user: `finished` is set when it ends; `report` is None when it did not walk
    (another replica held the user's sync) or failed (`failure`: the error's type)."""

    finished: anyio.Event = field(default_factory=anyio.Event)
    report: SyncReport | None = None
    failure: str | None = None


class Indexer:
    """One embedder and one store, and what this process knows about its syncs: the sync running now per user
    (`progress`), the sync started per user (`runs`), the last failed sync per user (`failures`), and when the
    background schedule runs next (`next_round`)."""

    def __init__(self, store: SemanticStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self.progress: dict[str, Progress] = {}
        self.runs: dict[str, Run] = {}
        self.failures: dict[str, str] = {}  # user → the last sync that failed as a whole (time, error type)
        self.next_round: float | None = None  # when the background schedule runs next (None: no schedule)

    async def sync(
        self,
        session: NextcloudSession,
        user: str,
        sources: Sequence[IndexSource],
        extra: dict[str, Any] | None = None,
    ) -> SyncReport:
        """Bring `user`'s chunks up to date with what `session` (that user's credentials) can read now; the
        status record gets the report, the sync's start as `at` and `checked`, and `extra`. Credentials refused
        midway raise `AuthenticationFailed` after the record is saved as `interrupted` (without `extra`)."""
        lock = _LOCKS.setdefault(user, anyio.Lock())
        async with lock:
            started, clock = time.time(), time.monotonic()
            report = SyncReport()
            progress = self.progress[user] = Progress(started)
            record = {"at": started, "checked": started}
            try:
                for source in sources:
                    progress.app = source.app
                    await self._sync_app(session, user, source, report, progress)
            except AuthenticationFailed:
                report.errors.insert(0, INTERRUPTED)
                await self.store.save_status(user, {**record, **self._record(report, clock), "interrupted": True})
                raise
            finally:
                self.progress.pop(user, None)
            await self.store.save_status(user, {**record, **self._record(report, clock), **(extra or {})})
            self.failures.pop(user, None)  # a failure before this sync is no longer the index's state
            return report

    @staticmethod
    def _record(report: SyncReport, clock: float) -> dict[str, Any]:
        report.seconds = round(time.monotonic() - clock, 3)
        return {
            "indexed": report.indexed,
            "removed": report.removed,
            "unchanged": report.unchanged,
            "errors": report.errors[:10],
            "seconds": report.seconds,
        }

    async def put(self, user: str, app: str, item: Indexable, text: str) -> None:
        """Index one object's text (its chunks replace those indexed before)."""
        title = item.title
        pieces = chunk_text(f"{title}\n\n{text}" if title and not text.startswith(title) else text)
        chunks = [Chunk(app, item.id, title, item.etag, n, piece) for n, piece in enumerate(pieces)]
        vectors = await self.embedder.embed([c.text for c in chunks]) if chunks else []
        await self.store.replace(user, app, item.id, chunks, vectors)

    async def _sync_app(
        self, session: NextcloudSession, user: str, source: IndexSource, report: SyncReport, progress: Progress
    ) -> None:
        app = source.app
        try:
            listing = await source.objects(session)
        except NextcloudError as exc:  # the app is missing or failing: the rest still syncs, its chunks stay
            if await credentials_refused(session, exc):
                raise
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
        retry_before = time.time() - RETRY_SKIPPED
        for oid, item in listing.items.items():
            if known.get(oid) == item.etag:
                continue
            if oid in skipped and skipped[oid].etag == item.etag and skipped[oid].at > retry_before:
                report.errors.append(f"{app} {oid}: not indexed (unchanged since): {skipped[oid].reason}")
                continue  # failed before and unchanged since: not read again (until RETRY_SKIPPED has passed)
            changed.append(item)
        progress.listed += len(changed)
        done = 0
        for item in changed:
            outcome = await self.reindex(session, user, source, item, report)
            if outcome != "skipped" and item.id in skipped:
                await self.store.unskip(user, app, item.id)
            done += outcome == "indexed"
            progress.done += 1
        report.indexed[app] = done
        report.removed[app] = sum(1 for oid in gone if oid in known)
        report.unchanged[app] = len(listing.items) - len(changed)

    async def reindex(
        self, session: NextcloudSession, user: str, source: IndexSource, item: Indexable, report: SyncReport | None
    ) -> Literal["indexed", "empty", "skipped", "failed"]:
        """(Re)index one object as it is now: "indexed"; "empty" when it holds no text or went away (its chunks go);
        "skipped" when this version can never be indexed (`Unindexable`: its chunks go, the version is remembered);
        "failed" when Nextcloud failed (nothing changes). Errors go to `report` when given."""
        app = source.app
        try:
            text = await source.text(session, item)
        except NextcloudError as exc:
            if await credentials_refused(session, exc):
                raise  # nothing more can be read with these credentials
            if report is not None:
                report.errors.append(f"{app} {item.id}: {exc}")
            return "failed"
        except Unindexable as exc:
            if report is not None:
                report.errors.append(f"{app} {item.id}: not indexed: {exc}")
            await self.store.remove(user, app, item.id)
            await self.store.skip(user, app, item.id, item.etag, str(exc))
            return "skipped"
        if text is None:
            await self.store.remove(user, app, item.id)
            return "empty"
        if isinstance(text, Titled):
            item, text = replace(item, title=text.title), text.text
        await self.put(user, app, item, text)
        return "indexed"
