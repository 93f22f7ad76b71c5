"""Files tools (`nc_files_*`): browse, read, write, move, copy, delete, search, and local transfers over WebDAV.

Favourites, trash, versions and comments are in `more_tools.py`; both share the output models of `models.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import anyio
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.apps.files.models import (
    Done,
    FileInfo,
    FilePath,
    FileSummary,
    FolderPath,
    checked_local_path,
    file_info,
    file_summary,
    files_page,
)
from nextcloud_mcp.core.contract import Cursor, Force, Limit, Page, next_cursor, offset_of
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.extract import document_kind
from nextcloud_mcp.core.extract.reading import (
    TEXT_MAX_BYTES,
    MaxChars,
    cursor_offset,
    document_text,
    extract_limits,
    text_page,
    too_large,
)
from nextcloud_mcp.core.paths import normalize
from nextcloud_mcp.core.tool import ToolSpec, session, settings, tool

__all__ = ["TOOLS"]

WriteEtag = Annotated[
    str | None,
    Field(
        max_length=256,
        pattern=r"^[\x20-\x7e]*$",
        description="etag of the file to replace (nc_files_get_file); omit for a new file.",
    ),
]
LocalPath = Annotated[str, Field(description="Absolute path on this machine, e.g. /tmp/a.pdf.")]
Overwrite = Annotated[bool, Field(description="true: replace an existing target.")]


class FileText(BaseModel):
    path: str
    etag: str
    mime: str
    text: str | None
    note: str | None
    next_cursor: str | None


class Transfer(BaseModel):
    path: str
    etag: str
    local_path: str
    bytes: int


def _unix(value: str | None, name: str) -> int | None:
    """An ISO 8601 date or time as a Unix time for the SEARCH literal (naive means UTC)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
        unix = int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())
    except (ValueError, OverflowError, OSError):
        example = "2026-01-31 or 2026-01-31T09:00:00Z"
        raise InvalidInput(f"{name}: {value!r} is not ISO 8601; give e.g. {example}.") from None
    if unix < 0:
        raise InvalidInput(f"{name}: {value!r} is before 1970 (a negative Unix time); give a later date.")
    return unix


@tool(
    "nc_files_list_files",
    "List a folder",
    "List the files and subfolders of a folder, folders first.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def list_files(
    ctx: Context, path: FolderPath = "/", limit: Limit = 100, cursor: Cursor = None
) -> Page[FileSummary]:
    me, children = await files_client(session(ctx)).list_folder(path)
    if not me.is_dir:
        raise InvalidInput(f"/{me.path} is a file, not a folder; read it with nc_files_read_file.")
    children.sort(key=lambda e: (not e.is_dir, e.path.lower()))
    return files_page(children, limit, cursor)


