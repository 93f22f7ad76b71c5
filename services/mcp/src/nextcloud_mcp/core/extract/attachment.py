"""One implementation for the attachment readers (`nc_notes_read_attachment`, `nc_deck_read_attachment`,
`nc_mail_read_attachment`): an app says what it knows of the attachment and how to download it; this module
applies the limits and returns the same shape as `nc_files_read_file` (text decoded, documents extracted, other
types a note naming type and size), paged with a cursor bound to a digest of the bytes (no attachment API sends
an etag)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.download import Download
from nextcloud_mcp.core.extract.kinds import document_kind
from nextcloud_mcp.core.extract.reading import (
    content_etag,
    cursor_offset,
    decode_text,
    document_text,
    extract_limits,
    text_page,
    too_large,
)

__all__ = ["AttachmentText", "Source", "read_attachment"]

_MEDIA = ("image/", "audio/", "video/")


class AttachmentText(BaseModel):
    name: str
    mime: str
    size: int | None
    etag: str | None  # a digest of the bytes read (the cursor is bound to it); null when nothing was downloaded
    text: str | None
    note: str | None
    next_cursor: str | None


@dataclass(frozen=True)
class Source:
    """An attachment as its app lists it, and how to download it."""

    name: str
    mime: str | None  # the type the app's listing gives, if any
    size: int | None  # the size the app's listing gives, if any
    fetch: Callable[[int], Awaitable[Download]]  # download at most that many bytes
    tool: str  # the reading tool, named in cursor errors
    get_it: str  # what the caller can do instead, a lowercase phrase ("open it in Nextcloud Mail")


def _bare(mime: str | None) -> str:
    return (mime or "").split(";", 1)[0].strip().lower()


def _no_text(name: str, mime: str, size: int | None, get_it: str) -> str:
    bytes_ = "size unknown" if size is None else f"{size} bytes"
    return (
        f"{name} ({mime or 'binary'}, {bytes_}) has no text to read: only text files and PDF, Office and "
        f"OpenDocument documents are read; {get_it}."
    )


async def read_attachment(source: Source, conf: Settings, cursor: str | None, max_chars: int) -> AttachmentText:
    """The attachment's text, one page of `max_chars` from `cursor`; images, audio and video listed as such are
    not downloaded; anything over MCP_EXTRACT_MAX_BYTES is refused (UnreadableDocument)."""
    limit, listed = conf.mcp_extract_max_bytes, _bare(source.mime)
    kind = document_kind(source.name, listed)
    if kind is None and listed.startswith(_MEDIA) and listed != "image/svg+xml":
        said = _no_text(source.name, listed, source.size, source.get_it)
        return AttachmentText(
            name=source.name, mime=listed, size=source.size, etag=None, text=None, note=said, next_cursor=None
        )
    if source.size is not None and source.size > limit:
        raise too_large(f"{source.name} ({source.size} bytes)", limit, "attachments", source.get_it)
    got = await source.fetch(limit)
    if got.data is None:
        raise too_large(source.name, limit, "attachments", source.get_it)
    data, name = got.data, source.name or got.filename or "attachment"
    mime = listed or _bare(got.content_type) or "application/octet-stream"
    etag = content_etag(data)
    start = cursor_offset(cursor, etag, tool=source.tool, what="attachment")
    kind = kind or document_kind(name, got.content_type)
    text: str | None
    note: str | None
    if kind is not None:
        text, note = await document_text(data, kind, name, extract_limits(conf), source.get_it)
    else:
        decoded = decode_text(data, got.content_type)
        text, note = (decoded[0], None) if decoded else (None, _no_text(name, mime, len(data), source.get_it))
    page = text_page(text, note, start=start, max_chars=max_chars, version=etag, cursor=cursor, name=name)
    return AttachmentText(
        name=name, mime=mime, size=len(data), etag=etag, text=page.text, note=page.note, next_cursor=page.next_cursor
    )
