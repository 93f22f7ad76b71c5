"""Files as MCP resources (`nextcloud://files/{+path}`, declared in `__init__.py`): a file's text, or its bytes
with its MIME type, up to `MAX_RESOURCE_BYTES`; favorite files for `resources/list`; path completion."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from mcp.server.mcpserver import Context

from nextcloud_mcp.apps.files import FILE
from nextcloud_mcp.apps.files.client import decode_text, files_client
from nextcloud_mcp.core.errors import InvalidInput, NotFound
from nextcloud_mcp.core.paths import InvalidPath
from nextcloud_mcp.core.resource import LISTED_PER_APP, Body, Listed
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.core.tool import session

__all__ = ["MAX_RESOURCE_BYTES", "favorite_files", "paths", "read_file"]

#: The largest file a resource carries: as nc_files_read_file (a binary one travels base64-encoded, a third more).
MAX_RESOURCE_BYTES = 512 * 1024
#: Types sent as bytes even when they happen to decode as text.
_BINARY = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip", "application/vnd.")


async def read_file(ctx: Context, path: str) -> Body:
    """The file as text when it is text, else as bytes; a folder or a larger file is refused, naming the tool."""
    got = await files_client(session(ctx)).read_bytes(path, MAX_RESOURCE_BYTES)
    where = f"/{got.entry.path.lstrip('/')}"
    if got.entry.is_dir:
        raise InvalidInput(f"{where} is a folder, not a file; nc_files_list_files lists what is in it.")
    if got.data is None:
        size = f"{got.entry.size} bytes" if got.entry.size is not None else f"larger than {MAX_RESOURCE_BYTES} bytes"
        raise InvalidInput(
            f"{where} is {size}; resources carry files up to {MAX_RESOURCE_BYTES} bytes (512 KiB). Download it with "
            "nc_files_download_file (stdio mode), or read its size and type with nc_files_get_file."
        )
    mime = (got.content_type or "application/octet-stream").split(";")[0].strip().lower()
    decoded = None if mime.startswith(_BINARY) else decode_text(got.data, got.content_type)
    if decoded is None:
        return Body(got.data, mime)
    return Body(decoded[0], "text/plain" if mime == "application/octet-stream" else mime)


async def favorite_files(session: NextcloudSession) -> list[Listed]:
    """The user's favorite files (folders left out)."""
    entries = [e for e in await files_client(session).favorites() if not e.is_dir]
    return [
        Listed(
            uri=FILE.uri(path=quote(entry.path.lstrip("/"), safe="/")),  # {+path} would keep "#" and "?" raw
            name=entry.path.rstrip("/").rsplit("/", 1)[-1],
            description=f"Favorite file /{entry.path.lstrip('/')}",
            mime_type=entry.content_type,
            size=entry.size,
        )
        for entry in entries[:LISTED_PER_APP]
    ]


async def paths(session: NextcloudSession, prefix: str, context: Mapping[str, str]) -> list[str]:
    """The files and folders (with a trailing /) of the folder the typed prefix is in."""
    folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
    try:
        _, children = await files_client(session).list_folder(folder)
    except (NotFound, InvalidPath):
        return []
    return [e.path.strip("/") + ("/" if e.is_dir else "") for e in children]
