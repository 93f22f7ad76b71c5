"""The tasks the semantic index holds (`core.indexing`): the VTODO objects of the caller's task lists, their own and
those shared with them, versioned by the CalDAV `getetag`; an object id is `<tasklist>/<task_id>`, what
`nc_tasks_get_task` takes.

Listing, checking and reading are the calendar source's (`apps/calendar/listing.py`: one etag-only calendar-query
per list, here with a VTODO comp-filter, so a calendar holding events and tasks gives each object to one source
only; the trash bin, deleted calendars and subscriptions left out); `text` GETs one changed task. Completed tasks
are indexed too: people search for what they did. At most MAX_TASKS tasks per user are indexed, the most recently
changed ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from nextcloud_mcp.apps.calendar.listing import list_objects, object_version, read_object
from nextcloud_mcp.core.errors import ProtocolError
from nextcloud_mcp.core.indexing import Indexable, Listing, Titled, Unindexable
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE", "task_text"]

MAX_TASKS = 5000
_STATUS = {"NEEDS-ACTION": "open", "IN-PROCESS": "in progress", "COMPLETED": "completed", "CANCELLED": "cancelled"}
_PRIORITY = {1: "high", 2: "high", 3: "high", 4: "high", 5: "medium"}  # RFC 5545 §3.8.1.9: 1-4 high, 5, 6-9 low


def _status(view: Mapping[str, object]) -> str:
    raw = str(view.get("status") or "NEEDS-ACTION")
    status = _STATUS.get(raw.upper(), raw.lower())
    if view.get("completed") and raw.upper() != "CANCELLED":
        status = "completed" + (f" {view['completed_at']}" if view.get("completed_at") else "")
    elif isinstance(percent := view.get("percent"), int) and 0 < percent < 100:
        status += f", {percent}% done"
    return status


def task_text(view: Mapping[str, object], tasklist: str) -> str:
    """What is indexed of a task: its title, status, when it starts and is due, priority, tags, which list, its
    description."""
    lines = [str(view.get("title") or ""), f"Status: {_status(view)}"]
    when = [f"{label}: {view[key]}" for key, label in (("start", "Starts"), ("due", "Due")) if view.get(key)]
    if when:
        lines.append("; ".join(when))
    priority = view.get("priority")
    if isinstance(priority, int) and 0 < priority <= 9:
        lines.append(f"Priority: {priority} ({_PRIORITY.get(priority, 'low')})")
    tags = view.get("categories")
    categories = [str(c) for c in tags if c] if isinstance(tags, list) else []
    if categories:
        lines.append("Tags: " + ", ".join(categories))
    lines.append(f"Task list: {tasklist}")
    description = str(view.get("description") or "").strip()
    return "\n".join(lines) + (f"\n\n{description}" if description else "")


class TasksSource:
    app = "tasks"
    opens = "nc_tasks_get_task tasklist={0} task_id={1}"

    async def objects(self, session: NextcloudSession) -> Listing:
        return await list_objects(session, "VTODO", what="task list", limit=MAX_TASKS)

    async def text(self, session: NextcloudSession, item: Indexable) -> Titled | None:
        from nextcloud_mcp.apps.tasks.todo import read_todo, todo_view  # icalendar, on first use

        tasklist, _, name = item.id.partition("/")
        obj = await read_object(session, item.id)
        if obj is None:
            return None
        try:
            view = todo_view(read_todo(obj.data, name)[1])
        except ProtocolError as exc:
            raise Unindexable(exc.message) from exc
        return Titled(str(view.get("title") or name), task_text(view, str(item.hint or tasklist)))

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        return await object_version(session, object_id)


SOURCE = TasksSource()
