"""From a file's bytes to the paged text the read tools return (`nc_files_read_file` and the attachment readers of
`attachment.py`): text decoding, document extraction with the `MCP_EXTRACT_*` limits, and character paging with a
cursor bound to one version of the content (an etag, or a digest of the bytes where the API sends none)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import InvalidInput, UnreadableDocument
from nextcloud_mcp.core.extract.runner import GET_FILE, ExtractLimits, extract_text
from nextcloud_mcp.core.extract.sink import FORMATS

__all__ = [
    "TEXT_MAX_BYTES",
    "MaxChars",
    "TextPage",
    "content_etag",
    "cursor_offset",
    "decode_text",
    "document_text",
    "extract_limits",
    "text_page",
    "too_large",
]

TEXT_MAX_BYTES = 512 * 1024  # the most of a text file nc_files_read_file reads
MaxChars = Annotated[int, Field(ge=1000, le=500_000, description="Most characters of text to return.")]

_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.I)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_READ_CURSOR = re.compile(r"^(\d{1,12})\.([0-9a-f]{12})$")


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


def content_etag(data: bytes) -> str:
    """A version for content whose API sends no etag: a digest of its bytes."""
    return "sha256-" + hashlib.sha256(data).hexdigest()[:24]


def extract_limits(conf: Settings) -> ExtractLimits:
    return ExtractLimits(timeout=conf.mcp_extract_timeout, memory_mb=conf.mcp_extract_memory_mb)


def too_large(name: str, limit: int, what: str = "documents", get_it: str = GET_FILE) -> UnreadableDocument:
    """The error for content over MCP_EXTRACT_MAX_BYTES."""
    return UnreadableDocument(
        f"{name} is larger than the {limit} bytes {what} are read up to (MCP_EXTRACT_MAX_BYTES); {get_it}."
    )


async def document_text(
    data: bytes, kind: str, name: str, limits: ExtractLimits, get_it: str = GET_FILE
) -> tuple[str, str]:
    """The extracted text of a document of `kind` and the note that says so (and whether it was cut)."""
    done = await extract_text(data, kind, name, limits, get_it=get_it)
    note = f"Text extracted from a {FORMATS[kind]} file."
    if done.truncated:
        note += f" Only its first {limits.max_chars} characters are kept."
    return done.text, note


def _tag(version: str) -> str:
    return hashlib.sha256(version.encode()).hexdigest()[:12]


def cursor_offset(cursor: str | None, version: str, *, tool: str, what: str = "file") -> int:
    """The character offset a read cursor stands for, after checking the content is the version it was made from."""
    if not cursor:
        return 0
    match = _READ_CURSOR.match(cursor)
    if match is None:
        raise InvalidInput(f"cursor {cursor!r} is not a next_cursor {tool} returned; omit it.")
    if match.group(2) != _tag(version):
        raise InvalidInput(f"The {what} changed since that cursor was made; read it again without cursor.")
    return int(match.group(1))


@dataclass(frozen=True)
class TextPage:
    text: str | None
    note: str | None
    next_cursor: str | None


def text_page(
    text: str | None, note: str | None, *, start: int, max_chars: int, version: str, cursor: str | None, name: str
) -> TextPage:
    """`max_chars` characters of `text` from `start`, with the cursor of the rest (None at the end)."""
    if text is None:
        return TextPage(text=None, note=note, next_cursor=None)
    if start > len(text):
        raise InvalidInput(f"cursor {cursor!r} is past the end of {name}; omit it to start over.")
    end = min(start + max_chars, len(text))
    more = f"{end}.{_tag(version)}" if end < len(text) else None
    return TextPage(text=text[start:end], note=note, next_cursor=more)
