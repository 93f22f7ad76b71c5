"""Files tools around a file rather than its content: favorites, the trash, versions and comments."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.files.advice import saved_but_unread
from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.apps.files.models import (
    Comment,
    Done,
    FileInfo,
    FilePath,
    FileSummary,
    TrashItem,
    Version,
    file_info,
    files_page,
    when,
)
from nextcloud_mcp.core.confirm import Confirm, Confirmation, Deletion, Loss, confirmed, count
from nextcloud_mcp.core.contract import Cursor, Limit, Page, next_cursor, offset_of, page
from nextcloud_mcp.core.errors import InvalidInput, NextcloudError
from nextcloud_mcp.core.paths import normalize
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

TrashName = Annotated[str, Field(max_length=512, description="name from nc_files_list_trash, e.g. a.txt.d1764000000.")]


@tool(
    "nc_files_list_favorites",
    "List favorites",
    "List the user's favorite files and folders.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def list_favorites(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[FileSummary]:
    entries = await files_client(session(ctx)).favorites()
    return files_page(sorted(entries, key=lambda e: e.path.lower()), limit, cursor)


@tool(
    "nc_files_set_favorite",
    "Set favorite",
    "Mark or unmark a file or folder as favorite.",
    app="files",
    read_only=False,
    idempotent=True,
)
async def set_favorite(
    ctx: Context,
    path: FilePath,
    favorite: Annotated[bool, Field(description="false: remove the mark.")] = True,
) -> Done:
    await files_client(session(ctx)).set_favorite(path, favorite)
    return Done(path="/" + normalize(path), ok=True)


@tool(
    "nc_files_list_trash",
    "List trash",
    "List the items in the trash, with the names that restore or delete them.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def list_trash(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[TrashItem]:
    entries = await files_client(session(ctx)).trash_list()
    items = [
        TrashItem(
            name=e.path.removeprefix("trash/"),
            path="/" + (e.original_location or e.path.removeprefix("trash/")).strip("/"),
            deleted=when(e.deleted) or "",
            size=e.size or 0,
            folder=e.is_dir,
        )
        for e in entries
    ]
    items.sort(key=lambda t: t.deleted or "", reverse=True)
    return page(items, limit, cursor)


@tool(
    "nc_files_restore_trash",
    "Restore from trash",
    "Restore a trashed item to its original place.",
    app="files",
    read_only=False,
)
async def restore_trash(ctx: Context, name: TrashName) -> Done:
    await files_client(session(ctx)).trash_restore(name)
    return Done(path=name, ok=True)


def _size(n: int) -> str:
    value, unit = float(n), "bytes"
    for bigger in ("KiB", "MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{n} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


async def _trash_loss(ctx: Context, name: str | None, all: bool) -> Loss:
    """Emptying the whole trash is confirmed (what is in it, newest first); deleting one item is not."""
    if not all:
        return Loss(f"the trashed item {name!r}", ask=False)
    entries = sorted(await files_client(session(ctx)).trash_list(), key=lambda e: e.deleted or "", reverse=True)
    if not entries:
        return Loss("the whole trash, which was empty", ask=False)
    total = sum(e.size or 0 for e in entries)
    names = tuple((e.original_location or e.path).rstrip("/").rsplit("/", 1)[-1] for e in entries)
    return Loss("the whole trash", (count(len(entries), "item"), f"{_size(total)} in all"), names)


_CONFIRM_EMPTY = confirmed("nc_files_delete_trash", _trash_loss)


@tool(
    "nc_files_delete_trash",
    "Delete from trash",
    "Delete a trashed item for good, or empty the whole trash (all=true).",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_trash(
    ctx: Context,
    confirmation: Annotated[Confirmation, _CONFIRM_EMPTY],
    name: Annotated[
        str | None, Field(max_length=512, description="name from nc_files_list_trash; omit with all=true.")
    ] = None,
    all: Annotated[bool, Field(description="true: empty the whole trash.")] = False,
    confirm: Confirm = False,
) -> Deletion:
    if not name and not all:
        raise InvalidInput("Give the trashed item's name (from nc_files_list_trash), or all=true to empty the trash.")
    done = confirmation.require(confirm)
    await files_client(session(ctx)).trash_delete(None if all else name)
    return done


@tool(
    "nc_files_list_versions",
    "List versions",
    "List a file's earlier versions, newest first.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def list_versions(ctx: Context, path: FilePath, limit: Limit = 50, cursor: Cursor = None) -> Page[Version]:
    _, versions = await files_client(session(ctx)).versions(path)
    items = [
        Version(version=v.path.rpartition("/")[2], modified=when(v.modified) or "", size=v.size or 0) for v in versions
    ]
    items.sort(key=lambda v: v.modified or "", reverse=True)
    return page(items, limit, cursor)


@tool(
    "nc_files_restore_version",
    "Restore a version",
    "Make an earlier version the current content of a file (the current one becomes a version).",
    app="files",
    read_only=False,
    destructive=True,
)
async def restore_version(
    ctx: Context,
    path: FilePath,
    version: Annotated[str, Field(max_length=100, description="version from nc_files_list_versions.")],
) -> FileInfo:
    client = files_client(session(ctx))
    await client.version_restore(path, version)
    try:
        return file_info(await client.stat(path))
    except NextcloudError as exc:
        raise saved_but_unread(exc, path, f"Version {version} of {path} was restored") from None


@tool(
    "nc_files_list_comments",
    "List comments",
    "List the comments on a file, newest first.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def list_comments(ctx: Context, path: FilePath, limit: Limit = 50, cursor: Cursor = None) -> Page[Comment]:
    offset = offset_of(cursor)
    found = await files_client(session(ctx)).comments(path, limit, offset)
    items = [
        Comment(id=c["id"], author=c["author"], message=c["message"], created=when(c["created"] or None) or "")
        for c in found
    ]
    return Page[Comment](items=items, next_cursor=next_cursor(offset, len(items), None, limit), total=None)


@tool("nc_files_add_comment", "Comment on a file", "Add a comment to a file.", app="files", read_only=False)
async def add_comment(
    ctx: Context,
    path: FilePath,
    message: Annotated[str, Field(min_length=1, max_length=1000, description="Comment text.")],
) -> Done:
    await files_client(session(ctx)).comment_add(path, message)
    return Done(path="/" + normalize(path), ok=True)


TOOLS: list[ToolSpec] = [
    list_favorites,
    set_favorite,
    list_trash,
    restore_trash,
    delete_trash,
    list_versions,
    restore_version,
    list_comments,
    add_comment,
]
