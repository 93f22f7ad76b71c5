"""Calendar trash tools (`nc_calendar_*_trash`): deleted events, tasks and calendars (Nextcloud >= 22).

Deleting an event, a task or a calendar moves it to the calendar trash bin (see `trash.py`); these tools list it,
restore an entry, or delete one for good, which is confirmed first (`core/confirm.py`: the user is asked when the
client can elicit, else `confirm=true`; it cannot be undone). An entry is named by the
`name` the list gives (`12.ics` for an event or task, the calendar's name for a calendar); a calendar's display name
or an item's UID are accepted too.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.calendar.client import calendar_client
from nextcloud_mcp.apps.calendar.trash import TrashClient
from nextcloud_mcp.core.confirm import Confirm, Confirmation, Deletion, Loss, confirmed
from nextcloud_mcp.core.contract import Cursor, Limit, Page, page
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

TrashName = Annotated[
    str, Field(min_length=1, max_length=255, description="name from nc_calendar_list_trash, e.g. 12.ics or work.")
]


def _client(ctx: Context) -> TrashClient:
    return TrashClient(calendar_client(session(ctx)))


@tool(
    "nc_calendar_list_trash",
    "List the calendar trash",
    "Deleted events, tasks and calendars, newest first, with when each is purged.",
    app="calendar",
    read_only=True,
    idempotent=True,
)
async def calendar_list_trash(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Item]:
    entries = await _client(ctx).entries()
    return page([entry.item() for entry in entries], limit, cursor)


@tool(
    "nc_calendar_restore_trash",
    "Restore from the calendar trash",
    "Restore a deleted event, task or calendar to where it was.",
    app="calendar",
    read_only=False,
)
async def calendar_restore_trash(ctx: Context, name: TrashName) -> Item:
    client = _client(ctx)
    entry = await client.find(name)
    await client.restore(entry)
    return {"name": entry.name, "kind": entry.kind, "calendar": entry.calendar, "uid": entry.uid, "result": "restored"}


async def _entry_loss(ctx: Context, name: str) -> Loss:
    """The trash entry (an unknown name is the lookup's error, listing the entries); a deleted calendar goes with
    everything in it."""
    entry = await _client(ctx).find(name)
    what = (
        f"the trashed {entry.kind} {entry.title!r} ({entry.name})"
        if entry.title
        else f"the trashed {entry.kind} {entry.name}"
    )
    if entry.kind != "calendar":
        what += f" of calendar {entry.calendar!r}"
    return Loss(
        what,
        ("everything in it",) if entry.kind == "calendar" else (),
        undo="This cannot be undone (nc_calendar_restore_trash would bring it back instead).",
    )


_CONFIRM_PURGE = confirmed("nc_calendar_delete_trash", _entry_loss)


@tool(
    "nc_calendar_delete_trash",
    "Delete from the calendar trash",
    "Delete a trash entry for good; it cannot be restored.",
    app="calendar",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def calendar_delete_trash(
    ctx: Context, name: TrashName, confirmation: Annotated[Confirmation, _CONFIRM_PURGE], confirm: Confirm = False
) -> Deletion:
    done = confirmation.require(confirm)
    client = _client(ctx)
    await client.purge(await client.find(name))
    return done


TOOLS: list[ToolSpec] = [calendar_list_trash, calendar_restore_trash, calendar_delete_trash]
