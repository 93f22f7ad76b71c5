"""Chunked upload v2: ``/remote.php/dav/uploads/{uid}/{upload-id}`` (apps/dav/lib/Upload/ChunkingV2Plugin.php).

``MKCOL …/{id}`` (with ``Destination``) opens an upload, ``PUT …/{id}/{1..10000}`` stores chunks on disk,
``MOVE …/{id}/.file`` (``Destination``, ``OC-Total-Length``) assembles them into the target file and removes
the upload, ``DELETE …/{id}`` aborts it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError, Upload

if TYPE_CHECKING:
    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = ["uploads"]


def _assemble(parts: list[Path], target: Path) -> None:
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)


async def uploads(app: DavView, request: Request, user: User, owner: str, rest: str) -> Response:
    from fake_nextcloud.apps.dav.transfer import copy_move_info, put_headers, stream_to_blob

    if owner != user.uid:
        raise DavError(404, "NotFound", f"File with name {owner} could not be located")
    backend = app.backend
    table = backend.uploads
    upload_id, _, chunk = rest.strip("/").partition("/")
    key = (owner, upload_id)
    upload = table.get(key)
    method = request.method
    if method == "MKCOL" and not chunk:
        if upload is not None:
            raise DavError(405, "MethodNotAllowed", "The resource you tried to create already exists")
        header = request.headers.get("destination", "")
        table[key] = Upload(header)
        return Response(status_code=201)
    if upload is None:
        raise DavError(404, "NotFound", f"File with name {upload_id} could not be located")
    if method == "DELETE" and not chunk:
        for part in upload.chunks.values():
            part.unlink(missing_ok=True)
        del table[key]
        return Response(status_code=204)
    if method == "PUT" and chunk.isdigit():
        number = int(chunk)
        if not 1 <= number <= 10000:
            # ChunkingV2Plugin::beforePut: chunk numbers are 1..10000 (S3 multipart limits)
            raise DavError(400, "BadRequest", "Invalid chunk name, must be numeric between 1 and 10000")
        blob, _ = await stream_to_blob(backend, request, None, chunk)
        old = upload.chunks.pop(number, None)
        if old is not None:
            old.unlink(missing_ok=True)
        upload.chunks[number] = blob
        return Response(status_code=201)
    if method == "MOVE" and chunk == ".file":
        # CorePlugin::httpMove runs Server::getCopyAndMoveInfo (409 without the target folder, 412 "Overwrite" for
        # an existing target with Overwrite: F) before ChunkingV2Plugin::beforeMove assembles the chunks
        dest = copy_move_info(request, backend, owner, f"/remote.php/dav/files/{owner}").destination
        parts = [upload.chunks[n] for n in sorted(upload.chunks)]
        size = sum(p.stat().st_size for p in parts)
        total = request.headers.get("oc-total-length")
        if total is not None and total.isdigit() and int(total) != size:
            # apps/dav/lib/Upload/ChunkingV2Plugin.php::checkPrerequisites / assertUploadLength
            raise DavError(400, "BadRequest", f"Chunks on server do not sum up to {total} but to {size} bytes")
        free = backend.free_space(owner)
        existing = backend.get(owner, dest)
        replaced = existing.size if existing is not None and not existing.is_dir else 0
        if free is not None and size > free + replaced:
            raise DavError(
                507, "InsufficientStorage", f"Insufficient space in {dest}, {size} required, {free} available"
            )
        target = backend.new_blob()
        await anyio.to_thread.run_sync(_assemble, parts, target)
        mtime_header = request.headers.get("x-oc-mtime")
        node, created = backend.put(owner, dest, target, size, mtime=int(float(mtime_header)) if mtime_header else None)
        for part in parts:
            part.unlink(missing_ok=True)
        del table[key]
        return Response(status_code=201 if created else 204, headers=put_headers(user, node))
    raise DavError(405, "MethodNotAllowed", f"{method} is not allowed here")
