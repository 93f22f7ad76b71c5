"""When a user's index is brought up to date (docs/semantic-search.md, "When the index is updated").

A sync walks every source (listing, etag comparison, re-embedding what changed). A user's index is *due* once its
last check is `MCP_SEMANTIC_SYNC_INTERVAL` seconds old; a due index is checked first against the activity stream
when the activity app is there: the sync remembers the user's newest activity id, and when nothing happened since,
only the check is recorded and the walk is skipped (at most `FULL_WALK_AFTER` seconds, since some changes leave no
activity). With Redis configured, replicas sharing one index take a per-user lock so that one of them syncs.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio

from nextcloud_mcp.apps.activity import APP as ACTIVITY
from nextcloud_mcp.apps.activity.client import activity_client
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.indexing import IndexSource
from nextcloud_mcp.core.instance import Capabilities
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.sync import Indexer, Run, SyncReport

__all__ = ["FULL_WALK_AFTER", "SEARCH_WAIT", "Freshness", "close_locks", "freshen", "sync_now"]

logger = logging.getLogger(__name__)

#: Longest time (s) the activity stream may stand in for a walk: changes that leave no activity (below) are
#: found by the walk at least this often.
FULL_WALK_AFTER = 24 * 3600.0
#: Seconds a search waits for a due sync before it searches what is indexed (the sync goes on in the background).
SEARCH_WAIT = 15.0
#: A replica's claim on a user's sync (ms): longer than a sync takes; a crashed replica's claim ends with it.
LOCK_TTL_MS = 15 * 60 * 1000
_LOCK_PREFIX = "ncmcp:semantic:sync:"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_REDIS: dict[str, Any] = {}

Spawn = Callable[[Callable[[], Awaitable[None]]], bool]


@dataclass
class Freshness:
    """What a freshness check did: `synced` (a walk finished), `skipped` (the activity stream showed nothing new),
    `note` what a search answer says about it (None when there is nothing to say)."""

    synced: bool = False
    skipped: bool = False
    note: str | None = None


def _uses_activity(caps: Capabilities | None) -> bool:
    return caps is None or ACTIVITY.available(caps)  # unknown capabilities: ask, a failure means "walk"


async def _newest_activity(nc: NextcloudSession, caps: Capabilities | None) -> int | None:
    if not _uses_activity(caps):
        return None
    try:
        return await activity_client(nc).newest_id()
    except NextcloudError:
        return None


async def _nothing_new(nc: NextcloudSession, saved: dict[str, Any], caps: Capabilities | None) -> bool:
    """True when the activity stream shows nothing since the last walk (and that walk is recent enough)."""
    marker = saved.get("activity")
    if not isinstance(marker, int) or not _uses_activity(caps) or time.time() - saved["at"] >= FULL_WALK_AFTER:
        return False
    try:
        return await activity_client(nc).anything_since(marker) is False
    except NextcloudError:
        return False


def due(saved: dict[str, Any] | None, interval: int) -> bool:
    """Whether a search should bring the index up to date first: never indexed, its last sync interrupted (the
    credentials were refused midway), or last checked `interval` ago."""
    if saved is None or saved.get("interrupted"):
        return True
    if interval <= 0:
        return False
    return time.time() - float(saved.get("checked") or saved.get("at") or 0) >= interval


async def _redis(settings: Settings) -> Any | None:
    if settings.redis_url is None:
        return None
    url = settings.redis_url.get_secret_value()
    if url not in _REDIS:
        from nextcloud_mcp.auth.cache import connect_redis

        _REDIS[url] = connect_redis(url)
    return _REDIS[url]


async def close_locks() -> None:
    """Close the Redis clients of the replica locks (tests; a process otherwise keeps them to its end)."""
    while _REDIS:
        _, client = _REDIS.popitem()
        await client.aclose()


@asynccontextmanager
async def replica_lock(settings: Settings, user: str) -> AsyncIterator[bool]:
    """True when this replica may sync `user` now: always without Redis; with Redis, when no other replica holds
    the user's claim (`SET NX PX`, released only by its holder). Redis failing: True (a double sync is harmless,
    only wasteful)."""
    redis = await _redis(settings)
    if redis is None:
        yield True
        return
    key = _LOCK_PREFIX + hashlib.sha256(user.encode()).hexdigest()[:32]
    token = secrets.token_hex(8)
    try:
        held = bool(await redis.set(key, token, nx=True, px=LOCK_TTL_MS))
    except Exception as exc:  # Redis down: sync anyway
        logger.warning("Redis unavailable for the semantic sync lock (%s); syncing without it", type(exc).__name__)
        yield True
        return
    try:
        yield held
    finally:
        if held:
            try:
                await redis.eval(_RELEASE, 1, key, token)
            except Exception as exc:
                logger.warning("Could not release the semantic sync lock (%s); it expires", type(exc).__name__)


async def sync_now(
    ix: Indexer,
    nc: NextcloudSession,
    user: str,
    sources: Sequence[IndexSource],
    settings: Settings,
    caps: Capabilities | None,
) -> SyncReport | None:
    """One walk, under the replica lock; None when another replica is syncing this user. The newest activity id
    is read before the walk, so whatever happens during it shows at the next check."""
    async with replica_lock(settings, user) as held:
        if not held:
            return None
        marker = await _newest_activity(nc, caps)
        return await ix.sync(nc, user, sources, {"activity": marker})


def _progress_note(ix: Indexer, user: str, saved: dict[str, Any] | None) -> str:
    progress = ix.progress.get(user)
    done = f" ({progress.done} of {progress.listed} changed objects so far)" if progress and progress.listed else ""
    if saved is None:
        return (
            f"Your index is being built in the background{done}; these results cover only what is indexed so far. "
            "Search again in a moment, or call nc_semantic_get_index to see the progress."
        )
    return (
        f"Your index is being updated in the background{done}; these results may miss changes made since its "
        "last sync (nc_semantic_get_index shows it)."
    )


async def freshen(
    ix: Indexer,
    nc: NextcloudSession,
    user: str,
    sources: Sequence[IndexSource],
    settings: Settings,
    caps: Capabilities | None,
    *,
    spawn: Spawn | None,
    wait: float | None = None,
) -> Freshness:
    """Check the user's index now: skip the walk when the activity stream shows nothing new, else sync. With
    `spawn`, the sync runs in the server's background and this waits at most `wait` seconds for it (a search's
    answer then says the sync goes on; `SEARCH_WAIT` by default); without, it syncs here."""
    saved = await ix.store.status(user)
    if saved is not None and await _nothing_new(nc, saved, caps):
        await ix.store.update_status(user, {"checked": time.time()})
        return Freshness(skipped=True)
    run = ix.runs.get(user)
    if run is None:
        run = ix.runs[user] = Run()
        started = run

        async def work() -> None:
            try:
                started.report = await sync_now(ix, nc, user, sources, settings, caps)
            except Exception as exc:
                started.failure = type(exc).__name__
                when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                ix.failures[user] = f"{when}: sync failed ({started.failure})"
                raise
            finally:
                ix.runs.pop(user, None)
                started.finished.set()

        if spawn is None or not spawn(work):
            await work()
    with anyio.move_on_after(SEARCH_WAIT if wait is None else wait):
        await run.finished.wait()
    if not run.finished.is_set():
        return Freshness(note=_progress_note(ix, user, saved))
    if run.failure is not None:
        return Freshness(note=f"Updating your index failed ({run.failure}); these results are from the index as it is.")
    if run.report is None:
        return Freshness(
            note="Another server replica is updating your index right now; these results are from the index as it is."
        )
    return Freshness(synced=True)
