"""The files the semantic index holds (`core.indexing`): text files the caller can read, found by walking their
folders over WebDAV (shares they received included), versioned by their etags. The Notes app's folder is skipped:
those files are indexed as notes."""

from __future__ import annotations

from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.dav import DavEntry
from nextcloud_mcp.core.errors import NextcloudError, NotFound
from nextcloud_mcp.core.indexing import Indexable, Listing
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE", "is_text"]

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".org", ".rst", ".csv", ".json", ".yaml", ".yml", ".html")
MAX_TEXT_BYTES = 512 * 1024
MAX_FILES = 2000
MAX_DEPTH = 8
NOTES_FOLDERS = ("/Notes",)  # the Notes app's default folder (its `notesPath` setting)


def is_text(entry: DavEntry) -> bool:
    ctype = (entry.content_type or "").split(";")[0]
    return (
        ctype.startswith("text/")
        or ctype in ("application/json", "application/xml")
        or entry.path.lower().endswith(TEXT_SUFFIXES)
    )


def _wanted(entry: DavEntry) -> bool:
    return is_text(entry) and (entry.size or 0) <= MAX_TEXT_BYTES


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
        try:
            got = await files_client(session).read_text(item.id, MAX_TEXT_BYTES, item.hint)
        except NotFound:
            return None
        return got.text

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        try:
            entry = await files_client(session).stat(object_id)
        except NotFound:
            return None
        return entry.etag or entry.modified or ""


SOURCE = FilesSource()
