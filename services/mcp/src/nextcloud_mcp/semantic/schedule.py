"""The background schedule (docs/semantic-search.md, "When the index is updated"): every
`MCP_SEMANTIC_SYNC_INTERVAL` seconds, each user the server holds credentials for between requests (the BasicAuth
user; in Login Flow mode every user whose grant includes a `semantic:*` scope) gets a freshness check: the
activity stream when it says nothing happened, else a sync. Started by the server's lifespan, cancelled with it.
OAuth mode has no schedule: a resource server holds no user credentials outside a request.

Failures are logged by error type only (a message could hold a path or a title); the next round tries again.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import anyio

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.instance import Capabilities
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.semantic.freshness import freshen
from nextcloud_mcp.semantic.service import indexer, user_of
from nextcloud_mcp.semantic.sources import sources
from nextcloud_mcp.semantic.sync import Indexer

__all__ = ["Background", "run_round", "run_schedule"]

logger = logging.getLogger(__name__)


class Background(Protocol):
    """What the schedule needs of the server (`server.state.AppState`)."""

    settings: Settings

    async def background_sessions(self) -> list[NextcloudSession]: ...

    async def capabilities(self, session: NextcloudSession) -> Capabilities | None: ...


async def run_schedule(state: Background) -> None:
    """Forever: wait an interval, then one round (the first after one interval: a search indexes a user who
    was never indexed, and a restart does not send every replica to Nextcloud at once)."""
    interval = state.settings.mcp_semantic_sync_interval
    ix = indexer(state.settings)
    logger.info("Semantic index: background sync every %s s", interval)
    try:
        while True:
            ix.next_round = time.time() + interval
            await anyio.sleep(interval)
            await run_round(state, ix)
    finally:
        ix.next_round = None


async def run_round(state: Background, ix: Indexer) -> int:
    """One freshness check per background user; returns how many were checked without an error."""
    try:
        sessions = await state.background_sessions()
    except Exception as exc:
        logger.warning("Semantic background sync: cannot list the users (%s)", type(exc).__name__)
        return 0
    good = 0
    for nc in sessions:
        user = ""
        try:
            user = await user_of(nc)
            caps = await state.capabilities(nc)
            await freshen(ix, nc, user, sources(state.settings, caps), state.settings, caps, spawn=None)
            good += 1
        except Exception as exc:  # one user's failure never stops the others, nor the schedule
            logger.warning("Semantic background sync of one user failed (%s)", type(exc).__name__)
            if user:
                when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                ix.failures[user] = f"{when}: background sync failed ({type(exc).__name__})"
    return good
