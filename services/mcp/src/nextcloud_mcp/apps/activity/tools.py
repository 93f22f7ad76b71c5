"""Activity tools (`nc_activity_*`): the user's activity stream, newest first, each item with a one-line summary a
model can read ("Bob changed Docs/report.odt, 3 h ago").

`nc_activity_list_activities` pages with the stream's own position: `next_cursor` is the id of the last activity
given (Nextcloud's `X-Activity-Last-Given`), sent back as `since`. With `since` the caller polls for what is new:
only newer activities, oldest first. `object` narrows the stream to one file (a path, resolved to its file id) or
any object (`deck_card:12`), which Nextcloud only does under its `filter` filter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.activity.client import FILTERS_TOOL, LIST_TOOL, WireActivity, activity_client
from nextcloud_mcp.apps.files.client import files_client
from nextcloud_mcp.core.contract import Cursor, Limit, Page, offset_of, page
from nextcloud_mcp.core.errors import InvalidInput
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]


class Activity(BaseModel):
    id: int
    summary: str
    time: str | None
    actor: str | None
    app: str
    type: str
    object_type: str | None
    object_id: int | None
    object_name: str | None
    link: str | None


class Filter(BaseModel):
    id: str
    name: str


def ago(when: datetime, now: datetime) -> str:
    """`now`, `5 min ago`, `3 h ago`, `2 d ago`, or the date for older ones."""
    seconds = int((now - when).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago" if seconds < 30 * 86400 else when.date().isoformat()


def _item(wire: WireActivity, now: datetime) -> Activity:
    try:
        when: datetime | None = datetime.fromisoformat(wire.datetime)
    except ValueError:
        when = None
    summary = wire.subject if when is None else f"{wire.subject}, {ago(when, now)}"
    return Activity(
        id=wire.activity_id, summary=summary, time=when.isoformat() if when else None, actor=wire.user or None,
        app=wire.app, type=wire.type, object_type=wire.object_type or None, object_id=wire.object_id or None,
        object_name=wire.object_name or None, link=wire.link or None,
    )  # fmt: skip


async def _object(ctx: Context, value: str) -> tuple[str, int]:
    """`object` as Nextcloud's `object_type`/`object_id`: a path is a file (its file id), `type:id` anything."""
    kind, _, ident = value.partition(":")
    if not value.startswith("/") and ident.isdigit() and kind:
        return kind, int(ident)
    if not value.startswith("/"):
        raise InvalidInput(f"object {value!r} is neither a file path (/Docs/a.txt) nor type:id (deck_card:12).")
    entry = await files_client(session(ctx)).stat(value)
    if entry.file_id is None:
        raise InvalidInput(f"Nextcloud reported no file id for {value}; list the stream without object instead.")
    return "files", entry.file_id


@tool(
    LIST_TOOL, "List activities",
    "What happened to your files, shares, calendars, cards: newest first, or only newer than since.",
    app="activity", read_only=True, idempotent=True,
)  # fmt: skip
async def activity_list_activities(
    ctx: Context,
    filter: Annotated[
        str,
        Field(min_length=1, description=f"Filter id from {FILTERS_TOOL}: all, self (by you), by (by others), files…"),
    ] = "all",
    object: Annotated[
        str | None,
        Field(min_length=1, description="Only one object: a file path (/Docs/a.txt) or type:id (deck_card:12)"),
    ] = None,
    since: Annotated[
        int | None, Field(ge=1, description="An activity id you saw: only newer ones, oldest first (to poll)")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=200, description="Page size (1-200).")] = 30,
    cursor: Cursor = None,
) -> Page[Activity]:
    client = activity_client(session(ctx))
    object_type, object_id = "", 0
    if object is not None:
        if filter not in ("all", "filter"):
            raise InvalidInput("Give either filter or object, not both: object already narrows the stream.")
        object_type, object_id = await _object(ctx, object.strip())
        filter = "filter"
    start = offset_of(cursor) if cursor else since or 0
    result = await client.stream(
        filter, since=start, limit=limit, sort="asc" if since else "desc", object_type=object_type, object_id=object_id
    )
    now = datetime.now(UTC)
    items = [_item(a, now) for a in result.items]
    following = str(result.last_given) if result.last_given is not None else None
    return Page[Activity](items=items, next_cursor=following, total=None)


@tool(
    FILTERS_TOOL, "List activity filters", "List the activity stream's filters (all, by you, by others, files, …).",
    app="activity", read_only=True, idempotent=True,
)  # fmt: skip
async def activity_list_filters(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Filter]:
    filters = await activity_client(session(ctx)).filters()
    return page([Filter(id=f.id, name=f.name) for f in filters], limit, cursor)


TOOLS: list[ToolSpec] = [activity_list_activities, activity_list_filters]
