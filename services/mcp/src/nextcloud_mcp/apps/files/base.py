"""The WebDAV ground every files operation stands on: the user's uid and DAV roots, PROPFIND, stat, MKCOL, and
the write preconditions (sabre-io/dav lib/DAV/Server.php::checkPreconditions).

The uid in every DAV path is `GET /ocs/v2.php/cloud/user` `data.id`, never the login name (they differ
with LDAP or user_oidc). Properties: nextcloud/server apps/dav/lib/Connector/Sabre/FilesPlugin.php.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import unquote

import httpx2

from nextcloud_mcp.apps.files.advice import EXPLAINED, EXPLAINED_TRANSFER, explain, saved_but_unread
from nextcloud_mcp.core.dav import NS, DavEntry, parse_multistatus
from nextcloud_mcp.core.errors import Conflict, NextcloudError, NotFound
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import CoreClient
from nextcloud_mcp.core.partial import after_write
from nextcloud_mcp.core.paths import dav_href, normalize, quote_path

__all__ = [
    "CHUNK_SIZE",
    "PROPS",
    "READ_CHUNK",
    "SEARCHDAV_NS",
    "XML",
    "_UIDS",
    "DavBase",
    "Progress",
    "UidCache",
    "guard",
]

PROPS = (
    "<d:getlastmodified/><d:getetag/><d:getcontenttype/><d:resourcetype/><d:getcontentlength/>"
    "<oc:fileid/><oc:size/><oc:permissions/><oc:favorite/><nc:has-preview/>"
    "<nc:trashbin-filename/><nc:trashbin-original-location/><nc:trashbin-deletion-time/>"
)
CHUNK_SIZE = 10 * 1024 * 1024  # chunked-upload v2 chunk size and the single-PUT threshold
READ_CHUNK = 256 * 1024  # download buffer: small, so RSS stays flat while streaming (docs/performance.md)
Progress = Callable[[int, int | None], Awaitable[None]]
XML = {"Content-Type": "application/xml; charset=utf-8"}
#: icewind1991/SearchDAV src/XML/Limit.php reads the offset as {SearchPlugin::SEARCHDAV_NS}firstresult
SEARCHDAV_NS = "https://github.com/icewind1991/SearchDAV/ns"


def guard(etag: str | None, force: bool) -> dict[str, str]:
    """The PUT precondition: replace the version `etag` names, anything (`force`), or nothing (create only)."""
    if etag:
        return {"If-Match": f'"{etag.strip(chr(34))}"'}
    return {} if force else {"If-None-Match": "*"}


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


class DavBase:
    """WebDAV as one user; every `path` argument is user-relative and normalised here."""

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
        body: str | bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx2.Response:
        """One DAV request; a 409, 423 or 507 (a 415 for MOVE/COPY) not in `ok` is explained for its method
        (`advice.explain`)."""
        explained = EXPLAINED + (EXPLAINED_TRANSFER if method in ("MOVE", "COPY") else ())
        response = await self._http.request(
            method, url, auth=self._auth, content=body, headers=headers, ok=ok + explained
        )
        if response.status_code in explained and response.status_code not in ok:
            raise explain(response, await self._root(), headers)
        return response

    async def _propfind(self, kind: str, path: str, depth: str) -> list[DavEntry]:
        root = await self._root(kind)
        body = f'<?xml version="1.0"?><d:propfind {NS}><d:prop>{PROPS}</d:prop></d:propfind>'
        try:
            response = await self._dav(
                "PROPFIND", dav_href(root, path, folder=True), body=body, headers={**XML, "Depth": depth}
            )
        except NotFound as exc:
            if kind != "files":
                raise
            raise NotFound(
                f"/{path} does not exist (or is not shared with you); find it with nc_files_list_files or "
                "nc_files_search_files.",
                method=exc.method,
                path=exc.path,
                status=exc.status,
            ) from exc
        return parse_multistatus(response.content, unquote(root))

    async def stat(self, path: str) -> DavEntry:
        rel = normalize(path)
        entries = await self._propfind("files", rel, "0")
        if not entries:
            raise NotFound(f"/{rel} does not exist; find it with nc_files_list_files or nc_files_search_files.")
        return entries[0]

    async def _precondition_failed(self, rel: str, etag: str | None, exc: NextcloudError) -> Conflict:
        """Say why a guarded write was refused: the file exists (create only), or it changed or went away."""
        where: dict[str, Any] = {"method": exc.method, "path": exc.path, "status": exc.status}
        if not etag:
            return Conflict(
                f"/{rel} already exists; to replace it, pass the etag from nc_files_read_file or "
                "nc_files_get_file, or force=true to overwrite it.",
                **where,
            )
        try:
            current = await self.stat(rel)
        except NotFound:
            return Conflict(
                f"/{rel} no longer exists (moved or deleted); call again without etag to create it.", **where
            )
        return Conflict(
            f"/{rel} changed since you read it; read it again with nc_files_read_file and retry with its new etag.",
            current=current.etag,
            **where,
        )

    async def mkdir(self, path: str, *, parents: bool) -> DavEntry:
        rel = normalize(path)
        root = await self._root()
        parts = rel.split("/") if rel else []
        targets = ["/".join(parts[: i + 1]) for i in range(len(parts))] if parents else [rel]
        created: list[str] = []
        for target in targets:
            # Sabre answers 405 when the target exists (a folder on the way is fine when parents=True)
            try:
                response = await self._dav("MKCOL", dav_href(root, target, folder=True), ok=(405,))
            except NextcloudError as exc:
                if not created:
                    raise
                raise after_write(
                    exc,
                    f"Created {', '.join('/' + c for c in created)}, then creating /{target} failed:",
                    "Calling nc_files_create_folder again with the same path is safe: folders that exist are kept.",
                ) from None
            if response.status_code == 405 and target == rel:
                entry = await self.stat(rel)
                if not (entry.is_dir and parents):
                    kind = "A folder" if entry.is_dir else "A file"
                    raise Conflict(f"{kind} /{rel} already exists; pick another name or use it as it is.", status=405)
            elif response.status_code != 405:
                created.append(target)
        try:
            return await self.stat(rel)
        except NextcloudError as exc:
            done = "was created" if rel in created else "exists"
            raise saved_but_unread(exc, f"/{rel}", f"The folder /{rel} {done}") from None
