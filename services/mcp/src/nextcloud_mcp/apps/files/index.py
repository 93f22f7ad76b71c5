"""The files the semantic index holds (`core.indexing`): text files and documents (PDF, DOCX/XLSX/PPTX,
ODT/ODS/ODP) the caller can read, found by walking their folders over WebDAV (shares they received included),
versioned by their etags. The Notes app's folder is skipped: those files are indexed as notes.

A document's text comes from `core.extract` (a child process per file), within the limits `nc_files_read_file`
uses: MCP_EXTRACT_MAX_BYTES, MCP_EXTRACT_TIMEOUT, MCP_EXTRACT_MEMORY_MB, read from the settings the session's HTTP
client was made with. A document that is too large, encrypted, corrupt or too slow is `Unindexable`: reported, and
not read again until its etag changes."""

from __future__ import annotations

from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.dav import DavEntry
from nextcloud_mcp.core.errors import NextcloudError, NotFound, UnreadableDocument
from nextcloud_mcp.core.extract import ExtractLimits, document_kind, extract_text
from nextcloud_mcp.core.indexing import Indexable, Listing, Unindexable
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE", "is_text"]

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".org", ".rst", ".csv", ".json", ".yaml", ".yml", ".html")
MAX_TEXT_BYTES = 512 * 1024
MAX_FILES = 2000
MAX_DEPTH = 8
MAX_DOCUMENT_CHARS = 512 * 1024  # text indexed per document (its beginning), as much as a text file's
NOTES_FOLDERS = ("/Notes",)  # the Notes app's default folder (its `notesPath` setting)


def is_text(entry: DavEntry) -> bool:
    ctype = (entry.content_type or "").split(";")[0]
    return (
        ctype.startswith("text/")
        or ctype in ("application/json", "application/xml")
        or entry.path.lower().endswith(TEXT_SUFFIXES)
    )


def _wanted(entry: DavEntry) -> bool:
    """Text files up to MAX_TEXT_BYTES and documents of any size (one too large is reported by `text`)."""
    kind = document_kind(entry.path, entry.content_type)
    return kind is not None or (is_text(entry) and (entry.size or 0) <= MAX_TEXT_BYTES)


class FilesSource:
    app = "files"
    opens = "nc_files_read_file path={id}"

    async def objects(self, session: NextcloudSession) -> Listing:
        client = files_client(session)
        listing = Listing()
        folders: list[tuple[str, int]] = [("/", 0)]
        while folders and len(listing.items) < MAX_FILES:
            folder, depth = folders.pop()
            try:
                _, children = await client.list_folder(folder)
            except NextcloudError as exc:
                if folder == "/":
                    raise  # nothing readable: the index keeps what it has
                listing.errors.append(f"files {folder}: {exc}")
                listing.kept.append(folder.rstrip("/") + "/")
                continue
            for entry in children:
                path = "/" + entry.path.strip("/")
                if entry.is_dir:
                    if path in NOTES_FOLDERS:
                        continue
                    if depth < MAX_DEPTH:
                        folders.append((path, depth + 1))
                elif _wanted(entry):
                    listing.items[path] = Indexable(
                        path, entry.etag or entry.modified or "", path.rsplit("/", 1)[-1], entry
                    )
        if folders:  # stopped at MAX_FILES: what lies in the folders not walked is kept as it is
            listing.kept.extend(f.rstrip("/") + "/" for f, _ in folders)
        return listing

    async def text(self, session: NextcloudSession, item: Indexable) -> str | None:
        entry: DavEntry | None = item.hint
        kind = document_kind(item.id, entry.content_type if entry else None)
        try:
            if kind is not None:
                return await _document(session, item.id, kind, entry)
            got = await files_client(session).read_text(item.id, MAX_TEXT_BYTES, entry)
        except NotFound:
            return None
        return got.text

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        try:
            entry = await files_client(session).stat(object_id)
        except NotFound:
            return None
        return entry.etag or entry.modified or ""


async def _document(session: NextcloudSession, path: str, kind: str, entry: DavEntry | None) -> str:
    """A document's text, as `nc_files_read_file` extracts it (apps/files/tools.py::read_file)."""
    conf = session.http.settings
    blob = await files_client(session).read_bytes(path, conf.mcp_extract_max_bytes, entry)  # no GET when too large
    if blob.data is None:
        raise Unindexable(f"{blob.reason} (the limit is MCP_EXTRACT_MAX_BYTES)")
    limits = ExtractLimits(
        timeout=conf.mcp_extract_timeout, memory_mb=conf.mcp_extract_memory_mb, max_chars=MAX_DOCUMENT_CHARS
    )
    try:
        return (await extract_text(blob.data, kind, path, limits)).text
    except UnreadableDocument as exc:
        raise Unindexable(str(exc)) from exc


SOURCE = FilesSource()
