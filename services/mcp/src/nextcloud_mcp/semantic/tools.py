"""The `nc_semantic_*` tools, registered by the server only when `MCP_SEMANTIC=true` (docs/semantic-search.md)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.core.contract import Cursor, Page, offset_of, page
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import ToolSpec, capabilities, session, settings, spawn, tell, tool
from nextcloud_mcp.semantic.freshness import due, freshen, sync_now
from nextcloud_mcp.semantic.lexical import words
from nextcloud_mcp.semantic.service import close_indexers, indexer, user_of
from nextcloud_mcp.semantic.sources import opens, sources
from nextcloud_mcp.semantic.status import IndexStatus, index_status
from nextcloud_mcp.semantic.verify import verified_search

__all__ = ["TOOLS", "close_indexers", "indexer"]

SNIPPET = 280


class SemanticHit(BaseModel):
    app: str
    id: str
    title: str
    snippet: str
    score: float
    open: str


def _snippet(text: str, query: str) -> str:
    if len(text) <= SNIPPET:
        return text
    lowered = text.casefold()
    at = min((i for w in words(query) if (i := lowered.find(w)) != -1), default=0)
    start = max(0, min(at - SNIPPET // 3, len(text) - SNIPPET))
    return ("…" if start else "") + text[start : start + SNIPPET].strip() + "…"


@tool(
    "nc_semantic_search_items", "Semantic search",
    "Search your notes, files, Deck cards, events and tasks by meaning and words; each hit names the tool to open it.",
    app="semantic", read_only=True, idempotent=True,
)  # fmt: skip
async def semantic_search_items(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=1000, description="What to find, e.g. heater warranty")],
    limit: Annotated[int, Field(ge=1, le=50, description="Page size (1-50)")] = 10,
    cursor: Cursor = None,
) -> Page[SemanticHit]:
    """What the answer cannot vouch for (an update still running, hits that could not be checked) is told next to
    the page (`core.tool.tell`): the list envelope stays the contract's."""
    if not query.strip():
        raise InvalidInput("query is blank; say what to find.")
    start = offset_of(cursor)
    nc, conf = session(ctx), settings(ctx)
    ix = indexer(conf)
    user = await user_of(nc)
    caps = await capabilities(ctx)
    srcs = sources(conf, caps)
    if due(await ix.store.status(user), conf.mcp_semantic_sync_interval):
        fresh = await freshen(ix, nc, user, srcs, conf, caps, spawn=lambda work: spawn(ctx, work))
        if fresh.note:
            tell(fresh.note)
    [vector] = await ix.embedder.embed([query])
    checked = await verified_search(ix, nc, user, query, vector, srcs, start, limit)
    if checked.unchecked:
        tell(
            f"{checked.unchecked} hit(s) could not be checked with Nextcloud just now (is it reachable, is the app "
            "still enabled for you?) and are left out."
        )
    hits = [
        SemanticHit(
            app=f.app,
            id=f.object_id,
            title=f.title,
            snippet=_snippet(f.text, query),
            score=round(f.score, 4),
            open=opens(f.app, f.object_id),
        )
        for f in checked.hits
    ]
    return page(hits, limit, cursor)


@tool(
    "nc_semantic_update_index", "Update the search index",
    "Index your notes, files, Deck cards, events and tasks now (changed ones only); returns the index status.",
    app="semantic", read_only=False, idempotent=True,
)  # fmt: skip
async def semantic_update_index(ctx: Context) -> IndexStatus:
    nc, conf = session(ctx), settings(ctx)
    ix = indexer(conf)
    user = await user_of(nc)
    caps = await capabilities(ctx)
    report = await sync_now(ix, nc, user, sources(conf, caps), conf, caps)
    status = await index_status(ix, conf, user)
    if report is None:
        status.note = "Another server replica is updating your index right now; this is the index as it is."
    return status


@tool(
    "nc_semantic_get_index", "Search index status",
    "Show your search index: chunks per app, last sync and check, a sync running now, the next one, errors.",
    app="semantic", read_only=True, idempotent=True,
)  # fmt: skip
async def semantic_get_index(ctx: Context) -> IndexStatus:
    nc, conf = session(ctx), settings(ctx)
    return await index_status(indexer(conf), conf, await user_of(nc))


TOOLS: list[ToolSpec] = [semantic_search_items, semantic_update_index, semantic_get_index]
