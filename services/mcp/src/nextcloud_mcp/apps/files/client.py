"""Files over WebDAV (`/remote.php/dav/files/{uid}/`), trash, versions and comments.

The uid in every DAV path is `GET /ocs/v2.php/cloud/user` `data.id`, never the login name (they differ
with LDAP or user_oidc). Sources: nextcloud/server apps/dav/lib/Connector/Sabre/FilesPlugin.php (props),
apps/dav/lib/Files/FileSearchBackend.php (SEARCH), apps/files_trashbin/lib/Sabre, apps/files_versions/lib/Sabre.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

import anyio
import httpx2
from pydantic import BaseModel

from nextcloud_mcp.core.dav import NS, DavEntry, parse_comments, parse_multistatus
from nextcloud_mcp.core.errors import BadRequest, Conflict, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import CoreClient
from nextcloud_mcp.core.paths import dav_href, normalize, parent, quote_path
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["FilesClient", "TextContent", "UidCache", "decode_text", "files_client"]

_PROPS = (
    "<d:getlastmodified/><d:getetag/><d:getcontenttype/><d:resourcetype/><d:getcontentlength/>"
    "<oc:fileid/><oc:size/><oc:permissions/><oc:favorite/><nc:has-preview/>"
    "<nc:trashbin-filename/><nc:trashbin-original-location/><nc:trashbin-deletion-time/>"
)
CHUNK_SIZE = 10 * 1024 * 1024  # chunked-upload v2 chunk size and the single-PUT threshold
READ_CHUNK = 256 * 1024  # download buffer: small, so RSS stays flat while streaming (docs/performance.md)
Progress = Callable[[int, int | None], Awaitable[None]]
_XML = {"Content-Type": "application/xml; charset=utf-8"}


class TextContent(BaseModel):
    entry: DavEntry
    text: str | None  # None when the file is binary or too large
    encoding: str | None
    reason: str | None = None


class UidCache:
    """Session key → Nextcloud user id, bounded (LRU)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._data: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: str, uid: str) -> None:
        self._data[key] = uid
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)


_UIDS = UidCache()


