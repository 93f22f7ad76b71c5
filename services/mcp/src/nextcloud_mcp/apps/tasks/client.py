"""Tasks (VTODO) over CalDAV: task lists are the calendars whose component set has VTODO.

Writes are read-modify-write with `If-Match`; a 412 is a `Conflict` that says nothing was overwritten.
The iCalendar work lives in `todo.py`, imported on first use.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from nextcloud_mcp.apps.calendar.client import CalendarClient, CalendarInfo
from nextcloud_mcp.core.errors import Conflict

if TYPE_CHECKING:
    from nextcloud_mcp.apps.tasks.todo import TodoFields

__all__ = ["TaskInfo", "TasksClient"]

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class TaskInfo(BaseModel):
    """One task; `due` keeps its offset (or is a date), `tz` names the zone."""

    tasklist: str
    task_id: str
    etag: str | None = None
    uid: str
    summary: str
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
    """Task lists and tasks for one user (over the same DAV client as calendars)."""

    def __init__(self, calendar: CalendarClient) -> None:
        self._cal = calendar

    @property
    def calendar(self) -> CalendarClient:
        return self._cal

    async def lists(self) -> list[CalendarInfo]:
        return await self._cal.calendars("VTODO")

    async def default_list(self, name: str | None) -> str:
        if name is not None:
            return name
        usable = [c for c in await self.lists() if not c.read_only]
        if not usable:
            from nextcloud_mcp.core.errors import InvalidInput

            raise InvalidInput(
                "You have no writable task list; create one with nc_calendar_create_calendar and components ['VTODO']."
            )
        return sorted(usable, key=lambda c: (c.name not in ("tasks", "personal"), c.name))[0].name

    async def tasks(self, list_name: str | None) -> list[TaskInfo]:
        """Every task of one list (or all lists), unreadable objects skipped."""
        from nextcloud_mcp.apps.tasks.todo import read_todo, todo_view
        from nextcloud_mcp.core.errors import ProtocolError

        names = [list_name] if list_name else [c.name for c in await self.lists()]
        if list_name:
            await self._cal.calendar(list_name, component="VTODO")
        out = []
        for name in names:
            for obj in await self._cal.query(name, "VTODO"):
                try:
                    _, comp = read_todo(obj.data, obj.name)
                except ProtocolError:
                    continue
                out.append(TaskInfo(tasklist=name, task_id=obj.name, etag=obj.etag, **todo_view(comp)))
        return out

    async def get(self, list_name: str, task_id: str) -> TaskInfo:
        from nextcloud_mcp.apps.tasks.todo import read_todo, todo_view

        obj = await self._cal.get_object(list_name, task_id)
        _, comp = read_todo(obj.data, task_id)
        return TaskInfo(tasklist=list_name, task_id=task_id, etag=obj.etag, **todo_view(comp))

    async def parent_uid(self, list_name: str, parent_id: str) -> str:
        return (await self.get(list_name, parent_id)).uid

    async def create(self, list_name: str, fields: TodoFields) -> TaskInfo:
        from nextcloud_mcp.apps.tasks.todo import new_todo, to_bytes, todo_view

        await self._cal.calendar(list_name, writable=True, component="VTODO")
        cal, comp = new_todo(fields)
        name = _SAFE_NAME.sub("-", str(comp["UID"])) + ".ics"
        etag = await self._cal.put_object(list_name, name, to_bytes(cal), create=True)
        return TaskInfo(tasklist=list_name, task_id=name, etag=etag, **todo_view(comp))

    async def update(
        self, list_name: str, task_id: str, fields: TodoFields | None, *, etag: str | None, done: bool | None = None
    ) -> TaskInfo:
        """Read, change, write back with If-Match (the caller's etag when given)."""
        from nextcloud_mcp.apps.tasks.todo import apply_todo_fields, read_todo, set_done, to_bytes, todo_view

        await self._cal.calendar(list_name, writable=True, component="VTODO")
        obj = await self._cal.get_object(list_name, task_id)
        if etag and obj.etag and etag.strip('"') != obj.etag:
            raise Conflict(
                f"The task changed since you read it (etag {etag} → {obj.etag}); nothing was overwritten. "
                "Read it again and re-apply your change.",
                status=412,
            )
        cal, comp = read_todo(obj.data, task_id)
        if fields is not None:
            apply_todo_fields(comp, fields)
        if done is not None:
            set_done(comp, done)
        try:
            new_etag = await self._cal.put_object(list_name, task_id, to_bytes(cal), etag=etag or obj.etag)
        except Conflict as exc:
            current = await self.get(list_name, task_id)
            raise Conflict(
                f"The task changed on the server since it was read; nothing was overwritten. It now has etag "
                f"{current.etag}, summary {current.summary!r}, status {current.status}. Re-apply your change.",
                method=exc.method,
                path=exc.path,
                status=412,
            ) from exc
        return TaskInfo(tasklist=list_name, task_id=task_id, etag=new_etag, **todo_view(comp))

    async def delete(self, list_name: str, task_id: str, etag: str | None) -> None:
        await self._cal.calendar(list_name, writable=True, component="VTODO")
        await self._cal.delete_object(list_name, task_id, etag)


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
