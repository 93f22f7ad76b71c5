"""Notes API v1 client (nextcloud/notes: docs/api/v1.md, lib/Controller/NotesApiController.php).

Facts this client relies on:
- the `etag` field is unquoted while `If-Match` must be *quoted*; the app compares against
  `'"' . etag . '"'` (lib/Controller/Helper.php::getNoteWithETagCheck) and answers 412 with the
  server's current note as body; without `If-Match` nothing is checked (what `force` uses);
- errors carry no message, only `{"errorType": <exception class>}` (Helper.php::handleErrorResponse: 404 missing,
  403 read-only, 423 locked, 507 quota), so this client writes the messages;
- `GET /notes` takes `pruneBefore` (unchanged notes come back as `{"id": N}`) and `chunkSize` /
  `chunkCursor` with the next cursor in `X-Notes-Chunk-Cursor`; pruned entries only arrive in the last
  chunk, the only response that lists every id (docs/api/v1.md "Chunked sync");
- every request carries `OCS-APIRequest: true`: the API is `#[CORS]`, and CORSMiddleware logs out any
  session that fails `Request::passesCSRFCheck` (nextcloud/server lib/private/AppFramework/Middleware/
  Security/CORSMiddleware.php), which any non-empty `OCS-APIRequest` header passes
  (lib/private/AppFramework/Http/Request.php). So a Bearer login (user_oidc) survives without the Bearer patch.

`NotesCache` keeps each user's notes between calls, so a listing after the first one transfers only
the notes modified since (via `pruneBefore`) and still notices deletions.
"""

from __future__ import annotations

import email.utils
import time
from collections import OrderedDict
from typing import Any

import anyio
import httpx2
from pydantic import BaseModel, ConfigDict, ValidationError

from nextcloud_mcp.apps.notes import MIN_NOTES_API, supports_notes
from nextcloud_mcp.core.download import Download, download
from nextcloud_mcp.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InsufficientStorage,
    Locked,
    NextcloudError,
    NotFound,
    ProtocolError,
)
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = [
    "CREATE_TOOL",
    "GET_TOOL",
    "LIST_TOOL",
    "MIN_API_VERSION",
    "SEARCH_TOOL",
    "UPDATE_TOOL",
    "Note",
    "NotesCache",
    "NotesClient",
    "notes_client",
    "supports_notes",
]

#: The tools error messages send the caller to (apps/notes/tools.py defines them under these names).
LIST_TOOL = "nc_notes_list_notes"
SEARCH_TOOL = "nc_notes_search_notes"
GET_TOOL = "nc_notes_get_note"
CREATE_TOOL = "nc_notes_create_note"
UPDATE_TOOL = "nc_notes_update_note"

BASE = "/index.php/apps/notes/api/v1"
ATTACHMENT_BASE = "/index.php/apps/notes/api/v1.4"  # attachments exist only in API 1.4 (Notes 4.12.3+)
CHUNK_SIZE = 200
MIN_API_VERSION = MIN_NOTES_API  # If-Match support arrived in API 1.2 (docs/api/README.md)
HEADERS = {"OCS-APIRequest": "true"}


class Note(BaseModel):
    """A note as the API sends it; unknown fields (`internalPath`, `shareTypes`, …) are ignored."""

    model_config = ConfigDict(extra="ignore")
    id: int
    etag: str = ""
    readonly: bool = False
    content: str = ""
    title: str = ""
    category: str = ""
    favorite: bool = False
    modified: int = 0


class _UserNotes:
    def __init__(self) -> None:
        self.notes: dict[int, Note] = {}
        self.synced_at: int | None = None  # server time (s) at the start of the last complete listing
        self.lock = anyio.Lock()


class NotesCache:
    """Per-user note caches, bounded to `max_users` (least recently used dropped first)."""

    def __init__(self, max_users: int = 64) -> None:
        self._users: OrderedDict[str, _UserNotes] = OrderedDict()
        self._max = max_users

    def for_user(self, key: str) -> _UserNotes:
        entry = self._users.get(key)
        if entry is None:
            entry = self._users[key] = _UserNotes()
            while len(self._users) > self._max:
                self._users.popitem(last=False)
        else:
            self._users.move_to_end(key)
        return entry


