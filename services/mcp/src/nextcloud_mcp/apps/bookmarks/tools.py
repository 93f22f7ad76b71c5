"""Bookmark tools (`nc_bookmarks_*`): bookmarks, folders and tags of the Bookmarks app.

The API has no version check, so a bookmark's etag here is a digest of what `nc_bookmarks_get_bookmark` shows
(`bookmark_etag`), compared just before an update. Bookmarks accepts HTTP Basic (app passwords) only: in OAuth mode
every call fails with an error that says so (nextcloud/bookmarks lib/Service/Authorizer.php).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.bookmarks.client import BookmarksClient, bookmarks_client
from nextcloud_mcp.core.contract import (
    Cursor,
    Etag,
    Force,
    Limit,
    Page,
    iso,
    next_cursor,
    offset_of,
    page,
    require_etag,
)
from nextcloud_mcp.core.errors import Conflict, InvalidInput
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS", "bookmark_etag"]

GET_TOOL = "nc_bookmarks_get_bookmark"
BookmarkId = Annotated[int, Field(ge=1, description="Bookmark id from nc_bookmarks_list_bookmarks")]
Url = Annotated[str, Field(min_length=1, max_length=4000, description="e.g. https://example.org/page")]
Tags = Annotated[list[str] | None, Field(description="Tag names, e.g. ['news', 'read-later']")]
Folders = Annotated[
    list[int] | None, Field(description="Folder ids from nc_bookmarks_list_folders; -1 is the top level")
]
Text = Annotated[str | None, Field(max_length=10000, description="Note on the bookmark")]


class Bookmark(BaseModel):
    id: int
    etag: str
    url: str
    title: str
    description: str
    tags: list[str]
    folders: list[int]
    added: str | None
    modified: str | None


class Folder(BaseModel):
    id: int
    title: str
    parent: int
    path: str


class Tag(BaseModel):
    name: str
    count: int


class Deleted(BaseModel):
    id: int
    deleted: bool


def bookmark_etag(item: dict[str, Any]) -> str:
    """A digest of a bookmark's fields as the API shows them: any change gives another value."""
    keys = ("id", "url", "target", "title", "description", "tags", "folders", "lastmodified")
    text = json.dumps({k: item.get(k) for k in keys}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _bookmark(item: dict[str, Any]) -> Bookmark:
    return Bookmark(
        id=int(item.get("id") or 0),
        etag=bookmark_etag(item),
        url=str(item.get("target") or item.get("url") or ""),
        title=str(item.get("title") or ""),
        description=str(item.get("description") or ""),
        tags=[str(t) for t in item.get("tags") or []],
        folders=[int(f) for f in item.get("folders") or []],
        added=iso(item["added"]) if item.get("added") else None,
        modified=iso(item["lastmodified"]) if item.get("lastmodified") else None,
    )


def _client(ctx: Context) -> BookmarksClient:
    return bookmarks_client(session(ctx))


@tool(
    "nc_bookmarks_list_bookmarks", "List bookmarks",
    "List bookmarks, newest first: all, or those matching words, all given tags, a URL or a folder.",
    app="bookmarks", read_only=True, idempotent=True,
)  # fmt: skip
async def bookmarks_list_bookmarks(
    ctx: Context,
    query: Annotated[str | None, Field(max_length=500, description="Words in URL/title/note/tags")] = None,
    match_all: Annotated[bool, Field(description="Every word must match (default: any)")] = False,
    tags: Annotated[list[str] | None, Field(description="Only bookmarks with all these tags")] = None,
    url: Annotated[str | None, Field(max_length=4000, description="Exactly this URL (is it bookmarked?)")] = None,
    folder_id: Annotated[int | None, Field(description="Directly in this folder (nc_bookmarks_list_folders)")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Bookmark]:
    start = offset_of(cursor)
    aligned = start % limit == 0  # the API pages by page x limit; an unaligned cursor reads from the start
    found = await _client(ctx).find(
        page=start // limit if aligned else 0, limit=limit if aligned else start + limit,
        tags=tags, words=(query or "").split(), match_all=match_all, url=url, folder=folder_id,
    )  # fmt: skip
    items = [_bookmark(b) for b in (found if aligned else found[start:])]
    return Page[Bookmark](items=items, next_cursor=next_cursor(start, len(items), None, limit), total=None)


@tool(
    GET_TOOL, "Get a bookmark", "Get one bookmark with its tags, folders and etag.",
    app="bookmarks", read_only=True, idempotent=True,
)  # fmt: skip
async def bookmarks_get_bookmark(ctx: Context, bookmark_id: BookmarkId) -> Bookmark:
    return _bookmark(await _client(ctx).get(bookmark_id))


@tool(
    "nc_bookmarks_create_bookmark", "Create a bookmark",
    "Bookmark a URL; an already bookmarked URL is updated instead (tags and folders added).",
    app="bookmarks", read_only=False,
)  # fmt: skip
async def bookmarks_create_bookmark(
    ctx: Context,
    url: Url,
    title: Annotated[str | None, Field(max_length=4000, description="Title; default: none")] = None,
    description: Text = None,
    tags: Tags = None,
    folder_ids: Folders = None,
) -> Bookmark:
    fields: dict[str, Any] = {"url": url, "title": title, "description": description, "tags": tags}
    if folder_ids:
        fields["folders"] = folder_ids
    return _bookmark(await _client(ctx).create({k: v for k, v in fields.items() if v is not None}))


@tool(
    "nc_bookmarks_update_bookmark", "Update a bookmark",
    "Change the given fields of a bookmark (needs its etag); tags and folder_ids replace the old lists.",
    app="bookmarks", read_only=False, destructive=True,
)  # fmt: skip
async def bookmarks_update_bookmark(
    ctx: Context,
    bookmark_id: BookmarkId,
    etag: Etag = None,
    force: Force = False,
    url: Annotated[str | None, Field(min_length=1, max_length=4000, description="New URL")] = None,
    title: Annotated[str | None, Field(max_length=4000, description="New title")] = None,
    description: Text = None,
    tags: Tags = None,
    folder_ids: Folders = None,
) -> Bookmark:
    require_etag(etag, force, what="bookmark", get_tool=GET_TOOL)
    if folder_ids is not None and not folder_ids:
        raise InvalidInput("folder_ids must name at least one folder (-1: top level); nc_bookmarks_delete_bookmark "
                           "deletes a bookmark.")  # fmt: skip
    client = _client(ctx)
    current = await client.get(bookmark_id)
    now = bookmark_etag(current)
    if etag and etag.strip().strip('"') != now:
        raise Conflict(
            f"Bookmark {bookmark_id} changed since you read it (etag {etag}, now {now}); nothing was changed. Read "
            f"it again with {GET_TOOL} and re-apply your change.",
            current=now,
        )
    fields = {"url": url, "title": title, "description": description, "tags": tags, "folders": folder_ids}
    item = await client.update(bookmark_id, {k: v for k, v in fields.items() if v is not None})
    return _bookmark(item if item is not None else await client.get(bookmark_id))


@tool(
    "nc_bookmarks_delete_bookmark", "Delete a bookmark", "Delete a bookmark from all its folders.",
    app="bookmarks", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def bookmarks_delete_bookmark(ctx: Context, bookmark_id: BookmarkId) -> Deleted:
    client = _client(ctx)
    await client.get(bookmark_id)  # the API answers success for a missing id; report it as not found instead
    await client.delete(bookmark_id)
    return Deleted(id=bookmark_id, deleted=True)


def _flatten(folders: list[dict[str, Any]], parent: int, prefix: str) -> list[Folder]:
    out: list[Folder] = []
    for f in folders:
        path = f"{prefix}/{f.get('title', '')}"
        out.append(Folder(id=int(f["id"]), title=str(f.get("title", "")), parent=parent, path=path))
        out += _flatten(list(f.get("children") or []), int(f["id"]), path)
    return out


@tool(
    "nc_bookmarks_list_folders", "List bookmark folders",
    "List all bookmark folders with their paths (the top level is folder -1).",
    app="bookmarks", read_only=True, idempotent=True,
)  # fmt: skip
async def bookmarks_list_folders(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Folder]:
    return page(_flatten(await _client(ctx).folders(), -1, ""), limit, cursor)


@tool(
    "nc_bookmarks_create_folder", "Create a bookmark folder", "Create a bookmark folder.",
    app="bookmarks", read_only=False,
)  # fmt: skip
async def bookmarks_create_folder(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, max_length=4000, description="Folder name")],
    parent_id: Annotated[int, Field(description="Parent from nc_bookmarks_list_folders; -1: top level")] = -1,
) -> Folder:
    client = _client(ctx)
    item = await client.create_folder(title, parent_id)
    known = {f.id: f for f in _flatten(await client.folders(), -1, "")}
    return known.get(int(item["id"])) or Folder(id=int(item["id"]), title=title, parent=parent_id, path=f"/{title}")


@tool(
    "nc_bookmarks_list_tags", "List bookmark tags", "List bookmark tags with how many bookmarks carry each.",
    app="bookmarks", read_only=True, idempotent=True,
)  # fmt: skip
async def bookmarks_list_tags(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Tag]:
    tags = [Tag(name=str(t.get("name", "")), count=int(t.get("count") or 0)) for t in await _client(ctx).tags()]
    return page(tags, limit, cursor)


TOOLS: list[ToolSpec] = [
    bookmarks_list_bookmarks,
    bookmarks_get_bookmark,
    bookmarks_create_bookmark,
    bookmarks_update_bookmark,
    bookmarks_delete_bookmark,
    bookmarks_list_folders,
    bookmarks_create_folder,
    bookmarks_list_tags,
]
