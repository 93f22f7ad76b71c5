"""Body and header helpers shared by the DAV handlers: uploads (``routes``, chunked ``uploads``), downloads
(``routes``, versions in ``trash``), ``Destination`` headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from fake_nextcloud.apps.dav.models import DavBackend, DavError, Node, normalize
from fake_nextcloud.apps.dav.xmlio import INSTANCE_ID, http_date
from fake_nextcloud.core.state import User
from fake_nextcloud.core.urls import webroot

__all__ = [
    "CHUNK",
    "destination_path",
    "file_response",
    "insufficient_storage",
    "put_headers",
    "stream_to_blob",
]

CHUNK = 1024 * 1024

_FORBIDDEN = "Forbidden"


def destination_path(request: Request, prefix: str) -> str:
    """The ``Destination`` header as a path below ``prefix`` (sabre-io/dav lib/DAV/Server.php::calculateUri,
    against the base URI, which carries the webroot: ``OC::$WEBROOT . '/remote.php/dav/'``)."""
    header = request.headers.get("destination")
    if not header:
        raise DavError(400, "BadRequest", "The destination header was not supplied")
    dest = unquote(urlsplit(header).path)
    base = webroot() + prefix.rstrip("/") + "/"
    if not (dest + "/").startswith(base):
        raise DavError(403, _FORBIDDEN, f"Requested uri ({dest}) is out of base uri ({base})")
    return normalize(dest[len(base) :])


async def stream_to_blob(backend: DavBackend, request: Request, limit: int | None, path: str) -> tuple[Path, int]:
    """Write the request body to a new blob file chunk by chunk; 507 once it exceeds ``limit`` bytes."""
    staged = backend.new_blob()
    size = 0
    async with await anyio.open_file(staged, "wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if limit is not None and size > limit:
                await out.aclose()
                staged.unlink(missing_ok=True)
                raise insufficient_storage(path, size, limit)
            await out.write(chunk)
    return staged, size


def put_headers(user: User, node: Node) -> dict[str, str]:
    """apps/dav/lib/Connector/Sabre/File.php::put + FilesPlugin::sendFileIdHeader."""
    return {
        "ETag": f'"{node.etag}"',
        "OC-Etag": f'"{node.etag}"',
        "OC-FileId": f"{node.file_id:08d}{INSTANCE_ID}",
        "X-NC-OwnerId": user.uid,
        "X-NC-Permissions": "RGDNVW",
        "Content-Length": "0",
    }


def insufficient_storage(path: str, length: int, free: int) -> DavError:
    # apps/dav/lib/Connector/Sabre/QuotaPlugin.php::checkQuota
    return DavError(
        507,
        "InsufficientStorage",
        f"Insufficient space in {path}, {length} required, {free} available",
    )


async def _stream(path: str) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(CHUNK):
            yield chunk


def file_response(request: Request, node: Node, *, etag: str | None = None) -> Response:
    headers = {
        "Content-Length": str(node.size),
        "ETag": f'"{etag or node.etag}"',
        "OC-ETag": f'"{etag or node.etag}"',
        "Last-Modified": http_date(node.mtime),
        "Content-Disposition": f'attachment; filename="{node.name}"',
    }
    if request.method == "HEAD" or node.blob is None:
        return Response(status_code=200, headers=headers, media_type=node.content_type)
    return StreamingResponse(_stream(str(node.blob)), headers=headers, media_type=node.content_type)
