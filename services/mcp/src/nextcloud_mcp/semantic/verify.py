"""Every hit checked before it is shown (docs/semantic-search.md, "Isolation").

The index can be older than the user's permissions: a share revoked a second ago, a file moved out of a shared
folder, a note deleted. So each hit of the page about to be returned is asked of its source (`IndexSource.version`,
with the caller's own credentials, `CONCURRENCY` at a time): gone (None, or 403/404) → its chunks are removed and
the hit dropped, the page filled from the next candidates; another etag → the object is re-indexed now and the
query run once more, so the snippet shows the current text; a hit that cannot be checked (Nextcloud failing) is
left out, never shown unchecked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio

from nextcloud_mcp.core.errors import Forbidden, NextcloudError, NotFound
from nextcloud_mcp.core.indexing import Indexable, IndexSource
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.store import Found
from nextcloud_mcp.semantic.sync import Indexer

__all__ = ["CONCURRENCY", "Verified", "verified_search"]

CONCURRENCY = 8
POOL = 50  # chunks asked of the store at least (hits are objects: the best chunk of each)
MAX_POOL = 400

Key = tuple[str, str]  # (app, object id)


@dataclass
class Verified:
    """The candidates in rank order, every one from `start` to `start + limit` checked; `removed` objects were
    gone and left the index, `reindexed` had changed, `unchecked` could not be checked and are left out."""

    hits: list[Found]
    removed: int = 0
    reindexed: int = 0
    unchecked: int = 0
    seen: dict[Key, bool] = field(default_factory=dict)  # checked: True shown, False left out


def _objects(found: Sequence[Found]) -> list[Found]:
    """One hit per object (its best chunk), in rank order."""
    best: dict[Key, Found] = {}
    for f in found:
        best.setdefault((f.app, f.object_id), f)
    return list(best.values())


async def _version(source: IndexSource, nc: NextcloudSession, object_id: str) -> str | None:
    try:
        return await source.version(nc, object_id)
    except (NotFound, Forbidden):  # the caller can no longer read it
        return None


async def verified_search(
    ix: Indexer,
    nc: NextcloudSession,
    user: str,
    query: str,
    vector: list[float],
    sources: Sequence[IndexSource],
    start: int,
    limit: int,
) -> Verified:
    """The user's hits for `query`, those of the page `start`..`start+limit` checked against Nextcloud now."""
    by_app = {source.app: source for source in sources}
    pool = min(MAX_POOL, max(POOL, 4 * (start + limit)))
    result = Verified([])
    reran = False
    candidates = _objects(await ix.store.search(user, query, vector, pool))
    while True:
        shown = [f for f in candidates if result.seen.get((f.app, f.object_id)) is not False]
        window = [f for f in shown[start : start + limit] if (f.app, f.object_id) not in result.seen]
        if not window:
            result.hits = shown
            return result
        changed = await _check(ix, nc, user, window, by_app, result)
        if changed and not reran:  # re-indexed objects: search again so their snippets are current
            reran = True
            candidates = _objects(await ix.store.search(user, query, vector, pool))


async def _check(
    ix: Indexer,
    nc: NextcloudSession,
    user: str,
    window: list[Found],
    by_app: dict[str, IndexSource],
    result: Verified,
) -> bool:
    """Check `window` concurrently; record each verdict in `result.seen`; True when something was re-indexed."""
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    changed = False

    async def one(hit: Found) -> None:
        nonlocal changed
        key = (hit.app, hit.object_id)
        source = by_app.get(hit.app)
        if source is None:  # the app is no longer offered to this user: not shown (its chunks stay)
            result.seen[key] = False
            result.unchecked += 1
            return
        async with limiter:
            try:
                etag = await _version(source, nc, hit.object_id)
                if etag is None:
                    await ix.store.remove(user, hit.app, hit.object_id)
                    result.seen[key], result.removed = False, result.removed + 1
                    return
                if etag != hit.etag:
                    outcome = await ix.reindex(nc, user, source, Indexable(hit.object_id, etag, hit.title), None)
                    if outcome == "failed":  # Nextcloud failed while reading it: cannot tell, not shown
                        result.seen[key], result.unchecked = False, result.unchecked + 1
                        return
                    if outcome != "indexed":  # no text any more, or this version cannot be indexed: its chunks went
                        result.seen[key], result.removed = False, result.removed + 1
                        return
                    result.reindexed += 1
                    changed = True
            except NextcloudError:  # cannot tell whether the user may still read it: not shown
                result.seen[key] = False
                result.unchecked += 1
                return
        result.seen[key] = True

    async with anyio.create_task_group() as tasks:
        for hit in window:
            tasks.start_soon(one, hit)
    return changed
