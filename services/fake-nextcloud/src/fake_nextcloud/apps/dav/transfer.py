"""Body, header and URI helpers shared by the DAV handlers: uploads (``routes``, chunked ``uploads``), downloads
(``routes``, versions in ``trash``), request paths, ``Destination`` headers and Sabre's copy/move checks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes, urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from fake_nextcloud.apps.dav.models import DavBackend, DavError, Node, normalize
from fake_nextcloud.apps.dav.xmlio import INSTANCE_ID, http_date
from fake_nextcloud.core.state import User
from fake_nextcloud.core.urls import webroot

__all__ = [
    "CHUNK",
    "CopyMove",
    "PreconditionFailed",
    "calculate_uri",
    "copy_move_info",
    "decode_path",
    "destination_path",
    "file_response",
    "insufficient_storage",
    "put_headers",
    "request_path",
    "sabre_base",
    "stream_to_blob",
]

CHUNK = 1024 * 1024

_FORBIDDEN = "Forbidden"
_BAD_REQUEST = "BadRequest"
#: OC\AppFramework\Http\Request::USER_AGENT_IE, USER_AGENT_ANDROID_MOBILE_CHROME, USER_AGENT_FREEBOX
_PLAIN_FILENAME_AGENTS = (
    re.compile(r"(MSIE)|(Trident)"),
    re.compile(r"Android.*Chrome/[.0-9]*"),
    re.compile(r"^Mozilla/5\.0$"),
)


class PreconditionFailed(DavError):
    """sabre-io/dav lib/DAV/Exception/PreconditionFailed.php: 412 whose error document names the ``header`` that
    failed (``serialize``: ``<s:header>``); ``headers`` are response headers set before the throw (the ``ETag``
    ``Server::checkPreconditions`` sets)."""

    def __init__(self, message: str, header: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(412, "PreconditionFailed", message)
        self.header = header
        self.headers = headers or {}


def decode_path(path: str | bytes) -> str:
    """sabre-io/http lib/functions.php::decodePath (decodePathSegment): ``rawurldecode`` once, then UTF-8, or
    ISO-8859-1 converted to UTF-8 when the bytes are not UTF-8."""
    raw = unquote_to_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def request_path(scope: Scope) -> str:
    """The request path decoded once, as Sabre's ``Request::getPath`` decodes it (``decodePath``): from the raw
    request target when the server passed it (``raw_path``), else the ASGI ``path`` (already decoded once by the
    server; a Latin-1 byte then stands as U+FFFD). Never decoded a second time: a file named ``a%20b`` is
    requested as ``a%2520b`` and is ``a%20b`` here."""
    raw: bytes | None = scope.get("raw_path")
    if raw is not None:
        return decode_path(raw)
    path: str = scope["path"]
    return path


def sabre_base(prefix: str) -> str:
    """The Sabre base URI of the endpoint ``prefix`` belongs to: ``OC::$WEBROOT . '/remote.php/dav/'`` (apps/dav
    ``Server``) or ``'/remote.php/webdav/'`` (the legacy endpoint, apps/dav/appinfo/v1/webdav.php)."""
    service = "webdav" if prefix.startswith("/remote.php/webdav") else "dav"
    return f"{webroot()}/remote.php/{service}/"


def _normalize_uri(path: str) -> str:
    """The path part of sabre-io/uri ``normalize``: dot segments resolved, each segment re-encoded
    (``rawurlencode(rawurldecode($part))``)."""
    parts: list[str] = []
    for part in path.lstrip("/").split("/"):
        if part == ".":
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(quote(unquote_to_bytes(part), safe=""))
    return "/" + "/".join(parts)


def calculate_uri(uri: str, base: str) -> str:
    """sabre-io/dav lib/DAV/Server.php::calculateUri: ``uri`` (absolute or server-root-relative) as a path below
    ``base`` (decoded once, without leading or trailing slash); 403 outside it."""
    uri = urlsplit(uri).path  # absolute: parse_url($uri, PHP_URL_PATH); relative: the fake drops ?query too
    normalized = _normalize_uri(re.sub("/+", "/", uri))
    base_normalized = _normalize_uri(base)
    if normalized.startswith(base_normalized):
        return decode_path(normalized[len(base_normalized) :]).strip("/")
    if normalized + "/" == base_normalized:
        return ""
    raise DavError(403, _FORBIDDEN, f"Requested uri ({normalized}) is out of base uri ({base})")


def destination_path(request: Request, prefix: str) -> str:
    """The ``Destination`` header as a path below ``prefix`` (sabre-io/dav lib/DAV/Server.php::calculateUri,
    against the base URI, which carries the webroot: ``OC::$WEBROOT . '/remote.php/dav/'``). The fake refuses a
    destination outside ``prefix`` (another user's files, another collection) with calculateUri's 403."""
    header = request.headers.get("destination")
    if not header:
        raise DavError(400, _BAD_REQUEST, "The destination header was not supplied")
    outside = DavError(
        403,
        _FORBIDDEN,
        f"Requested uri ({decode_path(urlsplit(header).path)}) is out of base uri ({webroot()}{prefix}/)",
    )  # Sabre names its base URI (…/remote.php/dav/) here; the fake names the collection it allows
    try:
        dest = calculate_uri(header, sabre_base(prefix))
    except DavError:
        raise outside from None
    collection = prefix.removeprefix("/remote.php/webdav").removeprefix("/remote.php/dav").strip("/")
    if collection and dest != collection and not dest.startswith(collection + "/"):
        raise outside
    return normalize(dest[len(collection) :])


@dataclass(frozen=True)
class CopyMove:
    """What sabre-io/dav ``Server::getCopyAndMoveInfo`` returns: the destination (below the files collection),
    the depth (``None`` = infinity) and whether the destination exists."""

    destination: str
    depth: int | None
    exists: bool


def copy_move_info(request: Request, backend: DavBackend, uid: str, prefix: str) -> CopyMove:
    """sabre-io/dav lib/DAV/Server.php::getCopyAndMoveInfo for a destination in ``uid``'s files (``prefix`` is
    the files collection): Destination, Depth and Overwrite validated in Sabre's order, 409 without the
    destination's parent, 415 when the parent is a file, 412 (``Overwrite``) when it exists and Overwrite is F."""
    dest = destination_path(request, prefix)
    depth_header = request.headers.get("depth", "infinity")
    depth: int | None = None
    if depth_header.lower() != "infinity":
        if not depth_header.isdigit():  # ctype_digit
            raise DavError(400, _BAD_REQUEST, 'The HTTP Depth header may only be "infinity", 0 or a positive integer')
        depth = int(depth_header)
    overwrite = request.headers.get("overwrite", "T").upper()
    if overwrite not in ("T", "F"):
        raise DavError(400, _BAD_REQUEST, "The HTTP Overwrite header should be either T or F")
    parent = backend.get(uid, dest.rsplit("/", 1)[0] if "/" in dest else "")
    if parent is None:
        raise DavError(409, "Conflict", "The destination node is not found")
    if not parent.is_dir:
        raise DavError(415, "UnsupportedMediaType", "The destination node is not a collection")
    exists = bool(dest) and backend.get(uid, dest) is not None
    if exists and overwrite == "F":
        raise PreconditionFailed(
            "The destination node already exists, and the overwrite header is set to false", "Overwrite"
        )
    return CopyMove(dest, depth, exists)


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