class NotesClient:
    """The Notes API for one user. `cache_key` identifies the user in `cache` (never a credential)."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth, cache: NotesCache, cache_key: str) -> None:
        self._http = http
        self._auth = auth
        self._cache = cache.for_user(cache_key)

    async def list_all(self) -> list[Note]:
        """Every note of the user, refreshed incrementally with `pruneBefore` after the first call."""
        cache = self._cache
        async with cache.lock:
            prune_before = cache.synced_at
            entries, server_time = await self._fetch_all(prune_before)
            # The last chunk names every note not in it by id alone: those of earlier chunks (sent whole above)
            # and those unchanged since `pruneBefore` (whole in our cache).
            sent = {int(e["id"]) for e in entries if set(e) != {"id"}}
            fresh: dict[int, Note] = {}
            for entry in entries:
                if set(entry) == {"id"}:
                    if int(entry["id"]) in sent:
                        continue
                    cached = cache.notes.get(int(entry["id"]))
                    if cached is None:  # pruned but unknown to us: start over without pruning
                        cache.synced_at = None
                        entries, server_time = await self._fetch_all(None)
                        whole = (e for e in entries if set(e) != {"id"})  # unpruned: each note whole once
                        fresh = {note.id: note for note in map(_note, whole)}
                        break
                    fresh[cached.id] = cached
                else:
                    note = _note(entry)
                    fresh[note.id] = note
            cache.notes = fresh
            cache.synced_at = server_time - 1  # one second of slack for notes saved during the listing
            return list(fresh.values())

    async def get(self, note_id: int) -> Note:
        response = await self._call("GET", f"/notes/{note_id}", note_id)
        return self._remember(_note(response.json()))

    async def create(self, *, title: str, content: str, category: str, favorite: bool) -> Note:
        body = {"title": title, "content": content, "category": category, "favorite": favorite}
        response = await self._call("POST", "/notes", None, json=body)
        return self._remember(_note(response.json()))

    async def update(self, note_id: int, etag: str | None, changes: dict[str, Any]) -> Note:
        """Change the given fields if the note still has `etag` (sent as a quoted If-Match); else raise Conflict
        with the server's note. Without an etag nothing is checked (the caller chose to overwrite)."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-Match"] = etag if etag.startswith('"') else f'"{etag}"'
        response = await self._call("PUT", f"/notes/{note_id}", note_id, json=changes, headers=headers, ok=(412,))
        if response.status_code == 412:
            current = _note(response.json())
            self._remember(current)
            raise Conflict(
                f"Note {note_id} changed on the server since etag {(etag or '').strip(chr(34))} was read; "
                "your change was NOT applied.",
                current=current,
                method="PUT",
                path=response.request.url.path,
                status=412,
            )
        return self._remember(_note(response.json()))

    async def delete(self, note_id: int) -> None:
        await self._call("DELETE", f"/notes/{note_id}", note_id)
        self._cache.notes.pop(note_id, None)

    async def attachment(self, note_id: int, path: str, max_bytes: int) -> Download:
        """A file next to the note (NotesApiController::getAttachment, `GET /api/v1.4/attachment/{noteid}?path=`):
        `path` is resolved against the note's category folder, `..` climbing (NotesService::getAttachment). Every
        failure is 404 `{"errorType": …}`; Notes before 4.12.3 has no such route, so its catch-all
        (`notes_api#fail`) answers 400."""
        return await download(
            self._http,
            f"{ATTACHMENT_BASE}/attachment/{note_id}",
            auth=self._auth,
            max_bytes=max_bytes,
            params={"path": path},
            headers=HEADERS,
            errors=(400, 404),
            on_error=lambda response: _attachment_error(response, note_id, path),
        )

    async def _call(
        self,
        method: str,
        path: str,
        note_id: int | None,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx2.Response:
        try:
            return await self._http.request(
                method, BASE + path, auth=self._auth, json=json, headers={**HEADERS, **(headers or {})}, ok=ok
            )
        except NotFound as exc:
            if note_id is not None:
                self._cache.notes.pop(note_id, None)
                exc.message = (
                    f"Note {note_id} does not exist (or is not visible to this user); "
                    f"find note ids with {LIST_TOOL} or {SEARCH_TOOL}."
                )
            else:
                exc.message = "The Notes API was not found: ask an admin to install and enable the Notes app."
            raise
        except Forbidden as exc:
            if note_id is not None:
                exc.message = (
                    f"Note {note_id} is read-only for this user (e.g. shared read-only): only favorite can change; "
                    f"copy it into a new note with {CREATE_TOOL} to edit it."
                )
            raise
        except Locked as exc:  # OCP\Lock\LockedException: the note's file is being written by someone else
            what = f"Note {note_id} is" if note_id is not None else "The notes folder is"
            exc.message = (
                f"{what} locked: another app or client is saving it right now; nothing was changed. Call the tool "
                f"again in a moment (an update with your etag is refused if the note changed meanwhile; {GET_TOOL} "
                "shows its current state)."
            )
            raise
        except InsufficientStorage as exc:  # InsufficientStorageException (NoteUtil::ensureSufficientStorage)
            exc.message = (
                "The user's storage quota is used up, so the note cannot be saved; nothing was changed. Free space by "
                "deleting notes or files you no longer need (the trash does not count against the quota), or ask an "
                "admin to raise the quota."
            )
            raise

    async def _fetch_all(self, prune_before: int | None) -> tuple[list[dict[str, Any]], int]:
        params: dict[str, Any] = {"chunkSize": CHUNK_SIZE}
        if prune_before is not None:
            params["pruneBefore"] = prune_before
        entries: list[dict[str, Any]] = []
        server_time: int | None = None
        while True:
            response = await self._http.request("GET", BASE + "/notes", auth=self._auth, params=params, headers=HEADERS)
            if server_time is None:
                server_time = _server_time(response)
            page = response.json()
            if not isinstance(page, list):
                raise ProtocolError("Notes API listing is not a JSON array.", path=BASE + "/notes")
            entries.extend(page)
            cursor = response.headers.get("X-Notes-Chunk-Cursor")
            if not cursor:
                return entries, server_time
            params["chunkCursor"] = cursor

    def _remember(self, note: Note) -> Note:
        if note.id in self._cache.notes or self._cache.synced_at is not None:
            self._cache.notes[note.id] = note
        return note


def _attachment_error(response: httpx2.Response, note_id: int, path: str) -> NextcloudError:
    where: dict[str, Any] = {"method": "GET", "path": response.request.url.path, "status": response.status_code}
    if response.status_code == 400:
        return BadRequest(
            "This Notes app has no attachment API (Notes API 1.4 arrived with Notes 4.12.3): ask an admin to update "
            "Notes, or read the file in the Notes folder with nc_files_read_file.",
            **where,
        )
    return NotFound(
        f"Note {note_id} has no attachment {path!r}, or the note does not exist. Attachment paths are the links in "
        f"the note's Markdown ({GET_TOOL}), relative to the note, e.g. .attachments.{note_id}/photo.png.",
        **where,
    )


def _note(data: Any) -> Note:
    try:
        return Note.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError("Notes API sent a note in an unexpected shape.", path=BASE) from exc


def _server_time(response: httpx2.Response) -> int:
    date = response.headers.get("Date")
    if date:
        try:
            return int(email.utils.parsedate_to_datetime(date).timestamp())
        except (TypeError, ValueError):
            pass
    return int(time.time())


def notes_client(session: NextcloudSession) -> NotesClient:
    """The session's NotesClient."""
    return session.client(
        NotesClient, lambda: NotesClient(session.http, session.auth, session.shared(NotesCache), session.key)
    )
