"""Collectives tools (`nc_collectives_*`): the page tree, Markdown content guarded by the file's etag, trash.

A collective is named by id or name, a page by id, path (`/Guide/Setup`) or title; an unknown or ambiguous one is
answered with the valid values. Content goes over WebDAV with `If-Match` (client.py), metadata over the OCS API.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.collectives.client import (
    GET_TOOL,
    LIST_COLLECTIVES_TOOL,
    LIST_PAGES_TOOL,
    Collective,
    CollectivesClient,
    PageInfo,
    collectives_client,
)
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, iso, require_etag
from nextcloud_mcp.core.contract import page as paged
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NotFound
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

UPDATE_TOOL = "nc_collectives_update_page"
CollectiveRef = Annotated[
    str, Field(min_length=1, max_length=200, description=f"Collective id or name, from {LIST_COLLECTIVES_TOOL}")
]
PageRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description=f"Page id, path (/Guide/Setup; / = landing) or title, from {LIST_PAGES_TOOL}",
    ),
]
APP = "collectives"


class CollectiveSummary(BaseModel):
    id: int
    name: str
    emoji: str | None
    can_edit: bool


class PageSummary(BaseModel):
    id: int
    title: str
    path: str
    parent_id: int | None
    modified: str
    size: int
    tags: list[str]
    trashed: str | None


class PageDetail(BaseModel):
    id: int
    collective_id: int
    title: str
    path: str
    file: str
    parent_id: int | None
    modified: str
    size: int
    tags: list[str]
    content: str
    etag: str


async def _collective(client: CollectivesClient, ref: str) -> Collective:
    known = await client.collectives()
    wanted = ref.strip()
    for c in known:
        if str(c.id) == wanted or c.name.casefold() == wanted.casefold():
            return c
    names = ", ".join(f"{c.name} (id {c.id})" for c in known) or "none"
    raise NotFound(f"No collective {ref!r} for this user; theirs: {names}. See {LIST_COLLECTIVES_TOOL}.")


def _resolve(pages: list[PageInfo], ref: str, where: str) -> PageInfo:
    wanted = ref.strip()
    by_id = [p for p in pages if str(p.id) == wanted]
    if by_id:
        return by_id[0]
    folded = wanted.casefold()
    path = "/" + folded.strip("/") if folded != "/" else "/"
    for match in (
        [p for p in pages if p.page_path.casefold() == path],
        [p for p in pages if p.title.casefold() == folded],
    ):
        if len(match) == 1:
            return match[0]
        if match:
            options = "; ".join(f"{p.page_path} (id {p.id})" for p in match)
            raise InvalidInput(f"page {ref!r} matches several pages: {options}. Pass one id.")
    options = "; ".join(f"{p.page_path} (id {p.id})" for p in pages[:30]) or "none"
    raise NotFound(f"No page {ref!r} in {where}; pages: {options}. See {LIST_PAGES_TOOL}.")


def _tag_names(client_tags: dict[int, str], ids: list[int]) -> list[str]:
    return [client_tags.get(i, str(i)) for i in ids]


def _summary(p: PageInfo, tags: dict[int, str]) -> PageSummary:
    return PageSummary(
        id=p.id, title=p.title, path=p.page_path, parent_id=p.parent_id or None, modified=iso(p.timestamp) or "",
        size=p.size, tags=_tag_names(tags, p.tags), trashed=iso(p.trash_timestamp) if p.trash_timestamp else None,
    )  # fmt: skip


async def _detail(client: CollectivesClient, c: Collective, p: PageInfo) -> PageDetail:
    file = client.file_of(c, p)
    content, etag = await client.read(file)
    tags = {t.id: t.name for t in await client.tags(c.id)} if p.tags else {}
    return PageDetail(
        id=p.id, collective_id=c.id, title=p.title, path=p.page_path, file="/" + file, parent_id=p.parent_id or None,
        modified=iso(p.timestamp) or "", size=p.size, tags=_tag_names(tags, p.tags), content=content, etag=etag,
    )  # fmt: skip


@tool(
    LIST_COLLECTIVES_TOOL, "List collectives", "List the collectives (team wikis) I am a member of.",
    app=APP, read_only=True, idempotent=True,
)  # fmt: skip
async def collectives_list_collectives(
    ctx: Context, limit: Limit = 50, cursor: Cursor = None
) -> Page[CollectiveSummary]:
    found = await collectives_client(session(ctx)).collectives()
    items = [CollectiveSummary(id=c.id, name=c.name, emoji=c.emoji, can_edit=c.can_edit) for c in found]
    return paged(items, limit, cursor)


@tool(
    LIST_PAGES_TOOL, "List pages", "List a collective's page tree (parents before children), or its trash.",
    app=APP, read_only=True, idempotent=True,
)  # fmt: skip
async def collectives_list_pages(
    ctx: Context,
    collective: CollectiveRef,
    trashed: Annotated[bool, Field(description="List the trashed pages instead")] = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[PageSummary]:
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    pages = await client.pages(c.id, trashed=trashed)
    tags = {t.id: t.name for t in await client.tags(c.id)} if any(p.tags for p in pages) else {}
    return paged([_summary(p, tags) for p in pages], limit, cursor)


@tool(GET_TOOL, "Get a page", "Get a page's Markdown and its etag.", app=APP, read_only=True, idempotent=True)
async def collectives_get_page(ctx: Context, collective: CollectiveRef, page: PageRef) -> PageDetail:
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    return await _detail(client, c, _resolve(await client.pages(c.id), page, c.name))


@tool(
    "nc_collectives_create_page", "Create a page", "Create a page (under parent, default the landing page).",
    app=APP, read_only=False,
)  # fmt: skip
async def collectives_create_page(
    ctx: Context,
    collective: CollectiveRef,
    title: Annotated[str, Field(min_length=1, max_length=200, description="Title; a taken one gets ' (2)'")],
    content: Annotated[str, Field(description="Markdown")] = "",
    parent: Annotated[str | None, Field(description=f"Parent page id, path or title ({LIST_PAGES_TOOL})")] = None,
) -> PageDetail:
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    parent_id = _resolve(await client.pages(c.id), parent, c.name).id if parent else 0
    created = await client.create(c.id, parent_id, title)
    if content:
        file = client.file_of(c, created)
        _, etag = await client.read(file)
        await client.write(file, content, etag)
        created = await client.page(c.id, created.id)
    return await _detail(client, c, created)


@tool(
    UPDATE_TOOL, "Update a page", "Replace a page's Markdown (needs its etag), rename it or move it.",
    app=APP, read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def collectives_update_page(
    ctx: Context,
    collective: CollectiveRef,
    page: PageRef,
    etag: Etag = None,
    force: Force = False,
    content: Annotated[str | None, Field(description="New Markdown, replaces all")] = None,
    title: Annotated[str | None, Field(min_length=1, max_length=200, description="New title")] = None,
    parent: Annotated[str | None, Field(description="Move under this page (id, path or title)")] = None,
    tags: Annotated[list[str] | None, Field(description="Tag names, replacing all; new ones are created")] = None,
) -> PageDetail:
    if content is None and title is None and parent is None and tags is None:
        raise InvalidInput("Nothing to update: give content, title, parent or tags.")
    require_etag(etag, force, what="page", get_tool=GET_TOOL)
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    pages = await client.pages(c.id)
    target = _resolve(pages, page, c.name)
    file = client.file_of(c, target)
    if content is not None:
        await client.write(file, content, None if force else etag)
    elif etag and not force:
        _, current = await client.read(file)
        if current != etag.strip('"'):
            raise Conflict(
                f"Page {target.id} changed since etag {etag} was read (now {current}); nothing was changed. "
                f"Re-read it with {GET_TOOL} and retry with the new etag."
            )
    if tags is not None:
        await _set_tags(client, c, target, tags)
    if title is not None or parent is not None:
        parent_id = _resolve(pages, parent, c.name).id if parent else None
        await client.move(c.id, target.id, parent_id=parent_id, title=title)
    return await _detail(client, c, await client.page(c.id, target.id))


async def _set_tags(client: CollectivesClient, c: Collective, target: PageInfo, names: list[str]) -> None:
    known = {t.name.casefold(): t for t in await client.tags(c.id)}
    wanted: list[int] = []
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        tag = known.get(name.casefold()) or await client.create_tag(c.id, name)
        wanted.append(tag.id)
    for tag_id in [i for i in target.tags if i not in wanted]:
        await client.set_tag(c.id, target.id, tag_id, on=False)
    for tag_id in [i for i in wanted if i not in target.tags]:
        await client.set_tag(c.id, target.id, tag_id, on=True)


@tool(
    "nc_collectives_delete_page", "Delete a page",
    "Move a page and its sub-pages to the collective's trash (nc_collectives_restore_page brings it back).",
    app=APP, read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def collectives_delete_page(ctx: Context, collective: CollectiveRef, page: PageRef) -> PageSummary:
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    target = _resolve(await client.pages(c.id), page, c.name)
    trashed = await client.trash(c.id, target.id)
    return _summary(trashed, {})


@tool(
    "nc_collectives_restore_page", "Restore a page", "Restore a trashed page (with its sub-pages) to its place.",
    app=APP, read_only=False,
)  # fmt: skip
async def collectives_restore_page(
    ctx: Context,
    collective: CollectiveRef,
    page: Annotated[str, Field(min_length=1, description=f"Trashed page id or title ({LIST_PAGES_TOOL} trashed=true)")],
) -> PageDetail:
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    target = _resolve(await client.pages(c.id, trashed=True), page, f"the trash of {c.name}")
    return await _detail(client, c, await client.restore(c.id, target.id))


@tool(
    "nc_collectives_search_pages", "Search pages", "Search a collective's pages by words in title and content.",
    app=APP, read_only=True, idempotent=True,
)  # fmt: skip
async def collectives_search_pages(
    ctx: Context,
    collective: CollectiveRef,
    query: Annotated[str, Field(min_length=1, max_length=500, description="Words to find")],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[PageSummary]:
    client = collectives_client(session(ctx))
    c = await _collective(client, collective)
    found = await client.search(c.id, query)
    tags = {t.id: t.name for t in await client.tags(c.id)} if any(p.tags for p in found) else {}
    return paged([_summary(p, tags) for p in found], limit, cursor)


TOOLS: list[ToolSpec] = [
    collectives_list_collectives,
    collectives_list_pages,
    collectives_get_page,
    collectives_create_page,
    collectives_update_page,
    collectives_delete_page,
    collectives_restore_page,
    collectives_search_pages,
]