def content_disposition(name: str, user_agent: str) -> str:
    """apps/dav/lib/Connector/Sabre/FilesPlugin.php::httpGet (files_versions' Sabre/Plugin::afterGet alike): the
    name ``rawurlencode``d (RFC 5987 ``filename*``), and percent-encoded in ``filename`` too; IE, Android Chrome
    and Freebox user agents get ``filename`` only. Never raw UTF-8, so any name fits a header."""
    encoded = quote(name, safe="")  # rawurlencode: all but A-Za-z0-9-_.~
    if any(agent.search(user_agent) for agent in _PLAIN_FILENAME_AGENTS):
        return f'attachment; filename="{encoded}"'
    return f"attachment; filename*=UTF-8''{encoded}; filename=\"{encoded}\""


def file_response(request: Request, node: Node, *, etag: str | None = None) -> Response:
    headers = {
        "Content-Length": str(node.size),
        "ETag": f'"{etag or node.etag}"',
        "OC-ETag": f'"{etag or node.etag}"',
        "Last-Modified": http_date(node.mtime),
        "Content-Disposition": content_disposition(node.name, request.headers.get("user-agent", "")),
        "X-Accel-Buffering": "no",  # FilesPlugin::httpGet
    }
    if request.method == "HEAD" or node.blob is None:
        return Response(status_code=200, headers=headers, media_type=node.content_type)
    return StreamingResponse(_stream(str(node.blob)), headers=headers, media_type=node.content_type)
