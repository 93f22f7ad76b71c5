"""Files over WebDAV (`/remote.php/dav/files/{uid}/`), trash, versions and comments.

The uid in every DAV path is `GET /ocs/v2.php/cloud/user` `data.id`, never the login name (they differ
with LDAP or user_oidc). Sources: nextcloud/server apps/dav/lib/Connector/Sabre/FilesPlugin.php (props),
apps/dav/lib/Files/FileSearchBackend.php (SEARCH), apps/files_trashbin/lib/Sabre, apps/files_versions/lib/Sabre.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from pydantic import BaseModel

from nextcloud_mcp.apps.files.advice import saved_but_unread
from nextcloud_mcp.apps.files.base import _UIDS, PROPS, SEARCHDAV_NS, XML, UidCache, guard
from nextcloud_mcp.apps.files.uploads import Transfers
from nextcloud_mcp.core.dav import NS, DavEntry, parse_comments, parse_multistatus
from nextcloud_mcp.core.errors import BadRequest, Conflict, InvalidInput, NextcloudError, ProtocolError
from nextcloud_mcp.core.extract.reading import decode_text
from nextcloud_mcp.core.paths import dav_href, normalize, quote_path
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["_UIDS", "FileBytes", "FilesClient", "TextContent", "UidCache", "decode_text", "files_client"]


class TextContent(BaseModel):
    entry: DavEntry
    text: str | None  # None when the file is binary or too large
    encoding: str | None
    reason: str | None = None


class FileBytes(BaseModel):
    entry: DavEntry
    data: bytes | None = None  # None when the path is a folder or the file too large (`reason` says which)
    content_type: str | None = None  # the GET answer's Content-Type, else the DAV property
    reason: str | None = None


class FilesClient(Transfers):
    """WebDAV operations as one user; every `path` argument is user-relative and normalised here."""

    async def list_folder(self, path: str) -> tuple[DavEntry, list[DavEntry]]:
        """The folder itself and its children (Depth 1)."""
        rel = normalize(path)
        entries = await self._propfind("files", rel, "1")
        if not entries:
            raise ProtocolError("Nextcloud answered PROPFIND with an empty multistatus.")
        me = next((e for e in entries if e.path == rel), entries[0])
        return me, [e for e in entries if e is not me]

    async def read_bytes(self, path: str, max_bytes: int, entry: DavEntry | None = None) -> FileBytes:
        """A file's content when it has at most `max_bytes`, else `reason` says why not (folder, too large).
        `entry` is the file's stat when the caller has it already."""
        entry = entry or await self.stat(path)
        if entry.is_dir:
            return FileBytes(entry=entry, reason="This is a folder; use nc_files_list_files.")
        if entry.size is not None and entry.size > max_bytes:
            reason = f"The file is {entry.size} bytes; the limit is {max_bytes}. Use nc_files_download_file."
            return FileBytes(entry=entry, reason=reason)
        # streamed with a cap: the size property may be missing or stale
        buf = bytearray()
        async with self._http.stream("GET", dav_href(await self._root(), entry.path), auth=self._auth) as response:
            ctype = response.headers.get("content-type")
            async for chunk in response.aiter_bytes(65536):
                buf += chunk
                if len(buf) > max_bytes:
                    break
        if len(buf) > max_bytes:
            reason = f"The file is larger than {max_bytes} bytes. Use nc_files_download_file."
            return FileBytes(entry=entry, reason=reason)
        return FileBytes(entry=entry, data=bytes(buf), content_type=ctype or entry.content_type)

    async def read_text(self, path: str, max_bytes: int, entry: DavEntry | None = None) -> TextContent:
        got = await self.read_bytes(path, max_bytes, entry)
        entry, data = got.entry, got.data
        if data is None:
            return TextContent(entry=entry, text=None, encoding=None, reason=got.reason)
        decoded = decode_text(data, got.content_type)
        if decoded is None:
            reason = f"The file is binary ({entry.content_type or 'unknown type'}); use nc_files_download_file."
            return TextContent(entry=entry, text=None, encoding=None, reason=reason)
        return TextContent(entry=entry, text=decoded[0], encoding=decoded[1])

    async def write_text(self, path: str, text: str, *, etag: str | None, force: bool) -> DavEntry:
        """PUT `text`: over the version `etag` names (If-Match), over anything (`force`), or only as a new file
        (If-None-Match: *); sabre-io/dav lib/DAV/Server.php::checkPreconditions answers 412 otherwise."""
        rel = normalize(path)
        if not rel:
            raise InvalidInput("Give a file path such as /Documents/a.txt, not the root folder.")
        try:
            body = text.encode()
        except UnicodeEncodeError as exc:
            raise BadRequest("The text contains invalid Unicode (an unpaired surrogate); remove it.") from exc
        # X-NC-WebDAV-AutoMkcol (Nextcloud 28+, apps/dav/lib/Connector/Sabre/AutoMkcolPlugin.php) creates parents
        headers = {"Content-Type": "text/plain; charset=utf-8", "X-NC-WebDAV-AutoMkcol": "1", **guard(etag, force)}
        try:
            await self._dav("PUT", dav_href(await self._root(), rel), body=body, headers=headers)
        except Conflict as exc:
            if exc.status == 412:
                raise await self._precondition_failed(rel, etag, exc) from exc
            raise
        try:
            return await self.stat(rel)
        except NextcloudError as exc:
            raise saved_but_unread(exc, f"/{rel}", f"/{rel} was written ({len(body)} bytes)") from None

    async def transfer(self, method: str, source: str, target: str, *, overwrite: bool) -> DavEntry:
        src, dst = normalize(source), normalize(target)
        if not src or not dst:
            raise InvalidInput("The root folder cannot be moved or copied; give a path below it.")
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
        try:
            return await self.stat(dst)
        except NextcloudError as exc:
            verb = "moved" if method == "MOVE" else "copied"
            raise saved_but_unread(exc, f"/{dst}", f"/{src} was {verb} to /{dst}") from None

    async def delete(self, path: str) -> None:
        rel = normalize(path)
        if not rel:
            raise InvalidInput("The root folder cannot be deleted; give a path below it.")
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
        favorite: bool,
        limit: int,
        offset: int = 0,
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
        if favorite:
            cmp("eq", "<oc:favorite/>", "1")
        if not conds:
            cmp("like", "<d:displayname/>", "%")
        where = conds[0] if len(conds) == 1 else f"<d:and>{''.join(conds)}</d:and>"
        scope = f"/files/{quote_path(uid)}/{quote_path(rel)}".rstrip("/")
        body = (
            f'<?xml version="1.0"?><d:searchrequest {NS}><d:basicsearch>'
            f"<d:select><d:prop>{PROPS}</d:prop></d:select>"
            f"<d:from><d:scope><d:href>{scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from>"
            f"<d:where>{where}</d:where>"
            "<d:orderby><d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order></d:orderby>"
            f'<d:limit><d:nresults>{limit}</d:nresults><sd:firstresult xmlns:sd="{SEARCHDAV_NS}">{offset}'
            "</sd:firstresult></d:limit>"
            "</d:basicsearch></d:searchrequest>"
        )
        response = await self._dav("SEARCH", "/remote.php/dav/", body=body, headers={"Content-Type": "text/xml"})
        return parse_multistatus(response.content, unquote(await self._root()))

    async def favorites(self) -> list[DavEntry]:
        root = await self._root()
        body = (
            f'<?xml version="1.0"?><oc:filter-files {NS}><d:prop>{PROPS}</d:prop>'
            "<oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules></oc:filter-files>"
        )
        response = await self._dav("REPORT", root, body=body, headers=XML)
        return parse_multistatus(response.content, unquote(root))

    async def set_favorite(self, path: str, favorite: bool) -> None:
        rel = normalize(path)
        body = (
            f'<?xml version="1.0"?><d:propertyupdate {NS}><d:set><d:prop>'
            f"<oc:favorite>{int(favorite)}</oc:favorite></d:prop></d:set></d:propertyupdate>"
        )
        await self._dav("PROPPATCH", dav_href(await self._root(), rel), body=body, headers=XML)

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
        response = await self._dav("REPORT", f"/remote.php/dav/comments/files/{entry.file_id}", body=body, headers=XML)
        return parse_comments(response.content)

    async def comment_add(self, path: str, message: str) -> None:
        entry = await self.stat(path)
        await self._http.request(
            "POST",
            f"/remote.php/dav/comments/files/{entry.file_id}",
            auth=self._auth,
            json={"actorType": "users", "verb": "comment", "message": message},
        )


def files_client(session: NextcloudSession) -> FilesClient:
    """The session's FilesClient."""
    return session.client(FilesClient, lambda: FilesClient(session.http, session.auth, session.key, session.core))
