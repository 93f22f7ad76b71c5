"""What `nc_semantic_get_index` (and `nc_semantic_update_index`) answer: the user's index, its syncs and when the
next one happens, in this server's auth mode."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.contract import iso
from nextcloud_mcp.semantic.sources import INDEXED
from nextcloud_mcp.semantic.sync import Indexer

__all__ = ["IndexStatus", "SyncRunning", "index_status", "mode_sentence"]


class SyncRunning(BaseModel):
    """The sync running now in this server process: `app` being walked, `done` of the `listed` changed objects
    found so far (re)indexed."""

    since: str | None
    app: str
    done: int
    listed: int


class IndexStatus(BaseModel):
    user: str
    mode: str
    chunks: dict[str, int]
    last_sync: str | None
    last_check: str | None
    next_sync: str | None
    running: SyncRunning | None
    last_changes: dict[str, Any] | None
    last_errors: list[str]
    note: str | None = None


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def mode_sentence(conf: Settings) -> str:
    """When this server updates a user's index, in one sentence."""
    interval = conf.mcp_semantic_sync_interval
    if interval <= 0:
        return "Indexed before your first search and when you call nc_semantic_update_index; never on a schedule."
    every = _every(interval)
    if conf.auth_mode == "oauth":
        return (
            f"Indexed only during your own requests, with your own sign-in: when you search (at most every "
            f"{every}) and when you call nc_semantic_update_index. This server keeps no credentials of yours "
            "between requests, so nothing is indexed in the background."
        )
    if conf.auth_mode == "loginflow":
        return (
            f"Indexed every {every} in the background while your sign-in grant lasts, and when you search if the "
            "last check is older than that."
        )
    return f"Indexed every {every} in the background, and when you search if the last check is older than that."


async def index_status(ix: Indexer, conf: Settings, user: str) -> IndexStatus:
    saved = await ix.store.status(user) or {}
    checked = saved.get("checked") or saved.get("at")
    interval = conf.mcp_semantic_sync_interval
    if ix.next_round is not None:
        next_sync: float | None = ix.next_round
    elif interval > 0 and checked:
        next_sync = float(checked) + interval  # at the first search after this time
    else:
        next_sync = None
    progress = ix.progress.get(user)
    running = (
        SyncRunning(since=iso(progress.started), app=progress.app, done=progress.done, listed=progress.listed)
        if progress
        else None
    )
    changes: dict[str, Any] = {k: saved[k] for k in ("indexed", "removed", "unchanged", "seconds") if k in saved}
    errors = [str(e) for e in saved.get("errors") or []]
    if user in ix.failures:
        errors.append(ix.failures[user])
    return IndexStatus(
        user=user,
        mode=mode_sentence(conf),
        chunks=await ix.store.counts(user, INDEXED),
        last_sync=iso(saved["at"]) if saved.get("at") else None,
        last_check=iso(checked) if checked else None,
        next_sync=iso(next_sync) if next_sync else None,
        running=running,
        last_changes=changes or None,
        last_errors=errors,
    )