_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def decode_text(data: bytes, content_type: str | None) -> tuple[str, str] | None:
    """Decode `data` by BOM, then the content-type charset, then UTF-8; None when it looks binary."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    if b"\x00" in data[:8192]:
        return None
    match = _CHARSET.search(content_type or "")
    candidates = [match.group(1)] if match else []
    for enc in [*candidates, "utf-8"]:
        try:
            return data.decode(enc), enc
        except (LookupError, UnicodeDecodeError):
            continue
    return None


class FilesClient:
    """WebDAV operations as one user; every `path` argument is user-relative and normalised here."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, key: str, core: CoreClient) -> None:
        self._http, self._auth, self._key, self._core = http, auth, key, core

    async def uid(self) -> str:
        uid = _UIDS.get(self._key)
        if uid is None:
            uid = (await self._core.current_user()).id
            _UIDS.put(self._key, uid)
        return uid

    async def _root(self, kind: str = "files") -> str:
        return f"/remote.php/dav/{kind}/{quote_path(await self.uid())}/"

    async def _dav(
        self,
        method: str,
        url: str,
        *,
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx2.Response:
        return await self._http.request(method, url, auth=self._auth, content=body, headers=headers, ok=ok)

    async def _propfind(self, kind: str, path: str, depth: str) -> list[DavEntry]:
        root = await self._root(kind)
        body = f'<?xml version="1.0"?><d:propfind {NS}><d:prop>{_PROPS}</d:prop></d:propfind>'
        response = await self._dav(
            "PROPFIND", dav_href(root, path, folder=True), body=body, headers={**_XML, "Depth": depth}
        )
        return parse_multistatus(response.content, unquote(root))

    async def list_folder(self, path: str) -> tuple[DavEntry, list[DavEntry]]:
        """The folder itself and its children (Depth 1)."""
        rel = normalize(path)
        entries = await self._propfind("files", rel, "1")
        if not entries:
            raise ProtocolError("Nextcloud answered PROPFIND with an empty multistatus.")
        me = next((e for e in entries if e.path == rel), entries[0])
        return me, [e for e in entries if e is not me]

    async def stat(self, path: str) -> DavEntry:
        rel = normalize(path)
        entries = await self._propfind("files", rel, "0")
        if not entries:
            raise NotFound(f"{rel or '/'} was not found.")
        return entries[0]

    async def read_text(self, path: str, max_bytes: int) -> TextContent:
        entry = await self.stat(path)
        if entry.is_dir:
            return TextContent(entry=entry, text=None, encoding=None, reason="This is a folder; use nc_files_list.")
        if entry.size is not None and entry.size > max_bytes:
            reason = f"The file is {entry.size} bytes; the limit is {max_bytes}. Use nc_files_download."
            return TextContent(entry=entry, text=None, encoding=None, reason=reason)
        # streamed with a cap: the size property may be missing or stale
        buf = bytearray()
        async with self._http.stream("GET", dav_href(await self._root(), entry.path), auth=self._auth) as response:
            ctype = response.headers.get("content-type")
            async for chunk in response.aiter_bytes(65536):
                buf += chunk
                if len(buf) > max_bytes:
                    break
        data = bytes(buf)
        if len(data) > max_bytes:
            reason = f"The file is larger than {max_bytes} bytes. Use nc_files_download."
            return TextContent(entry=entry, text=None, encoding=None, reason=reason)
        decoded = decode_text(data, ctype or entry.content_type)
        if decoded is None:
            reason = f"The file is binary ({entry.content_type or 'unknown type'}); use nc_files_download."
            return TextContent(entry=entry, text=None, encoding=None, reason=reason)
        return TextContent(entry=entry, text=decoded[0], encoding=decoded[1])

    async def write_text(self, path: str, text: str, *, etag: str | None, create_only: bool) -> DavEntry:
        rel = normalize(path)
        if not rel:
            raise NotFound("Give a file path, not the root folder.")
        # X-NC-WebDAV-AutoMkcol (Nextcloud 28+, apps/dav/lib/Connector/Sabre/AutoMkcolPlugin.php) creates parents
        headers = {"Content-Type": "text/plain; charset=utf-8", "X-NC-WebDAV-AutoMkcol": "1"}
        if etag:
            headers["If-Match"] = f'"{etag.strip(chr(34))}"'
        elif create_only:
            headers["If-None-Match"] = "*"
        try:
            try:
                body = text.encode()
            except UnicodeEncodeError as exc:
                raise BadRequest("The text contains invalid Unicode (an unpaired surrogate); remove it.") from exc
            await self._dav("PUT", dav_href(await self._root(), rel), body=body, headers=headers)
        except Conflict as exc:
            if exc.status == 412:
                what = "already exists" if create_only and not etag else "changed since it was read"
                raise Conflict(
                    f"{rel} {what}; read it again (nc_files_stat) and retry with its current etag.",
                    method=exc.method,
                    path=exc.path,
                    status=412,
                ) from exc
            raise
        return await self.stat(rel)

    async def download(self, path: str, local: Path, progress: Progress | None = None) -> tuple[DavEntry, int]:
        """Stream a file to `local` chunk by chunk (never whole in memory); returns the entry and bytes written."""
        entry = await self.stat(path)
        if entry.is_dir:
            raise NotFound(f"{entry.path} is a folder; only files can be downloaded.")
        written = 0
        partial = local.with_name(local.name + ".part")
        try:
            async with self._http.stream("GET", dav_href(await self._root(), entry.path), auth=self._auth) as resp:
                with partial.open("wb") as out:
                    async for chunk in resp.aiter_bytes(READ_CHUNK):
                        out.write(chunk)
                        written += len(chunk)
                        if progress is not None:
                            await progress(written, entry.size)
            partial.replace(local)
        finally:
            partial.unlink(missing_ok=True)
        return entry, written

    async def upload(
        self, local: Path, path: str, *, overwrite: bool, progress: Progress | None = None, threshold: int = CHUNK_SIZE
    ) -> DavEntry:
        """Stream `local` to `path`: one PUT up to `threshold` bytes, else chunked upload v2."""
        rel = normalize(path)
        if not rel:
            raise NotFound("Give a file path, not the root folder.")
        total = (await anyio.Path(local).stat()).st_size
        root = await self._root()
        target = dav_href(root, rel)
        # single PUT: refuse to replace an existing file; create missing parents (AutoMkcolPlugin)
        guard = {"X-NC-WebDAV-AutoMkcol": "1", **({} if overwrite else {"If-None-Match": "*"})}
        if total <= threshold:
            await self._put_file(target, local, 0, total, {**guard, "OC-Total-Length": str(total)}, progress, total)
            return await self.stat(rel)
        if not overwrite:
            # ChunkingV2Plugin's MOVE .file replaces an existing target whatever the Overwrite header says,
            # so check first (a concurrent create between this check and the MOVE still wins).
            await self._refuse_existing(rel)
        if parent(rel):
            await self.mkdir(parent(rel), parents=True)  # MOVE .file needs the target folder
        uid = quote_path(await self.uid())
        upload = f"/remote.php/dav/uploads/{uid}/{self.new_upload_id()}"
        destination = {"Destination": str(self._http.base_url).rstrip("/") + target}
        await self._dav("MKCOL", upload, headers=destination)
        try:
            offset, number = 0, 1
            while offset < total:
                size = min(threshold, total - offset)
                headers = {**destination, "OC-Total-Length": str(total)}
                await self._put_file(f"{upload}/{number:05d}", local, offset, size, headers, progress, total)
                offset += size
                number += 1
            # Sabre's getCopyAndMoveInfo answers 412 when the target exists and Overwrite is F
            overwrite_header = {"Overwrite": "T" if overwrite else "F"}
            await self._dav(
                "MOVE", f"{upload}/.file", headers={**destination, **overwrite_header, "OC-Total-Length": str(total)}
            )
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._dav("DELETE", upload, ok=(404,))
            raise
        return await self.stat(rel)

    async def _refuse_existing(self, rel: str) -> None:
        try:
            await self.stat(rel)
        except NotFound:
            return
        raise Conflict(f"{rel} already exists; pass overwrite=true to replace it.", status=412)

    async def _put_file(
        self,
        url: str,
        local: Path,
        offset: int,
        size: int,
        headers: Mapping[str, str],
        progress: Progress | None,
        total: int,
    ) -> None:
        async def body() -> AsyncIterator[bytes]:
            sent = 0
            with local.open("rb") as f:
                f.seek(offset)
                while sent < size:
                    block = f.read(min(CHUNK_SIZE // 8, size - sent))
                    if not block:
                        break
                    sent += len(block)
                    yield block
                    if progress is not None:
                        await progress(offset + sent, total)

        await self._http.request(
            "PUT", url, auth=self._auth, content=body(), headers={**headers, "Content-Length": str(size)}
        )

    async def mkdir(self, path: str, *, parents: bool) -> DavEntry:
        rel = normalize(path)
        root = await self._root()
        parts = rel.split("/") if rel else []
        targets = ["/".join(parts[: i + 1]) for i in range(len(parts))] if parents else [rel]
        for target in targets:
            # 405: already exists (a folder when parents=True is fine)
            await self._dav("MKCOL", dav_href(root, target, folder=True), ok=(405,) if parents else ())
        return await self.stat(rel)

    async def transfer(self, method: str, source: str, target: str, *, overwrite: bool) -> DavEntry:
        src, dst = normalize(source), normalize(target)
        if not src or not dst:
            raise NotFound("The root folder cannot be moved or copied.")
        root = await self._root()
        destination = str(self._http.base_url).rstrip("/") + dav_href(root, dst)
        try:
            await self._dav(
                method,
                dav_href(root, src),
                headers={"Destination": destination, "Overwrite": "T" if overwrite else "F"},
            )
        except Conflict as exc:
            if exc.status == 412:
                raise Conflict(
                    f"{dst} already exists; pass overwrite=true to replace it.",
                    method=exc.method,
                    path=exc.path,
                    status=412,
                ) from exc
            raise
        return await self.stat(dst)

    async def delete(self, path: str) -> None:
        rel = normalize(path)
        if not rel:
            raise NotFound("The root folder cannot be deleted.")
        await self._dav("DELETE", dav_href(await self._root(), rel))

    async def search(
        self,
        *,
        path: str,
        name: str | None,
        mime: str | None,
        min_size: int | None,
        max_size: int | None,
        modified_after: int | None,
        modified_before: int | None,
        favorites: bool,
        limit: int,
    ) -> list[DavEntry]:
        """DAV SEARCH (RFC 5323 subset of FileSearchBackend) under `path`."""
        rel = normalize(path)
        uid = await self.uid()
        conds: list[str] = []

        def cmp(op: str, prop: str, literal: str) -> None:
            conds.append(f"<d:{op}><d:prop>{prop}</d:prop><d:literal>{escape(literal)}</d:literal></d:{op}>")

        if name:
            cmp("like", "<d:displayname/>", name.replace("*", "%"))
        if mime:
            cmp("like", "<d:getcontenttype/>", mime.replace("*", "%"))
        if min_size is not None:
            cmp("gte", "<oc:size/>", str(min_size))
        if max_size is not None:
            cmp("lte", "<oc:size/>", str(max_size))
        if modified_after is not None:
            cmp("gt", "<d:getlastmodified/>", str(modified_after))
        if modified_before is not None:
            cmp("lt", "<d:getlastmodified/>", str(modified_before))
        if favorites:
            cmp("eq", "<oc:favorite/>", "1")
        if not conds:
            cmp("like", "<d:displayname/>", "%")
        where = conds[0] if len(conds) == 1 else f"<d:and>{''.join(conds)}</d:and>"
        scope = f"/files/{quote_path(uid)}/{quote_path(rel)}".rstrip("/")
        body = (
            f'<?xml version="1.0"?><d:searchrequest {NS}><d:basicsearch>'
            f"<d:select><d:prop>{_PROPS}</d:prop></d:select>"
            f"<d:from><d:scope><d:href>{scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from>"
            f"<d:where>{where}</d:where>"
            "<d:orderby><d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order></d:orderby>"
            f"<d:limit><d:nresults>{limit}</d:nresults></d:limit>"
            "</d:basicsearch></d:searchrequest>"
        )
        response = await self._dav("SEARCH", "/remote.php/dav/", body=body, headers={"Content-Type": "text/xml"})
        return parse_multistatus(response.content, unquote(await self._root()))

    async def favorites(self) -> list[DavEntry]:
        root = await self._root()
        body = (
            f'<?xml version="1.0"?><oc:filter-files {NS}><d:prop>{_PROPS}</d:prop>'
            "<oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules></oc:filter-files>"
        )
        response = await self._dav("REPORT", root, body=body, headers=_XML)
        return parse_multistatus(response.content, unquote(root))

    async def set_favorite(self, path: str, favorite: bool) -> None:
        rel = normalize(path)
        body = (
            f'<?xml version="1.0"?><d:propertyupdate {NS}><d:set><d:prop>'
            f"<oc:favorite>{int(favorite)}</oc:favorite></d:prop></d:set></d:propertyupdate>"
        )
        await self._dav("PROPPATCH", dav_href(await self._root(), rel), body=body, headers=_XML)

    async def trash_list(self) -> list[DavEntry]:
        entries = await self._propfind("trashbin", "trash", "1")
        return [e for e in entries if e.path not in ("trash", "")]

    async def trash_restore(self, trash_name: str) -> None:
        name = normalize(trash_name).removeprefix("trash/")
        uid = quote_path(await self.uid())
        dest = str(self._http.base_url).rstrip("/") + f"/remote.php/dav/trashbin/{uid}/restore/{quote_path(name)}"
        await self._dav(
            "MOVE", f"/remote.php/dav/trashbin/{uid}/trash/{quote_path(name)}", headers={"Destination": dest}
        )

    async def trash_delete(self, trash_name: str | None) -> None:
        uid = quote_path(await self.uid())
        suffix = "/" + quote_path(normalize(trash_name).removeprefix("trash/")) if trash_name else ""
        await self._dav("DELETE", f"/remote.php/dav/trashbin/{uid}/trash{suffix}")

    async def versions(self, path: str) -> tuple[DavEntry, list[DavEntry]]:
        entry = await self.stat(path)
        if entry.file_id is None:
            raise ProtocolError("Nextcloud did not report a file id for this file.")
        entries = await self._propfind("versions", f"versions/{entry.file_id}", "1")
        return entry, [e for e in entries if e.path != f"versions/{entry.file_id}"]

    async def version_restore(self, path: str, version: str) -> None:
        entry = await self.stat(path)
        uid = quote_path(await self.uid())
        src = f"/remote.php/dav/versions/{uid}/versions/{entry.file_id}/{quote_path(normalize(version))}"
        dest = str(self._http.base_url).rstrip("/") + f"/remote.php/dav/versions/{uid}/restore/target"
        await self._dav("MOVE", src, headers={"Destination": dest})

    async def comments(self, path: str, limit: int, offset: int) -> list[dict[str, Any]]:
        entry = await self.stat(path)
        body = (
            f'<?xml version="1.0"?><oc:filter-comments {NS}><oc:limit>{limit}</oc:limit>'
            f"<oc:offset>{offset}</oc:offset></oc:filter-comments>"
        )
        response = await self._dav("REPORT", f"/remote.php/dav/comments/files/{entry.file_id}", body=body, headers=_XML)
        return parse_comments(response.content)

    async def comment_add(self, path: str, message: str) -> None:
        entry = await self.stat(path)
        await self._http.request(
            "POST",
            f"/remote.php/dav/comments/files/{entry.file_id}",
            auth=self._auth,
            json={"actorType": "users", "verb": "comment", "message": message},
        )

    def new_upload_id(self) -> str:
        return f"mcp-{uuid.uuid4().hex}"


def files_client(session: NextcloudSession) -> FilesClient:
    """The session's FilesClient."""
    return session.client(FilesClient, lambda: FilesClient(session.http, session.auth, session.key, session.core))
