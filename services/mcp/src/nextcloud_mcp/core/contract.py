"""The parts of the tool contract (docs/tools.md, "The tool contract") that every app's tools share: the list
envelope and its paging, the etag guard for writes that replace content, timestamps and permission flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field

from nextcloud_mcp.core.errors import InvalidInput

__all__ = [
    "DAV_PERMISSIONS",
    "Cursor",
    "Etag",
    "Force",
    "Limit",
    "Page",
    "dav_flags",
    "iso",
    "next_cursor",
    "offset_of",
    "page",
    "require_etag",
    "share_flags",
]

T = TypeVar("T")

Limit = Annotated[int, Field(ge=1, le=500, description="Page size.")]
Cursor = Annotated[
    str | None, Field(max_length=200, description="next_cursor of the previous page; omit for the first.")
]
Etag = Annotated[
    str | None,
    Field(
        max_length=256,
        pattern=r"^[\x20-\x7e]*$",
        description="etag you read; required unless force=true.",
    ),
]
Force = Annotated[bool, Field(description="Overwrite without checking the etag.")]


class Page(BaseModel, Generic[T]):
    """The one list envelope: a page of `items`, the cursor of the next page (null on the last), the total
    when Nextcloud says it (null when it does not)."""

    items: list[T]
    next_cursor: str | None
    total: int | None


def offset_of(cursor: str | None) -> int:
    """The offset a cursor of `page`/`next_cursor` stands for (0 without one)."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit():
        raise InvalidInput(f"cursor {cursor!r} is not a next_cursor this tool returned; omit it to start over.")
    return int(cursor)


def next_cursor(offset: int, returned: int, total: int | None, limit: int) -> str | None:
    """The cursor after `returned` items from `offset`: null when the list is known to end there."""
    end = offset + returned
    if (total is not None and end >= total) or returned < limit:
        return None
    return str(end)


def page(items: Sequence[T], limit: int, cursor: str | None) -> Page[T]:
    """One page of a list held in full (paged here, not by Nextcloud)."""
    start = offset_of(cursor)
    chunk = list(items[start : start + limit])
    return Page[T](items=chunk, next_cursor=next_cursor(start, len(chunk), len(items), limit), total=len(items))


def require_etag(etag: str | None, force: bool, *, what: str, get_tool: str) -> None:
    """Refuse a content replacement without the etag the caller read, unless `force` says to overwrite."""
    if not etag and not force:
        raise InvalidInput(
            f"Pass the etag of the {what} as you read it (from {get_tool}), so a change made meanwhile is not "
            "overwritten; or pass force=true to overwrite it whatever it is now."
        )


def iso(value: datetime | float | int | None) -> str | None:
    """ISO 8601 with an offset (`2026-12-05T09:30:00+00:00`); a number is a Unix time; naive times are UTC."""
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat(timespec="seconds")


#: OCS share permission bits (nextcloud/server lib/public/Constants.php PERMISSION_*) as named flags.
_SHARE_BITS = (("read", 1), ("update", 2), ("create", 4), ("delete", 8), ("share", 16))


def share_flags(bits: int) -> list[str]:
    """An OCS permission bitmask as named flags."""
    return [name for name, bit in _SHARE_BITS if bits & bit]


#: WebDAV `oc:permissions` letters (apps/dav/lib/Connector/Sabre/Node.php::getDavPermissions) as flags.
DAV_PERMISSIONS = {
    "G": "read",
    "W": "update",
    "C": "create",
    "K": "create",
    "D": "delete",
    "R": "share",
    "N": "rename",
    "V": "move",
    "S": "shared",
    "M": "mounted",
}


def dav_flags(letters: str) -> list[str]:
    """WebDAV permission letters as named flags, in a fixed order, without repeats."""
    order = ("read", "update", "create", "delete", "rename", "move", "share", "shared", "mounted")
    present = {DAV_PERMISSIONS[c] for c in letters if c in DAV_PERMISSIONS}
    return [flag for flag in order if flag in present]
