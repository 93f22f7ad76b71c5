"""A capped download of one file-like answer (an attachment of a note, a Deck card or an e-mail): its bytes up to a
limit, its type and the file name of its `Content-Disposition`.

Nextcloud apps answer such downloads with `attachment; filename="…"`: nextcloud/server
lib/public/AppFramework/Http/DownloadResponse.php escapes `"` and `\\` with a backslash (Mail's
AttachmentDownloadResponse), Notes (NotesApiController::getAttachment) and Deck (FileService::display,
FilesAppService::display) write the raw-URL-decoded name between quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx2

from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.http import NextcloudHTTP, raise_for_status

__all__ = ["Download", "disposition_filename", "download"]

_QUOTED = re.compile(r'filename="((?:[^"\\]|\\.)*)"', re.I)
_EXTENDED = re.compile(r"filename\*=([\w-]+)'[^']*'([^;\s]+)", re.I)
_TOKEN = re.compile(r"filename=([^;\s\"]+)", re.I)


@dataclass(frozen=True)
class Download:
    data: bytes | None  # None: the answer has more than `max_bytes`
    received: int  # bytes read before stopping (more than `max_bytes` when `data` is None)
    content_type: str | None
    filename: str | None  # from Content-Disposition


def disposition_filename(value: str | None) -> str | None:
    """The file name of a `Content-Disposition` header (`filename*=` first, then `filename="…"`), or None."""
    if not value:
        return None
    extended = _EXTENDED.search(value)
    if extended:
        try:
            return unquote(extended.group(2), encoding=extended.group(1), errors="replace")
        except LookupError:
            pass
    quoted = _QUOTED.search(value)
    if quoted:
        return re.sub(r"\\(.)", r"\1", quoted.group(1))
    token = _TOKEN.search(value)
    return token.group(1) if token else None


async def download(
    http: NextcloudHTTP,
    path: str,
    *,
    auth: httpx2.Auth,
    max_bytes: int,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    errors: tuple[int, ...] = (),
    on_error: Callable[[httpx2.Response], NextcloudError] | None = None,
) -> Download:
    """GET `path` and read at most `max_bytes` of it (the rest is not transferred). An answer with a status in
    `errors` becomes `on_error(response)` (its body read); other failures map as in `NextcloudHTTP.request`."""
    buf = bytearray()
    async with http.stream("GET", path, auth=auth, headers=headers, params=params, ok=errors) as response:
        if response.status_code in errors:
            if on_error is not None:
                raise on_error(response)
            raise_for_status(response)
        ctype = response.headers.get("content-type")
        name = disposition_filename(response.headers.get("content-disposition"))
        async for chunk in response.aiter_bytes(65536):
            buf += chunk
            if len(buf) > max_bytes:
                break
    data = None if len(buf) > max_bytes else bytes(buf)
    return Download(data=data, received=len(buf), content_type=ctype, filename=name)