@tool(
    "nc_files_get_file",
    "Get file info",
    "Get a file's or folder's size, etag, modification time, permissions and favorite mark.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def get_file(ctx: Context, path: FilePath) -> FileInfo:
    return file_info(await files_client(session(ctx)).stat(path))


@tool(
    "nc_files_read_file",
    "Read a text file",
    "Read a text file (up to 512 KiB) or the text of a PDF, Office or OpenDocument file, paged; others give a note.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def read_file(ctx: Context, path: FilePath, cursor: Cursor = None, max_chars: MaxChars = 100_000) -> FileText:
    files, conf = files_client(session(ctx)), settings(ctx)
    entry = await files.stat(path)
    info = file_info(entry)
    start = cursor_offset(cursor, info.etag, tool="nc_files_read_file")
    kind = None if entry.is_dir else document_kind(entry.path, entry.content_type)
    if kind is None:
        got = await files.read_text(path, TEXT_MAX_BYTES, entry)
        text, note = got.text, got.reason
    else:
        blob = await files.read_bytes(path, conf.mcp_extract_max_bytes, entry)
        if blob.data is None:
            raise too_large(info.path, conf.mcp_extract_max_bytes, get_it="get it with nc_files_download_file")
        text, note = await document_text(blob.data, kind, info.path, extract_limits(conf))
    got_page = text_page(text, note, start=start, max_chars=max_chars, version=info.etag, cursor=cursor, name=info.path)
    return FileText(
        path=info.path,
        etag=info.etag,
        mime=info.mime,
        text=got_page.text,
        note=got_page.note,
        next_cursor=got_page.next_cursor,
    )


@tool(
    "nc_files_write_file",
    "Write a text file",
    "Create a text file, or replace one: pass its etag (or force=true).",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def write_file(
    ctx: Context,
    path: FilePath,
    text: Annotated[str, Field(description="The whole new content (UTF-8).")],
    etag: WriteEtag = None,
    force: Force = False,
) -> FileInfo:
    return file_info(await files_client(session(ctx)).write_text(path, text, etag=etag, force=force))


@tool(
    "nc_files_create_folder",
    "Create a folder",
    "Create a folder (and its missing parents unless parents=false).",
    app="files",
    read_only=False,
    idempotent=True,
)
async def create_folder(
    ctx: Context,
    path: FolderPath,
    parents: Annotated[bool, Field(description="true: also create missing parent folders.")] = True,
) -> FileInfo:
    return file_info(await files_client(session(ctx)).mkdir(path, parents=parents))


@tool(
    "nc_files_move_file",
    "Move or rename",
    "Move or rename a file or folder; an existing target is kept unless overwrite=true.",
    app="files",
    read_only=False,
    destructive=True,
)
async def move_file(
    ctx: Context,
    path: FilePath,
    target: Annotated[str, Field(description="New path.")],
    overwrite: Overwrite = False,
) -> FileInfo:
    return file_info(await files_client(session(ctx)).transfer("MOVE", path, target, overwrite=overwrite))


@tool(
    "nc_files_copy_file",
    "Copy",
    "Copy a file or folder; an existing target is kept unless overwrite=true.",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def copy_file(
    ctx: Context,
    path: FilePath,
    target: Annotated[str, Field(description="Path of the copy.")],
    overwrite: Overwrite = False,
) -> FileInfo:
    return file_info(await files_client(session(ctx)).transfer("COPY", path, target, overwrite=overwrite))


@tool(
    "nc_files_delete_file",
    "Delete",
    "Move a file or folder to the trash (see nc_files_list_trash).",
    app="files",
    read_only=False,
    destructive=True,
)
async def delete_file(ctx: Context, path: FilePath) -> Done:
    await files_client(session(ctx)).delete(path)
    return Done(path="/" + normalize(path), ok=True)


@tool(
    "nc_files_search_files",
    "Search files",
    "Search files by name, type, size, modification time or favorite, newest first.",
    app="files",
    read_only=True,
    idempotent=True,
)
async def search_files(
    ctx: Context,
    name: Annotated[str | None, Field(description="Name pattern, * wildcard, e.g. *.pdf.")] = None,
    mime: Annotated[str | None, Field(description="MIME type, * wildcard, e.g. image/*.")] = None,
    min_size: Annotated[int | None, Field(ge=0, description="Bytes.")] = None,
    max_size: Annotated[int | None, Field(ge=0, description="Bytes.")] = None,
    after: Annotated[str | None, Field(description="Modified after, ISO 8601, e.g. 2026-01-31.")] = None,
    before: Annotated[str | None, Field(description="Modified before, ISO 8601.")] = None,
    favorite: Annotated[bool, Field(description="true: favorites only.")] = False,
    path: Annotated[str, Field(description="Folder to search in; / is all.")] = "/",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[FileSummary]:
    offset = offset_of(cursor)
    found = await files_client(session(ctx)).search(
        path=path,
        name=name,
        mime=mime,
        min_size=min_size,
        max_size=max_size,
        modified_after=_unix(after, "after"),
        modified_before=_unix(before, "before"),
        favorite=favorite,
        limit=limit,
        offset=offset,
    )
    items = [file_summary(e) for e in found[:limit]]
    return Page[FileSummary](items=items, next_cursor=next_cursor(offset, len(items), None, limit), total=None)


@tool(
    "nc_files_download_file",
    "Download to disk",
    "Download a file to a local path, streamed (stdio mode only).",
    app="files",
    read_only=False,  # it writes (and may replace) a file on this machine: not offered in MCP_READ_ONLY mode
    destructive=True,
    idempotent=True,
)
async def download_file(ctx: Context, path: FilePath, local_path: LocalPath) -> Transfer:
    local = checked_local_path(ctx, local_path)
    if not await anyio.Path(local.parent).is_dir():
        raise InvalidInput(f"The local folder {local.parent} does not exist; create it or pick another local_path.")

    async def progress(done: int, total: int | None) -> None:
        await ctx.report_progress(done, float(total) if total is not None else None)

    entry, written = await files_client(session(ctx)).download(path, local, progress)
    return Transfer(path="/" + entry.path, etag=entry.etag or "", local_path=str(local), bytes=written)


@tool(
    "nc_files_upload_file",
    "Upload from disk",
    "Upload a local file, streamed (stdio mode only); replacing needs etag or force=true.",
    app="files",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def upload_file(
    ctx: Context, local_path: LocalPath, path: FilePath, etag: WriteEtag = None, force: Force = False
) -> Transfer:
    local = checked_local_path(ctx, local_path)
    if not await anyio.Path(local).is_file():
        raise InvalidInput(f"The local file {local} does not exist or is not a regular file.")

    async def progress(done: int, total: int | None) -> None:
        await ctx.report_progress(done, float(total) if total is not None else None)

    entry = await files_client(session(ctx)).upload(local, path, etag=etag, force=force, progress=progress)
    return Transfer(path="/" + entry.path, etag=entry.etag or "", local_path=str(local), bytes=entry.size or 0)


TOOLS: list[ToolSpec] = [
    list_files,
    get_file,
    read_file,
    write_file,
    create_folder,
    move_file,
    copy_file,
    delete_file,
    search_files,
    download_file,
    upload_file,
]
