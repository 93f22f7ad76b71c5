"""Streamed transfers between the local disk and Nextcloud: downloads, single-PUT uploads and chunked upload v2
(nextcloud/server apps/dav/lib/Upload/ChunkingV2Plugin.php)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import anyio

from nextcloud_mcp.apps.files.advice import saved_but_unread
from nextcloud_mcp.apps.files.base import CHUNK_SIZE, READ_CHUNK, DavBase, Progress, guard
from nextcloud_mcp.core.dav import DavEntry
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError, NotFound
from nextcloud_mcp.core.partial import after_write, unanswered
from nextcloud_mcp.core.paths import dav_href, normalize, parent, quote_path

__all__ = ["Transfers"]


def _move_guard(destination: str, etag: str | None, force: bool) -> dict[str, str]:
    """The headers that make the chunked upload's final MOVE conditional, as a single PUT's If-Match /
    If-None-Match make it: sabre-io/dav Server::checkPreconditions evaluates the RFC 4918 `If` header for every
    method, so `If: <target> (["etag"])` refuses the MOVE (412) unless the target still has that ETag (a missing
    target is a 404 there); without an etag, `Overwrite: F` makes Server::getCopyAndMoveInfo refuse an existing
    target (412). Both are checked before ChunkingV2Plugin::beforeMove assembles anything; nextcloud/desktop
    src/libsync/propagateuploadng.cpp guards its MOVE the same way."""
    if force:
        return {"Overwrite": "T"}
    if etag:
        return {"Overwrite": "T", "If": f'<{destination}> (["{etag.strip(chr(34))}"])'}
    return {"Overwrite": "F"}


def _next(rel: str, unsure: bool) -> str:
    if unsure:
        return (
            f"/{rel} may or may not have been written: check it with nc_files_get_file (size, modified) before "
            "calling nc_files_upload_file again."
        )
    return f"Nothing was written to /{rel}; nc_files_upload_file can be called again."


class Transfers(DavBase):
    """Downloads to and uploads from local files, streamed (never whole in memory)."""

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
        self,
        local: Path,
        path: str,
        *,
        etag: str | None = None,
        force: bool = False,
        progress: Progress | None = None,
        threshold: int = CHUNK_SIZE,
    ) -> DavEntry:
        """Stream `local` to `path`: one PUT up to `threshold` bytes, else chunked upload v2. Without `etag` or
        `force` it only creates a new file; with `etag` it replaces only that version."""
        rel = normalize(path)
        if not rel:
            raise InvalidInput("Give a file path such as /Documents/a.bin, not the root folder.")
        total = (await anyio.Path(local).stat()).st_size
        root = await self._root()
        target = dav_href(root, rel)
        if total <= threshold:
            # single PUT: Sabre checks the precondition; AutoMkcolPlugin creates missing parents
            headers = {"X-NC-WebDAV-AutoMkcol": "1", "OC-Total-Length": str(total), **guard(etag, force)}
            try:
                await self._put_file(target, local, 0, total, headers, progress, total)
            except Conflict as exc:
                if exc.status == 412:
                    raise await self._precondition_failed(rel, etag, exc) from exc
                raise
            return await self._uploaded(rel, total)
        if not force:
            # early, so a refused upload sends no parts; the final MOVE is guarded again (below)
            await self._check_target(rel, etag)
        if parent(rel):
            await self.mkdir(parent(rel), parents=True)  # MOVE .file needs the target folder
        uid = quote_path(await self.uid())
        upload = f"/remote.php/dav/uploads/{uid}/{self.new_upload_id()}"
        destination = {"Destination": str(self._http.base_url).rstrip("/") + target}
        guard_move = _move_guard(destination["Destination"], etag, force)
        await self._dav("MKCOL", upload, headers=destination)
        parts, step = -(-total // threshold), "assembling the parts"
        try:
            offset, number = 0, 1
            while offset < total:
                size = min(threshold, total - offset)
                headers = {**destination, "OC-Total-Length": str(total)}
                step = f"sending part {number} of {parts}"
                await self._put_file(f"{upload}/{number:05d}", local, offset, size, headers, progress, total)
                offset += size
                number += 1
            step = "assembling the parts"
            await self._dav(
                "MOVE", f"{upload}/.file", headers={**destination, **guard_move, "OC-Total-Length": str(total)}
            )
        except NextcloudError as exc:
            refused = await self._guard_refused(rel, etag, step, exc)
            if refused is not None:
                with anyio.CancelScope(shield=True), contextlib.suppress(NextcloudError):
                    await self._dav("DELETE", upload, ok=(404,))  # else Nextcloud drops it after a day
                raise refused from None
            raise await self._abandon(upload, rel, step, exc) from None
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._dav("DELETE", upload, ok=(404,))
            raise
        return await self._uploaded(rel, total)

    async def _uploaded(self, rel: str, total: int) -> DavEntry:
        try:
            return await self.stat(rel)
        except NextcloudError as exc:
            raise saved_but_unread(exc, f"/{rel}", f"/{rel} was uploaded ({total} bytes)") from None

    async def _abandon(self, upload: str, rel: str, step: str, exc: NextcloudError) -> NextcloudError:
        """A chunked upload failed at `step`: remove its upload folder and say what state the target is in."""
        failed = f"Uploading /{rel} failed while {step}:"
        unsure = step.startswith("assembling") and unanswered(exc)  # no answer: the MOVE may have happened
        with anyio.CancelScope(shield=True):
            try:
                await self._dav("DELETE", upload, ok=(404,))
            except NextcloudError:
                return after_write(
                    exc,
                    failed,
                    f"Its parts could not be removed ({upload.rsplit('/', 1)[-1]}); Nextcloud deletes unfinished "
                    "uploads after a day. " + _next(rel, unsure),
                )
        return after_write(exc, failed, "Its parts were removed. " + _next(rel, unsure))

    async def _guard_refused(self, rel: str, etag: str | None, step: str, exc: NextcloudError) -> NextcloudError | None:
        """What the final MOVE's guard refusing means: 412 (the target exists, or no longer has `etag`), or 404
        when the `If` ETag check found no target (sabre-io/dav Server::checkPreconditions looks it up); None
        when the failure is not the guard's."""
        if not step.startswith("assembling") or exc.status not in (404, 412):
            return None
        if exc.status == 412:
            return await self._precondition_failed(rel, etag, exc)
        if not etag:
            return None
        try:
            await self.stat(rel)
        except NotFound:
            return await self._precondition_failed(rel, etag, exc)
        return None  # the target is there: the 404 was the upload's own (expired) folder

    async def _check_target(self, rel: str, etag: str | None) -> None:
        """The precondition Sabre checks for a single PUT, checked before a chunked upload's final MOVE."""
        try:
            current = await self.stat(rel)
        except NotFound:
            if etag:
                raise Conflict(
                    f"/{rel} no longer exists (moved or deleted); call again without etag to create it.", status=412
                ) from None
            return
        if not etag:
            raise Conflict(
                f"/{rel} already exists; to replace it, pass its etag from nc_files_get_file, or force=true.",
                status=412,
            )
        if current.etag != etag.strip('"'):
            raise Conflict(
                f"/{rel} changed since you read it; check it with nc_files_get_file and retry with its new etag.",
                current=current.etag,
                status=412,
            )

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

        await self._dav("PUT", url, body=body(), headers={**headers, "Content-Length": str(size)})

    def new_upload_id(self) -> str:
        return f"mcp-{uuid.uuid4().hex}"
