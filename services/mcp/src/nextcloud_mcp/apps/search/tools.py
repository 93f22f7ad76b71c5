"""Unified search tools (`nc_search_*`): the one place that finds anything in any app."""

from __future__ import annotations

import contextlib
from typing import Annotated

import anyio
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.search.client import SearchResult, search_client
from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]


class Provider(BaseModel):
    id: str
    name: str


class Hit(BaseModel):
    provider: str
    title: str
    subline: str
    url: str


class SearchPage(BaseModel):
    hits: list[Hit]
    cursor: str | None


@tool(
    "nc_search_providers",
    "List search providers",
    "List the unified-search providers (files, notes, mail, …) for nc_search_query.",
    app="core",
    read_only=True,
    idempotent=True,
)
async def search_providers(ctx: Context) -> list[Provider]:
    return [Provider(id=p.id, name=p.name) for p in await search_client(session(ctx)).providers()]


@tool(
    "nc_search_query",
    "Unified search",
    "Search all apps (or one provider) via unified search; with a provider, pass the cursor back for more.",
    app="core",
    read_only=True,
    idempotent=True,
)
async def search_query(
    ctx: Context,
    term: Annotated[str, Field(min_length=1, max_length=255)],
    provider: Annotated[str | None, Field(max_length=100, pattern=r"^[\w.-]+$")] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 10,
    cursor: Annotated[str | None, Field(max_length=200)] = None,
) -> SearchPage:
    client = search_client(session(ctx))
    if provider is not None:
        result = await client.search(provider, term, limit, cursor)
        more = result.is_paginated and len(result.entries) >= limit and result.cursor is not None
        return SearchPage(hits=_hits(provider, result), cursor=str(result.cursor) if more else None)
    # all providers, concurrently (at most 4 at a time), `limit` hits each; one slow or failing app is skipped
    providers = sorted(await client.providers(), key=lambda p: p.order)
    results: dict[str, SearchResult] = {}
    gate = anyio.Semaphore(4)

    async def one(pid: str) -> None:
        async with gate:
            with contextlib.suppress(NextcloudError):
                results[pid] = await client.search(pid, term, limit, None)

    async with anyio.create_task_group() as tg:
        for p in providers:
            tg.start_soon(one, p.id)
    return SearchPage(hits=[h for p in providers if p.id in results for h in _hits(p.id, results[p.id])], cursor=None)


def _hits(provider: str, result: SearchResult) -> list[Hit]:
    return [Hit(provider=provider, title=e.title, subline=e.subline, url=e.resource_url) for e in result.entries]


TOOLS: list[ToolSpec] = [search_providers, search_query]
