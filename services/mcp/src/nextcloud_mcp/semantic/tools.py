"""The `nc_semantic_*` tools, registered by the server only when `MCP_SEMANTIC=true` (docs/semantic-search.md)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.contract import Cursor, Page, page
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.core.tool import ToolSpec, capabilities, session, settings, tool
from nextcloud_mcp.semantic.embedder import make_embedder
from nextcloud_mcp.semantic.lexical import words
from nextcloud_mcp.semantic.sources import INDEXED, opens, sources
from nextcloud_mcp.semantic.store import close_stores, open_store
from nextcloud_mcp.semantic.sync import Indexer, SyncReport

__all__ = ["TOOLS", "close_indexers", "indexer"]

SNIPPET = 280
_INDEXERS: dict[tuple[str, ...], Indexer] = {}


class SemanticHit(BaseModel):
    app: str
    id: str
    title: str
    snippet: str
    score: float
    open: str


class IndexStatus(BaseModel):
    user: str
    chunks: dict[str, int]
    last_sync: str | None
    last_changes: dict[str, Any] | None


def default_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "nextcloud-mcp" / "semantic")


def indexer(conf: Settings) -> Indexer:
    """The process's indexer for these settings (one embedder and one store per server)."""
    url = conf.mcp_semantic_qdrant_url
    location = url or conf.mcp_semantic_path or default_path()
    which = (location, conf.mcp_semantic_embedder, conf.mcp_semantic_openai_url or "", conf.mcp_semantic_openai_model)
    found = _INDEXERS.get(which)
    if found is None:
        embedder = make_embedder(conf)
        key = conf.mcp_semantic_qdrant_api_key
        if not url:
            Path(location).mkdir(parents=True, exist_ok=True)
        store = open_store(
            location, url=bool(url), api_key=key.get_secret_value() if key else None, space=embedder.name
        )
        found = _INDEXERS[which] = Indexer(store, embedder)
    return found


async def close_indexers() -> None:
    """Forget the indexers and close their stores (tests; a process otherwise keeps them to its end)."""
    _INDEXERS.clear()
    await close_stores()


async def _user(nc: NextcloudSession) -> str:
    """The Nextcloud user id these credentials belong to: what every chunk is bound to."""
    return (await nc.core.current_user()).id


def _snippet(text: str, query: str) -> str:
    if len(text) <= SNIPPET:
        return text
    lowered = text.casefold()
    at = min((i for w in words(query) if (i := lowered.find(w)) != -1), default=0)
    start = max(0, min(at - SNIPPET // 3, len(text) - SNIPPET))
    return ("…" if start else "") + text[start : start + SNIPPET].strip() + "…"


async def _status(ix: Indexer, user: str) -> IndexStatus:
    saved = await ix.store.status(user)
    at = saved.pop("at", None) if saved else None
    when = datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds") if at else None
    if saved:
        saved.pop("user", None)
    return IndexStatus(user=user, chunks=await ix.store.counts(user, INDEXED), last_sync=when, last_changes=saved)


async def _sync(ctx: Context, ix: Indexer, nc: NextcloudSession, user: str) -> SyncReport:
    return await ix.sync(nc, user, sources(settings(ctx), await capabilities(ctx)))


@tool(
    "nc_semantic_search_items", "Semantic search",
    "Search your notes, files, Deck cards and events by meaning and words; each hit names the tool to open it.",
    app="semantic", read_only=True, idempotent=True,
)  # fmt: skip
async def semantic_search_items(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=1000, description="What to find, e.g. heater warranty")],
    limit: Annotated[int, Field(ge=1, le=50, description="Page size (1-50)")] = 10,
    cursor: Cursor = None,
) -> Page[SemanticHit]:
    if not query.strip():
        raise InvalidInput("query is blank; say what to find.")
    nc = session(ctx)
    ix = indexer(settings(ctx))
    user = await _user(nc)
    if await ix.store.status(user) is None:  # never indexed: index first, so the first search finds something
        await _sync(ctx, ix, nc, user)
    [vector] = await ix.embedder.embed([query])
    found = await ix.store.search(user, query, vector, 50)
    hits = [
        SemanticHit(
            app=f.app,
            id=f.object_id,
            title=f.title,
            snippet=_snippet(f.text, query),
            score=round(f.score, 4),
            open=opens(f.app, f.object_id),
        )
        for f in found
    ]
    return page(hits, limit, cursor)


@tool(
    "nc_semantic_update_index", "Update the search index",
    "Index your notes, files, Deck cards and events now (changed ones only); returns the index status.",
    app="semantic", read_only=False, idempotent=True,
)  # fmt: skip
async def semantic_update_index(ctx: Context) -> IndexStatus:
    nc = session(ctx)
    ix = indexer(settings(ctx))
    user = await _user(nc)
    started = time.monotonic()
    report = await _sync(ctx, ix, nc, user)
    status = await _status(ix, user)
    status.last_changes = {**(status.last_changes or {}), "unchanged": report.unchanged}
    status.last_changes["seconds"] = round(time.monotonic() - started, 3)
    return status


@tool(
    "nc_semantic_get_index", "Search index status",
    "Show your search index: chunks per app, last sync and what it changed.",
    app="semantic", read_only=True, idempotent=True,
)  # fmt: skip
async def semantic_get_index(ctx: Context) -> IndexStatus:
    nc = session(ctx)
    ix = indexer(settings(ctx))
    return await _status(ix, await _user(nc))


TOOLS: list[ToolSpec] = [semantic_search_items, semantic_update_index, semantic_get_index]
