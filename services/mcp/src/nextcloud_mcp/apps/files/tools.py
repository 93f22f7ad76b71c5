"""Files tools (`nc_files_*`): WebDAV browse/read/write, search, favourites, trash, versions, comments, transfers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.dav import DavEntry
from nextcloud_mcp.core.tool import ToolSpec, session, settings, tool

__all__ = ["TOOLS"]

MAX_READ_BYTES = 512 * 1024

FilePath = Annotated[str, Field(max_length=4096, description="Relative to the user's root.")]
Limit = Annotated[int, Field(ge=1, le=1000)]
Offset = Annotated[int, Field(ge=0)]


class FileSummary(BaseModel):
    # "" / 0 stand for unknown: non-null fields keep tools/list small
    path: str
    dir: bool
    size: int
    modified: str
    etag: str
    id: int
    perms: str
    fav: bool
    mime: str


class FileList(BaseModel):
    items: list[FileSummary]
    total: int
    next_offset: int | None


class FileText(BaseModel):
    path: str
    etag: str
    mime: str
    text: str | None
    note: str | None


class Done(BaseModel):
    path: str
    ok: bool


class TrashItem(BaseModel):
    name: str
    original: str
    deleted: str
    size: int
    dir: bool


class Version(BaseModel):
    version: str
    modified: str
    size: int


class Comment(BaseModel):
    id: str
    author: str
    message: str
    created: str


class Transfer(BaseModel):
    path: str
    etag: str
    local_path: str
    bytes: int


def _s(e: DavEntry) -> FileSummary:
    return FileSummary(
        path=e.path,
        dir=e.is_dir,
        size=e.size or 0,
        modified=e.modified or "",
        etag=e.etag or "",
        id=e.file_id or 0,
        perms=e.permissions or "",
        fav=e.favorite,
        mime="" if e.is_dir else e.content_type or "",
    )


def _local(ctx: Context, local_path: str) -> Path:
    """Local paths are only meaningful when the server runs on the user's machine (stdio)."""
    if settings(ctx).mcp_transport != "stdio":
        raise ToolError("Local file transfer is only available when the server runs over stdio (on your machine).")
    path = Path(local_path).expanduser()
    if not path.is_absolute():
        raise ToolError("local_path must be an absolute path.")
    return path


