"""Tasks (VTODO) over CalDAV: task lists are the calendars whose component set has VTODO.

Writes are read-modify-write with `If-Match`; a 412 is a `Conflict` that says nothing was overwritten and names
`nc_tasks_get_task` to re-read.
The iCalendar work lives in `todo.py`, imported on first use.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from nextcloud_mcp.apps.calendar.client import CalendarClient, CalendarInfo
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError, ProtocolError
from nextcloud_mcp.core.partial import unanswered

if TYPE_CHECKING:
    from nextcloud_mcp.apps.tasks.todo import TodoFields

__all__ = ["TaskInfo", "TasksClient"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
_HINT = "Nothing was written; check the values, or the list with nc_tasks_list_tasklists."


class TaskInfo(BaseModel):
    """One task; `due` keeps its offset (or is a date), `tz` names the zone."""

    tasklist: str
    task_id: str
    etag: str | None = None
    uid: str
    title: str
    description: str | None = None
    status: str
    completed: bool
    completed_at: str | None = None
    percent: int = 0
    priority: int = 0
    due: str | None = None
    start: str | None = None
    tz: str | None = None
    categories: list[str] = []
    parent_uid: str | None = None


class TasksClient:
    """Task lists and tasks for one user (over the same DAV client as calendars). A list is named by its name or
    display name, a task by its resource name (`task_id`) or its UID."""

    def __init__(self, calendar: CalendarClient) -> None:
        self._cal = calendar

    @property
    def calendar(self) -> CalendarClient:
        return self._cal

    async def lists(self) -> list[CalendarInfo]:
        return await self._cal.calendars("VTODO")

    async def tasklist(self, ref: str, *, writable: bool = False) -> str:
        """The name of the task list `ref` (name or display name); refuses calendars without VTODO."""
        return (await self._cal.calendar(ref, writable=writable, component="VTODO")).name

    async def default_list(self, ref: str | None) -> str:
        """The list a new task goes to: the one named, else `tasks`, `personal` or the default calendar (the
        principal's `schedule-default-calendar-URL`) when they hold tasks, else the only writable list; never the
        first of the listing."""
        if ref is not None:
            return await self.tasklist(ref, writable=True)
        usable = [c for c in await self.lists() if not c.read_only]
        if not usable:
            raise InvalidInput(
                "You have no writable task list; create one with nc_calendar_create_calendar and components ['VTODO']."
            )
        default = (await self._cal.dav.homes()).default_calendar
        for wanted in ("tasks", "personal", default):
            if wanted and any(c.name == wanted for c in usable):
                return wanted
        if len(usable) == 1:
            return usable[0].name
        names = ", ".join(f"{c.name} ({c.display_name})" for c in usable)
        raise InvalidInput(f"You have no default task list; pass tasklist, one of: {names} (nc_tasks_list_tasklists).")

    async def tasks(self, list_ref: str | None) -> list[TaskInfo]:
        """Every task of one list (or all lists), unreadable objects skipped."""
        from nextcloud_mcp.apps.tasks.todo import read_todo, todo_view

        names = [await self.tasklist(list_ref)] if list_ref else [c.name for c in await self.lists()]
        out = []
        for name in names:
            for obj in await self._cal.query(name, "VTODO"):
                try:
                    _, comp = read_todo(obj.data, obj.name)
                except ProtocolError:
                    continue
                out.append(TaskInfo(tasklist=name, task_id=obj.name, etag=obj.etag, **todo_view(comp)))
        return out

    async def get(self, list_ref: str, task_ref: str) -> TaskInfo:
        from nextcloud_mcp.apps.tasks.todo import read_todo, todo_view

        name = await self.tasklist(list_ref)
        obj = await self._cal.find_object(name, task_ref, "VTODO")
        _, comp = read_todo(obj.data, obj.name)
        return TaskInfo(tasklist=name, task_id=obj.name, etag=obj.etag, **todo_view(comp))

    async def parent_uid(self, list_name: str, parent_ref: str) -> str:
        """The UID of the parent task named by its task_id or UID."""
        from nextcloud_mcp.apps.tasks.todo import read_todo, todo_view

        obj = await self._cal.find_object(list_name, parent_ref, "VTODO")
        uid: str = todo_view(read_todo(obj.data, obj.name)[1])["uid"]
        return uid

    async def create(self, list_name: str, fields: TodoFields) -> TaskInfo:
        from nextcloud_mcp.apps.tasks.todo import new_todo, to_bytes, todo_view

        cal, comp = new_todo(fields)
        name = _SAFE_NAME.sub("-", str(comp["UID"])) + ".ics"
        try:
            etag = await self._cal.put_object(list_name, name, to_bytes(cal), create=True, hint=_HINT)
        except NextcloudError as exc:
            if unanswered(exc):  # it may exist: its name is known, so say how to check instead of creating twice
                exc.message += (
                    f" Check with nc_tasks_get_task (tasklist={list_name!r}, task_id={name!r}); create it again only "
                    "if that says it does not exist."
                )
            raise
        return TaskInfo(tasklist=list_name, task_id=name, etag=etag, **todo_view(comp))

    async def update(
        self, list_name: str, task_ref: str, fields: TodoFields | None, *, etag: str | None, done: bool | None = None
    ) -> TaskInfo:
        """Read, change, write back with If-Match: the caller's etag when given (refused when it is not the
        current one), else the etag read just now. `list_name` is a resolved list (`tasklist`)."""
        from nextcloud_mcp.apps.tasks.todo import apply_todo_fields, read_todo, set_done, to_bytes, todo_view

        obj = await self._cal.find_object(list_name, task_ref, "VTODO")
        if etag and obj.etag and etag.strip('"') != obj.etag:
            raise Conflict(
                f"The task changed since you read it (etag {etag} is now {obj.etag}); nothing was overwritten. "
                "Read it again with nc_tasks_get_task and re-apply your change with its etag.",
                status=412,
            )
        cal, comp = read_todo(obj.data, obj.name)
        if fields is not None:
            apply_todo_fields(comp, fields)
        if done is not None:
            set_done(comp, done)
        try:
            new_etag = await self._cal.put_object(list_name, obj.name, to_bytes(cal), etag=etag or obj.etag, hint=_HINT)
        except Conflict as exc:
            current = await self.get(list_name, obj.name)
            raise Conflict(
                f"The task changed on the server since it was read; nothing was overwritten. It now has etag "
                f"{current.etag}, title {current.title!r}, status {current.status}. Read it with nc_tasks_get_task "
                "and re-apply your change.",
                method=exc.method,
                path=exc.path,
                status=412,
            ) from exc
        return TaskInfo(tasklist=list_name, task_id=obj.name, etag=new_etag, **todo_view(comp))

    async def delete(self, list_ref: str, task_ref: str, etag: str | None) -> str:
        """Delete with If-Match (the caller's etag, refused when not current, else the one read just now)."""
        name = await self.tasklist(list_ref, writable=True)
        obj = await self._cal.find_object(name, task_ref, "VTODO")
        if etag and obj.etag and etag.strip('"') != obj.etag:
            raise Conflict(
                f"The task changed since you read it (etag {etag} is now {obj.etag}); nothing was deleted. Read it "
                "again with nc_tasks_get_task.",
                status=412,
            )
        await self._cal.delete_object(name, obj.name, etag or obj.etag)
        return obj.name


def due_before(task: TaskInfo, limit: datetime) -> bool:
    """True when the task has a due time before `limit` (dates count from their midnight, in UTC)."""
    from nextcloud_mcp.apps.calendar.ical_time import to_utc

    if task.due is None:
        return False
    value = datetime.fromisoformat(task.due.replace("Z", "+00:00")) if "T" in task.due else None
    if value is None:
        from datetime import date

        return to_utc(date.fromisoformat(task.due)) < limit
    return to_utc(value) < limit
