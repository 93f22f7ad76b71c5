"""Notes API 1.4 attachments (nextcloud/notes ``lib/Controller/NotesApiController.php::getAttachment``/``uploadFile``,
``lib/Service/NotesService.php::getAttachment``/``createImage``; routes ``/api/{apiVersion}/attachment/{noteid}``
with ``apiVersion`` = ``v1.4``).

Attachments are files of the user's WebDAV tree, found relative to the note's category: what the Text editor
writes to ``.attachments.<noteid>/`` next to the note (``![](.attachments.123/img.png)``) is served here, and what
``uploadFile`` stores (next to the note, as ``<32 hex digits>.<ext>``) is a file WebDAV lists.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import unquote

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from fake_nextcloud.apps.dav.models import DavError, mime_type
from fake_nextcloud.apps.notes.errors import NotesError
from fake_nextcloud.apps.notes.models import NotesBackend
from fake_nextcloud.core.appframework import Annotations, controller, rfc2822
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.signature import php_method

__all__ = ["get_attachment", "secure_mime_type", "upload_file"]

#: The secure alternatives of nextcloud/server ``resources/config/mimetypemapping.dist.json`` (second entries),
#: which ``IMimeTypeDetector::getSecureMimeType`` answers instead of the detected type.
_SECURE_BY_EXTENSION = {
    "fb2": "text/plain",
    "htm": "text/plain",
    "html": "text/plain",
    "js": "text/plain",
    "json": "text/plain",
    "org": "text/plain",
    "php": "text/x-php",
    "svg": "text/plain",
    "swf": "application/octet-stream",
    "xml": "text/plain",
    "yaml": "text/plain",
    "yml": "text/plain",
}
_CACHE_SECONDS = 3600


def secure_mime_type(name: str) -> str:
    """``getSecureMimeType($file->getMimeType())``: no XSS-prone types (SVG, HTML, JS…) are sent as such."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""
    return _SECURE_BY_EXTENSION.get(ext) or mime_type(name)


async def _chunks(blob: Path | None) -> AsyncIterator[bytes]:
    if blob is None:
        return
    async with await anyio.open_file(blob, "rb") as handle:
        while chunk := await handle.read(1024 * 1024):
            yield chunk


@controller(Annotations(cors=True, no_csrf=True))
@php_method("NotesApiController::getAttachment", "int $noteid, string $path")
async def get_attachment(ctx: NcContext, request: Request) -> Response:
    """``GET /api/v1.4/attachment/{noteid}?path=…``: the file as a download, cacheable for an hour
    (``Response::cacheFor(3600)``: ``private, max-age=3600, must-revalidate``, ``Pragma: private``, ``Expires``).
    Any failure is 404 ``{"errorType": "Exception"}`` (``Helper::createErrorResponse``, so without
    ``X-Notes-API-Versions``); no ``path`` is a ``TypeError`` (``string $path`` has no default): the error page."""
    note_id, path = ctx.args["noteid"], ctx.args["path"]
    assert ctx.user is not None
    try:
        node = NotesBackend.of(ctx.state).attachment(ctx.user.uid, note_id, path)
    except (NotesError, DavError):
        return json_response({"errorType": "Exception"}, 404)
    headers = {
        "Content-Disposition": f'attachment; filename="{unquote(node.name)}"',
        "Vary": "Authorization, Cookie",
        "Cache-Control": f"private, max-age={_CACHE_SECONDS}, must-revalidate",
        "Pragma": "private",
        "Expires": rfc2822(ctx.state.time() + _CACHE_SECONDS),
    }
    return StreamingResponse(_chunks(node.blob), headers=headers, media_type=secure_mime_type(node.name))


async def upload_file(ctx: NcContext, request: Request) -> Callable[[NotesBackend, str], dict[str, str]]:
    """``POST /api/v1.4/attachment/{noteid}`` (multipart ``file``, ``IRequest::getUploadedFile``): answers
    ``{"filename": "<hex>.<ext>"}``, the name relative to the note's folder."""
    note_id: int = request.path_params["noteid"]
    name: str | None = None
    data: bytes | None = None
    if "multipart/form-data" in request.headers.get("content-type", ""):
        async with request.form() as form:
            upload = form.get("file")
            if isinstance(upload, UploadFile):
                name, data = upload.filename or "", await upload.read()

    def respond(backend: NotesBackend, uid: str) -> dict[str, str]:
        return {"filename": backend.create_image(uid, note_id, name, data)}

    return respond