@tool(
    "nc_files_list",
    "List a folder",
    "List a folder's files and subfolders.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_list(ctx: Context, path: FilePath = "", limit: Limit = 200, offset: Offset = 0) -> FileList:
    _, children = await files_client(session(ctx)).list_folder(path)
    children.sort(key=lambda e: (not e.is_dir, e.path.lower()))
    page = children[offset : offset + limit]
    nxt = offset + limit if offset + limit < len(children) else None
    return FileList(items=[_s(e) for e in page], total=len(children), next_offset=nxt)


@tool(
    "nc_files_get",
    "Get file info",
    "Get one file's or folder's metadata (size, etag, id, permissions).",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_get(ctx: Context, path: FilePath) -> FileSummary:
    return _s(await files_client(session(ctx)).stat(path))


@tool(
    "nc_files_read",
    "Read a text file",
    "Read a text file (up to 512 KiB); binary files return metadata only.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_read(ctx: Context, path: FilePath) -> FileText:
    got = await files_client(session(ctx)).read_text(path, MAX_READ_BYTES)
    e = got.entry
    return FileText(path=e.path, etag=e.etag or "", mime=e.content_type or "", text=got.text, note=got.reason)


@tool(
    "nc_files_write",
    "Write a text file",
    "Create or overwrite a text file; pass etag to fail if it changed, or create_only to never overwrite.",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def files_write(
    ctx: Context,
    path: FilePath,
    text: str,
    etag: Annotated[str | None, Field(max_length=200, pattern=r'^"?[!#-+\--~]+"?$')] = None,
    create_only: bool = False,
) -> FileSummary:
    return _s(await files_client(session(ctx)).write_text(path, text, etag=etag, create_only=create_only))


@tool(
    "nc_files_create_folder",
    "Create a folder",
    "Create a folder, and its missing parents when parents is true.",
    app="files",
    read_only=False,
    idempotent=True,
)
async def files_create_folder(ctx: Context, path: FilePath, parents: bool = True) -> FileSummary:
    return _s(await files_client(session(ctx)).mkdir(path, parents=parents))


@tool(
    "nc_files_move",
    "Move or rename",
    "Move or rename a file or folder; fails if the target exists unless overwrite is true.",
    app="files",
    read_only=False,
    destructive=True,
)
async def files_move(ctx: Context, path: FilePath, target: FilePath, overwrite: bool = False) -> FileSummary:
    return _s(await files_client(session(ctx)).transfer("MOVE", path, target, overwrite=overwrite))


@tool(
    "nc_files_copy",
    "Copy",
    "Copy a file or folder; fails if the target exists unless overwrite is true.",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def files_copy(ctx: Context, path: FilePath, target: FilePath, overwrite: bool = False) -> FileSummary:
    return _s(await files_client(session(ctx)).transfer("COPY", path, target, overwrite=overwrite))


@tool(
    "nc_files_delete",
    "Delete",
    "Move a file or folder to the trash.",
    app="files",
    read_only=False,
    destructive=True,
)
async def files_delete(ctx: Context, path: FilePath) -> Done:
    await files_client(session(ctx)).delete(path)
    return Done(path=path, ok=True)


@tool(
    "nc_files_search",
    "Search files",
    "Search files by name (* wildcard), mime, size, modified time or favourite.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_search(
    ctx: Context,
    name: str | None = None,
    mime: str | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    after: Annotated[int | None, Field(description="Unix time")] = None,
    before: Annotated[int | None, Field(description="Unix time")] = None,
    favorites: bool = False,
    path: str = "",
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
) -> list[FileSummary]:
    if any(v is not None and v < 0 for v in (min_size, max_size, after, before)):  # no schema bytes spent
        raise ToolError("min_size, max_size, after and before must not be negative.")
    found = await files_client(session(ctx)).search(
        path=path,
        name=name,
        mime=mime,
        min_size=min_size,
        max_size=max_size,
        modified_after=after,
        modified_before=before,
        favorites=favorites,
        limit=limit,
    )
    return [_s(e) for e in found[:limit]]


@tool(
    "nc_files_list_favorites",
    "List favourites",
    "List the user's favourite files and folders.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_list_favorites(ctx: Context) -> list[FileSummary]:
    return [_s(e) for e in await files_client(session(ctx)).favorites()]


@tool(
    "nc_files_set_favorite",
    "Set favourite",
    "Mark or unmark a file or folder as favourite.",
    app="files",
    read_only=False,
    idempotent=True,
)
async def files_set_favorite(ctx: Context, path: FilePath, favorite: bool = True) -> Done:
    await files_client(session(ctx)).set_favorite(path, favorite)
    return Done(path=path, ok=True)


@tool(
    "nc_files_list_trash",
    "List trash",
    "List the items in the trash, with the names used to restore them.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_list_trash(ctx: Context) -> list[TrashItem]:
    return [
        TrashItem(
            name=e.path.removeprefix("trash/"),
            original=e.original_location or "",
            deleted=e.deleted or "",
            size=e.size or 0,
            dir=e.is_dir,
        )
        for e in await files_client(session(ctx)).trash_list()
    ]


@tool(
    "nc_files_restore_trash",
    "Restore from trash",
    "Restore a trashed item (name from nc_files_list_trash) to its original place.",
    app="files",
    read_only=False,
)
async def files_restore_trash(ctx: Context, name: Annotated[str, Field(max_length=512)]) -> Done:
    await files_client(session(ctx)).trash_restore(name)
    return Done(path=name, ok=True)


@tool(
    "nc_files_delete_trash",
    "Delete from trash",
    "Delete a trashed item permanently (empty the whole trash when all is true).",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def files_delete_trash(
    ctx: Context, name: Annotated[str | None, Field(max_length=512)] = None, all: bool = False
) -> Done:
    if not name and not all:
        raise ToolError("Give the trashed item's name, or all=true to empty the trash.")
    await files_client(session(ctx)).trash_delete(None if all else name)
    return Done(path=name or "", ok=True)


@tool(
    "nc_files_list_versions",
    "List versions",
    "List a file's earlier versions.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_list_versions(ctx: Context, path: FilePath) -> list[Version]:
    _, versions = await files_client(session(ctx)).versions(path)
    return [Version(version=v.path.rpartition("/")[2], modified=v.modified or "", size=v.size or 0) for v in versions]


@tool(
    "nc_files_restore_version",
    "Restore a version",
    "Restore a file to an earlier version (from nc_files_list_versions).",
    app="files",
    read_only=False,
    destructive=True,
)
async def files_restore_version(ctx: Context, path: FilePath, version: Annotated[str, Field(max_length=100)]) -> Done:
    await files_client(session(ctx)).version_restore(path, version)
    return Done(path=path, ok=True)


@tool(
    "nc_files_list_comments",
    "List comments",
    "List the comments on a file, newest first.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_list_comments(ctx: Context, path: FilePath, limit: Limit = 50, offset: Offset = 0) -> list[Comment]:
    return [Comment(**c) for c in await files_client(session(ctx)).comments(path, limit, offset)]


@tool("nc_files_add_comment", "Comment on a file", "Add a comment to a file.", app="files", read_only=False)
async def files_add_comment(
    ctx: Context, path: FilePath, message: Annotated[str, Field(min_length=1, max_length=1000)]
) -> Done:
    await files_client(session(ctx)).comment_add(path, message)
    return Done(path=path, ok=True)


@tool(
    "nc_files_download",
    "Download to disk",
    "Download a file to an absolute local path, streamed (stdio mode only).",
    app="files",
    read_only=True,
    idempotent=True,
)
async def files_download(ctx: Context, path: FilePath, local_path: Annotated[str, Field(max_length=4096)]) -> Transfer:
    local = _local(ctx, local_path)
    if not await anyio.Path(local.parent).is_dir():
        raise ToolError(f"The local folder {local.parent} does not exist.")

    async def progress(done: int, total: int | None) -> None:
        await ctx.report_progress(done, float(total) if total is not None else None)

    entry, written = await files_client(session(ctx)).download(path, local, progress)
    return Transfer(path=entry.path, etag=entry.etag or "", local_path=str(local), bytes=written)


@tool(
    "nc_files_upload",
    "Upload from disk",
    "Upload a local file to a path, streamed, chunked when large (stdio mode only).",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def files_upload(
    ctx: Context, local_path: Annotated[str, Field(max_length=4096)], path: FilePath, overwrite: bool = False
) -> Transfer:
    local = _local(ctx, local_path)
    if not await anyio.Path(local).is_file():
        raise ToolError(f"The local file {local} does not exist or is not a regular file.")

    async def progress(done: int, total: int | None) -> None:
        await ctx.report_progress(done, float(total) if total is not None else None)

    entry = await files_client(session(ctx)).upload(local, path, overwrite=overwrite, progress=progress)
    return Transfer(path=entry.path, etag=entry.etag or "", local_path=str(local), bytes=entry.size or 0)


TOOLS: list[ToolSpec] = [
    files_list,
    files_get,
    files_read,
    files_write,
    files_create_folder,
    files_move,
    files_copy,
    files_delete,
    files_search,
    files_list_favorites,
    files_set_favorite,
    files_list_trash,
    files_restore_trash,
    files_delete_trash,
    files_list_versions,
    files_restore_version,
    files_list_comments,
    files_add_comment,
    files_download,
    files_upload,
]
