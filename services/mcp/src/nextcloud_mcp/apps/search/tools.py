"""Unified search tools (`nc_search_*`): the one place that finds anything in any app.

`nc_search_query_items` asks one provider or all of them (`limit` hits each). Its `next_cursor` says where each
provider with more hits goes on, as a query string (not JSON: the SDK would parse a JSON object argument into a
dict): the provider's own cursor for a `paginated` result, or an offset into a `complete` result (which Nextcloud
sends whole, so it is paged here).
"""

from __future__ import annotations

import contextlib
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

import anyio
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.search.client import PROVIDERS_TOOL, SearchClient, SearchResult, search_client
from nextcloud_mcp.core.contract import Cursor, Limit, Page, page
from nextcloud_mcp.core.errors import BadRequest, InvalidInput, NextcloudError, NotFound
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

#: UnifiedSearchController::search caps `limit` (app config unified-search.max-results-per-request, default 25):
#: asking for more would get a short page that looks like the last one.
MAX_LIMIT = 25
CURSOR_MAX = 200  # core.contract.Cursor's max_length: a longer next_cursor could not be passed back

ProviderHelp = f"Provider id from {PROVIDERS_TOOL}, e.g. files"
Position = str | int  # a provider's own cursor, or an offset into a complete result


class Provider(BaseModel):
    id: str
    name: str


class Hit(BaseModel):
    provider: str
    title: str
    subline: str
    url: str
    path: str | None


@tool(
    PROVIDERS_TOOL, "List search providers", "List the unified-search providers (files, notes, mail, …).",
    app="core", read_only=True, idempotent=True,
)  # fmt: skip
async def search_list_providers(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Provider]:
    providers = await search_client(session(ctx)).providers()
    return page([Provider(id=p.id, name=p.name) for p in providers], limit, cursor)


@tool(
    "nc_search_query_items", "Unified search", "Search every app, or one provider, through Nextcloud's unified search.",
    app="core", read_only=True, idempotent=True,
)  # fmt: skip
async def search_query_items(
    ctx: Context,
    term: Annotated[str, Field(min_length=1, description="Words to find, e.g. budget 2026")],
    provider: Annotated[str | None, Field(min_length=1, description=ProviderHelp)] = None,
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Most hits per provider (1-25)")] = 10,
    cursor: Cursor = None,
) -> Page[Hit]:
    term = term.strip()
    if not term:
        raise InvalidInput("term is blank; give the words to search for.")
    client = search_client(session(ctx))
    cursor = cursor or None
    positions = _decode(cursor)
    if provider is not None:
        position = positions.get(provider)
        if position is None and len(positions) == 1:  # the cursor of this provider under its id (provider by name)
            [position] = positions.values()
        elif position is None and positions:
            raise InvalidInput(f"cursor is not a next_cursor of provider {provider}; omit it to start over.")
        pid, result = await _search_one(client, provider, term, limit, position)
        hits, more = _slice(pid, result, limit, position)
        total = None if result.is_paginated else len(result.entries)
        return Page[Hit](items=hits, next_cursor=_encode({pid: more} if more is not None else {}), total=total)
    pids = list(positions) if cursor is not None else [p.id for p in await client.providers()]
    results: dict[str, SearchResult] = {}
    gate = anyio.Semaphore(4)  # at most 4 providers at a time; one slow or failing app is skipped

    async def one(pid: str) -> None:
        async with gate:
            with contextlib.suppress(NextcloudError):
                results[pid] = await client.search(pid, term, limit, _own_cursor(positions.get(pid)))

    async with anyio.create_task_group() as tg:
        for pid in pids:
            tg.start_soon(one, pid)
    items: list[Hit] = []
    following: dict[str, Position] = {}
    for pid in pids:
        if pid in results:
            hits, more = _slice(pid, results[pid], limit, positions.get(pid))
            items.extend(hits)
            if more is not None:
                following[pid] = more
    return Page[Hit](items=items, next_cursor=_encode(following), total=None)


async def _search_one(
    client: SearchClient, provider: str, term: str, limit: int, position: Position | None
) -> tuple[str, SearchResult]:
    """Search one provider; a provider given by its name (or another case) is accepted, an unknown one refused
    with the valid ids (Nextcloud answers 404 or 400 for an unknown provider, depending on its version)."""
    try:
        return provider, await client.search(provider, term, limit, _own_cursor(position))
    except (NotFound, BadRequest):
        providers = await client.providers()
        wanted = provider.casefold()
        match = next((p.id for p in providers if wanted in (p.id.casefold(), p.name.casefold())), None)
        if match is None:
            ids = ", ".join(p.id for p in providers)
            raise InvalidInput(f"No search provider {provider!r}; use one of: {ids}.") from None
        if match == provider:
            raise  # the provider exists: its own failure
    return match, await client.search(match, term, limit, _own_cursor(position))


def _slice(pid: str, result: SearchResult, limit: int, position: Position | None) -> tuple[list[Hit], Position | None]:
    """This page's hits of one provider, and where that provider goes on (None when it has no more)."""
    if result.is_paginated:  # all entries: the provider's cursor goes on after the last one it sent
        entries = result.entries
        more: Position | None = str(result.cursor) if len(entries) >= limit and result.cursor is not None else None
    else:
        start = position if isinstance(position, int) else 0
        entries = result.entries[start : start + limit]
        more = start + limit if start + limit < len(result.entries) else None
    hits = [Hit(provider=pid, title=e.title, subline=e.subline, url=e.resource_url, path=e.path) for e in entries]
    return hits, more


def _own_cursor(position: Position | None) -> str | None:
    """The provider's own cursor to send (an offset into a complete result is ours, not the provider's)."""
    return position if isinstance(position, str) else None


def _encode(positions: dict[str, Position]) -> str | None:
    """The next_cursor for these providers (`files=c2&notes=o5`: `c` the provider's cursor, `o` our offset); the
    last providers are left out if it would not fit a cursor."""
    pairs = [(pid, f"o{v}" if isinstance(v, int) else f"c{v}") for pid, v in positions.items()]
    while pairs:
        text = urlencode(pairs)
        if len(text) <= CURSOR_MAX:
            return text
        pairs.pop()
    return None


def _decode(cursor: str | None) -> dict[str, Position]:
    if not cursor:
        return {}
    try:
        pairs = parse_qsl(cursor, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        pairs = []
    positions: dict[str, Position] = {}
    for pid, value in pairs:
        if value[:1] == "c":
            positions[pid] = value[1:]
        elif value[:1] == "o" and value[1:].isdigit():
            positions[pid] = int(value[1:])
    if not positions or len(positions) != len(pairs):
        raise InvalidInput(f"cursor {cursor!r} is not a next_cursor this tool returned; omit it to start over.")
    return positions


TOOLS: list[ToolSpec] = [search_list_providers, search_query_items]
