"""The output models and argument types the files tools share: a file as the model sees it (absolute path,
ISO times, named permission flags, `favorite`), trash items, versions, comments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.core.contract import Page, dav_flags, iso, page
from nextcloud_mcp.core.dav import DavEntry
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import settings

__all__ = [
    "Comment",
    "Done",
    "FileInfo",
    "FilePath",
    "FileSummary",
    "FolderPath",
    "TrashItem",
    "Version",
    "checked_local_path",
    "file_info",
    "file_summary",
    "files_page",
    "when",
]

# normalize() (core.paths) checks the length and the names before anything is sent
FilePath = Annotated[str, Field(description="Path, e.g. /Documents/a.txt.")]
FolderPath = Annotated[str, Field(description="Folder path, e.g. /Documents; / is the root.")]


# A file or folder. Nextcloud's FilesPlugin (apps/dav/lib/Connector/Sabre/FilesPlugin.php) sends size, etag,
# modification time, content type and permissions for every node, so none of them is nullable (a folder's
# content type is httpd/unix-directory). No docstrings on output models: pydantic puts them in tools/list.
class FileSummary(BaseModel):
    path: str
    folder: bool
    size: int
    modified: str
    etag: str


class FileInfo(FileSummary):
    mime: str
    permissions: list[str]
    favorite: bool


class Done(BaseModel):
    path: str
    ok: bool


# apps/files_trashbin/lib/Sabre/TrashbinPlugin.php sends the original location and deletion time of every
# item; apps/files_versions/lib/Sabre/VersionFile.php a version's size and time; CommentNode its creation time.
class TrashItem(BaseModel):
    name: str
    path: str
    deleted: str
    size: int
    folder: bool


class Version(BaseModel):
    version: str
    modified: str
    size: int


class Comment(BaseModel):
    id: str
    author: str
    message: str
    created: str


def when(value: str | None) -> str | None:
    """A DAV time (`2026-11-26T10:00:00Z`, from core.dav) as ISO 8601 with an offset."""
    return iso(datetime.fromisoformat(value)) if value else None


def file_summary(e: DavEntry) -> FileSummary:
    return FileSummary(
        path="/" + e.path,
        folder=e.is_dir,
        size=e.size or 0,
        modified=when(e.modified) or "",
        etag=e.etag or "",
    )


def file_info(e: DavEntry) -> FileInfo:
    mime = e.content_type or ("httpd/unix-directory" if e.is_dir else "application/octet-stream")
    flags = dav_flags(e.permissions or "")
    return FileInfo(**file_summary(e).model_dump(), mime=mime, permissions=flags, favorite=e.favorite)


def files_page(entries: Sequence[DavEntry], limit: int, cursor: str | None) -> Page[FileSummary]:
    """One page of entries Nextcloud sent in full (a PROPFIND or REPORT has no paging)."""
    chunk = page(entries, limit, cursor)
    items = [file_summary(e) for e in chunk.items]
    return Page[FileSummary](items=items, next_cursor=chunk.next_cursor, total=chunk.total)


def checked_local_path(ctx: Context, value: str) -> Path:
    """Local paths are only meaningful when the server runs on the user's machine (stdio)."""
    if settings(ctx).mcp_transport != "stdio":
        raise InvalidInput(
            "Local file transfer needs the server to run over stdio (on your machine); use nc_files_read_file "
            "or nc_files_write_file for text instead."
        )
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise InvalidInput(f"local_path {value!r} is not absolute; give e.g. /home/me/a.pdf.")
    return path
