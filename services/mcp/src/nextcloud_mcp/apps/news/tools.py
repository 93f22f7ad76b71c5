"""News tools (`nc_news_*`): feeds, folders and articles of the News app (API v1.3).

Renames, moves and read/star marks carry no version in the API (nextcloud/news lib/Controller/*ApiController.php
answer `[]` or nothing), so the update tools take no etag (tests/unit/server/test_contract.py `NO_ETAG`).
`nc_news_list_items since=…` is the daily digest: `GET /items/updated?lastModified=` returns every article new or
changed (read, starred) since then.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.news.client import ALL_ITEMS, FEED, FOLDER, STARRED, NewsClient, news_client
from nextcloud_mcp.core.contract import Cursor, Limit, Page, iso, offset_of, page
from nextcloud_mcp.core.errors import InvalidInput, NotFound
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

FolderId = Annotated[int, Field(ge=1, description="Folder id from nc_news_list_folders")]
FeedId = Annotated[int, Field(ge=1, description="Feed id from nc_news_list_feeds")]
Target = Annotated[int | None, Field(ge=0, description="Folder id from nc_news_list_folders; 0: top level")]
Name = Annotated[str, Field(min_length=1, max_length=250, description="Folder name")]
MarkRead = Annotated[bool, Field(description="Mark all its articles read")]
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class Folder(BaseModel):
    id: int
    name: str


class Feed(BaseModel):
    id: int
    title: str
    url: str
    link: str | None
    folder_id: int | None
    unread_count: int
    added: str | None


class Item(BaseModel):
    id: int
    feed_id: int
    title: str
    url: str | None
    author: str | None
    published: str | None
    modified: str | None
    unread: bool
    starred: bool
    excerpt: str
    body: str | None


class Deleted(BaseModel):
    id: int
    deleted: bool


class Marked(BaseModel):
    item_ids: list[int]
    read: bool | None
    starred: bool | None


def _client(ctx: Context) -> NewsClient:
    return news_client(session(ctx))


def _feed(f: dict[str, Any]) -> Feed:
    return Feed(
        id=int(f["id"]), title=str(f.get("title") or ""), url=str(f.get("url") or ""), link=f.get("link"),
        folder_id=f.get("folderId") or None, unread_count=int(f.get("unreadCount") or 0),
        added=iso(f["added"]) if f.get("added") else None,
    )  # fmt: skip


def _item(i: dict[str, Any], full: bool) -> Item:
    body = str(i.get("body") or "")
    text = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", body))).strip()
    return Item(
        id=int(i["id"]), feed_id=int(i.get("feedId") or 0), title=str(i.get("title") or ""), url=i.get("url"),
        author=i.get("author"), published=iso(i["pubDate"]) if i.get("pubDate") else None,
        modified=iso(int(i["lastModified"])) if i.get("lastModified") else None, unread=bool(i.get("unread")),
        starred=bool(i.get("starred")), excerpt=text[:280], body=body if full else None,
    )  # fmt: skip


async def _current_feed(client: NewsClient, feed_id: int) -> Feed:
    for f in (await client.feeds()).get("feeds") or []:
        if int(f.get("id", 0)) == feed_id:
            return _feed(f)
    raise NotFound(f"Feed {feed_id} does not exist (or is not this user's); nc_news_list_feeds lists them.")


async def _current_folder(client: NewsClient, folder_id: int) -> Folder:
    for f in await client.folders():
        if int(f.get("id", 0)) == folder_id:
            return Folder(id=folder_id, name=str(f.get("name") or ""))
    raise NotFound(f"Folder {folder_id} does not exist (or is not this user's); nc_news_list_folders lists them.")


@tool(
    "nc_news_list_folders", "List news folders", "List the user's News folders.",
    app="news", read_only=True, idempotent=True,
)  # fmt: skip
async def news_list_folders(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Folder]:
    folders = [Folder(id=int(f["id"]), name=str(f.get("name") or "")) for f in await _client(ctx).folders()]
    return page(folders, limit, cursor)


@tool("nc_news_create_folder", "Create a news folder", "Create a News folder.", app="news", read_only=False)
async def news_create_folder(ctx: Context, name: Name) -> Folder:
    made = await _client(ctx).create_folder(name)
    return Folder(id=int(made["id"]), name=str(made.get("name") or name))


@tool(
    "nc_news_update_folder", "Update a news folder", "Rename a News folder and/or mark all its articles read.",
    app="news", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def news_update_folder(
    ctx: Context, folder_id: FolderId, name: Name | None = None, mark_read: MarkRead = False
) -> Folder:
    client = _client(ctx)
    if name is not None:
        await client.rename_folder(folder_id, name)
    folder = await _current_folder(client, folder_id)
    if mark_read and (newest := (await client.feeds()).get("newestItemId")) is not None:
        await client.read_folder(folder_id, int(newest))
    return folder


@tool(
    "nc_news_delete_folder", "Delete a news folder", "Delete a News folder and the feeds in it.",
    app="news", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def news_delete_folder(ctx: Context, folder_id: FolderId) -> Deleted:
    await _client(ctx).delete_folder(folder_id)
    return Deleted(id=folder_id, deleted=True)


@tool(
    "nc_news_list_feeds", "List news feeds", "List subscribed feeds by title, with unread counts.",
    app="news", read_only=True, idempotent=True,
)  # fmt: skip
async def news_list_feeds(
    ctx: Context, folder_id: Target = None, limit: Limit = 100, cursor: Cursor = None
) -> Page[Feed]:
    feeds = [_feed(f) for f in (await _client(ctx).feeds()).get("feeds") or []]
    if folder_id is not None:
        feeds = [f for f in feeds if (f.folder_id or 0) == folder_id]
    return page(feeds, limit, cursor)


@tool(
    "nc_news_create_feed", "Subscribe to a feed",
    "Subscribe to an RSS/Atom feed (or a page linking to one); its articles are fetched at once.",
    app="news", read_only=False,
)  # fmt: skip
async def news_create_feed(
    ctx: Context,
    url: Annotated[str, Field(min_length=1, max_length=4000, description="e.g. https://example.org/feed.xml")],
    folder_id: Target = None,
) -> Feed:
    client = _client(ctx)
    made = await client.create_feed(url, folder_id or None)
    return await _current_feed(client, int(made["id"]))


@tool(
    "nc_news_update_feed", "Update a news feed",
    "Rename a feed, move it to a folder and/or mark all its articles read.",
    app="news", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def news_update_feed(
    ctx: Context,
    feed_id: FeedId,
    title: Annotated[str | None, Field(min_length=1, max_length=250, description="New title")] = None,
    folder_id: Target = None,
    mark_read: MarkRead = False,
) -> Feed:
    client = _client(ctx)
    if title is not None:
        await client.rename_feed(feed_id, title)
    if folder_id is not None:
        await client.move_feed(feed_id, folder_id or None)
    if mark_read and (newest := (await client.feeds()).get("newestItemId")) is not None:
        await client.read_feed(feed_id, int(newest))
    return await _current_feed(client, feed_id)


@tool(
    "nc_news_delete_feed", "Unsubscribe from a feed", "Unsubscribe from a feed; its articles are deleted.",
    app="news", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def news_delete_feed(ctx: Context, feed_id: FeedId) -> Deleted:
    await _client(ctx).delete_feed(feed_id)
    return Deleted(id=feed_id, deleted=True)


def _since(value: str) -> int:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"since {value!r} is not an ISO 8601 time such as 2026-12-04T08:00:00+00:00.") from None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


@tool(
    "nc_news_list_items", "List news articles",
    "List articles newest first: all, a feed's or folder's, unread or starred; since= gives what is new or changed.",
    app="news", read_only=True, idempotent=True,
)  # fmt: skip
async def news_list_items(
    ctx: Context,
    feed_id: Annotated[int | None, Field(ge=1, description="Only this feed (nc_news_list_feeds)")] = None,
    folder_id: Target = None,
    unread_only: Annotated[bool, Field(description="Only unread articles")] = False,
    starred_only: Annotated[bool, Field(description="Only starred articles")] = False,
    since: Annotated[
        str | None, Field(max_length=40, description="ISO time, e.g. 2026-12-04T08:00:00+00:00: new or changed since")
    ] = None,
    oldest_first: Annotated[bool, Field(description="Oldest first")] = False,
    full_text: Annotated[bool, Field(description="Include each article's HTML body")] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Item]:
    if feed_id is not None and folder_id is not None:
        raise InvalidInput("Give feed_id or folder_id, not both.")
    kind, of = (
        (FEED, feed_id) if feed_id is not None else (FOLDER, folder_id) if folder_id is not None else (ALL_ITEMS, 0)
    )
    if starred_only and kind == ALL_ITEMS:
        kind = STARRED
    client = _client(ctx)
    local = since is not None or (starred_only and kind != STARRED)
    if not local:  # the API pages: offset is the last item id seen
        start = offset_of(cursor)
        found = await client.items(
            kind=kind, of=of, unread_only=unread_only, batch=limit, offset=start, oldest_first=oldest_first
        )
        items = [_item(i, full_text) for i in found]
        nxt = str(items[-1].id) if len(items) == limit else None
        return Page[Item](items=items, next_cursor=nxt, total=None)
    if since is not None:
        found = await client.updated(kind=kind, of=of, since=_since(since))
    else:
        found = await client.items(kind=kind, of=of, unread_only=False, batch=-1, offset=0, oldest_first=False)
    chosen = [i for i in found if (i.get("unread") or not unread_only) and (i.get("starred") or not starred_only)]
    chosen.sort(key=lambda i: int(i["id"]), reverse=not oldest_first)
    return page([_item(i, full_text) for i in chosen], limit, cursor)


@tool(
    "nc_news_update_items", "Mark news articles", "Mark articles read or unread, starred or unstarred.",
    app="news", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def news_update_items(
    ctx: Context,
    item_ids: Annotated[list[int], Field(min_length=1, max_length=1000, description="Ids from nc_news_list_items")],
    read: Annotated[bool | None, Field(description="true: read, false: unread")] = None,
    starred: Annotated[bool | None, Field(description="true: star, false: unstar")] = None,
) -> Marked:
    if read is None and starred is None:
        raise InvalidInput("Pass read and/or starred: what should change on these articles?")
    client = _client(ctx)
    ids = list(dict.fromkeys(item_ids))
    if read is not None:
        await client.mark(ids, "read" if read else "unread")
    if starred is not None:
        await client.mark(ids, "star" if starred else "unstar")
    return Marked(item_ids=ids, read=read, starred=starred)


TOOLS: list[ToolSpec] = [
    news_list_folders,
    news_create_folder,
    news_update_folder,
    news_delete_folder,
    news_list_feeds,
    news_create_feed,
    news_update_feed,
    news_delete_feed,
    news_list_items,
    news_update_items,
]
